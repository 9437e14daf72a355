using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Rapport.Data;

/// <summary>
/// Cleans every text a save writes with <see cref="UserInput"/>, whatever wrote it (API, pages, imports, channels, CLI):
/// PostgreSQL refuses NUL where SQLite keeps it, so without this the same input was a 500 on one database and stored on
/// the other. Names, titles and subjects also lose bidirectional overrides. Keys are left alone: they are ours.
/// </summary>
public sealed class UserTextInterceptor : SaveChangesInterceptor
{
    private static readonly ConcurrentDictionary<IEntityType, (IProperty Property, bool Name)[]> Texts = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        Clean(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        Clean(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Clean(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }
            var values = entry.CurrentValues;
            foreach (var (property, name) in Texts.GetOrAdd(entry.Metadata, TextProperties))
            {
                if (values[property] is string text)
                {
                    var clean = name ? UserInput.CleanName(text) : UserInput.Clean(text);
                    if (!ReferenceEquals(clean, text))
                    {
                        values[property] = clean;
                    }
                }
            }
        }
    }

    private static (IProperty, bool)[] TextProperties(IEntityType type) =>
        [.. type.GetProperties()
            .Where(p => p.ClrType == typeof(string) && !p.IsKey() && !p.IsForeignKey() && !p.IsConcurrencyToken)
            .Select(p => (p, UserInput.IsNameLike(p.Name)))];
}
