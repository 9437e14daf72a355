using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Data;

namespace Rapport.Learning;

/// <summary>
/// The analyzer each workspace uses: its own current model when it has trained one, else the default model.
/// Cached per workspace; the cache checks for a newer model at most every <see cref="RefreshEvery"/>, so a
/// model trained on another app node is picked up within that time.
/// </summary>
public sealed partial class WorkspaceAnalyzers(RapportDbContextFactory factory, TimeProvider clock, ILogger<WorkspaceAnalyzers> logger)
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Guid, Entry> cache = new();

    private sealed record Entry(Guid? ModelId, ITextAnalyzer Analyzer, DateTimeOffset CheckedAt);

    public async Task<ITextAnalyzer> ForAsync(Guid workspaceId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        if (cache.TryGetValue(workspaceId, out var entry) && now - entry.CheckedAt < RefreshEvery)
        {
            return entry.Analyzer;
        }
        await using var db = factory.CreateDbContext();
        var currentId = await db.TrainedModels
            .Where(m => m.WorkspaceId == workspaceId && m.Status == TrainedModelStatus.Current)
            .Select(m => (Guid?)m.Id)
            .FirstOrDefaultAsync(ct);
        if (entry is not null && entry.ModelId == currentId)
        {
            cache[workspaceId] = entry with { CheckedAt = now };
            return entry.Analyzer;
        }
        ITextAnalyzer analyzer = TextAnalyzer.Default;
        if (currentId is { } id)
        {
            var data = await db.TrainedModels.Where(m => m.Id == id).Select(m => m.Data).FirstAsync(ct);
            using var stream = new MemoryStream(data);
            try
            {
                analyzer = new TextAnalyzer(AnalyzerModel.Load(stream));
            }
            catch (InvalidDataException e)
            {
                // A model saved by an older version (its features changed): keep triaging with the default
                // model rather than failing every message; the next retrain replaces it.
                LogModelUnreadable(workspaceId, e.Message);
            }
        }
        cache[workspaceId] = new Entry(currentId, analyzer, now);
        return analyzer;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace {WorkspaceId}'s trained model cannot be read ({Reason}); using the default model until it is retrained.")]
    private partial void LogModelUnreadable(Guid workspaceId, string reason);

    /// <summary>Forgets a workspace's cached analyzer, after training or rolling back on this node.</summary>
    public void Invalidate(Guid workspaceId) => cache.TryRemove(workspaceId, out _);
}
