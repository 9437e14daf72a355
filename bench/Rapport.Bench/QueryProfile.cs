using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rapport.Bench;

/// <summary>
/// --profile: what each SQL statement cost, from EF Core's own diagnostic events (the time a reader stayed open, rows
/// read included), summed per statement and printed most expensive first. Nothing in the application changes.
/// </summary>
internal sealed class QueryProfile : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ConcurrentDictionary<string, (int Count, double Milliseconds)> statements = new(StringComparer.Ordinal);
    private readonly List<IDisposable> subscriptions = [];

    private QueryProfile()
    {
        subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
    }

    /// <summary>A profile when the arguments ask for one, else null.</summary>
    public static QueryProfile? For(string[] args) => args.Contains("--profile") ? new QueryProfile() : null;

    public void Clear() => statements.Clear();

    /// <summary>The statements that cost most, with their share of the total, the first line of each.</summary>
    public void Print(string title, int top = 12)
    {
        var all = statements.ToArray();
        var total = all.Sum(s => s.Value.Milliseconds);
        Console.WriteLine($"  profile, {title}: {total:F0} ms in {all.Sum(s => s.Value.Count)} statements");
        foreach (var (sql, (count, ms)) in all.OrderByDescending(s => s.Value.Milliseconds).Take(top))
        {
            var shown = string.Join(' ', sql.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
            Console.WriteLine($"    {ms,8:F0} ms {count,5}× {(shown.Length > 220 ? shown[..220] + "…" : shown)}");
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            lock (subscriptions)
            {
                subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        // A reader's whole life (execution and reading); other commands when they finish.
        var (text, duration) = value.Value switch
        {
            DataReaderDisposingEventData r => (r.Command.CommandText, r.Duration),
            CommandExecutedEventData e when e.Result is not System.Data.Common.DbDataReader => (e.Command.CommandText, e.Duration),
            _ => (null, TimeSpan.Zero),
        };
        if (text is not null)
        {
            statements.AddOrUpdate(text, (1, duration.TotalMilliseconds), (_, s) => (s.Count + 1, s.Milliseconds + duration.TotalMilliseconds));
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        lock (subscriptions)
        {
            subscriptions.ForEach(s => s.Dispose());
        }
    }
}
