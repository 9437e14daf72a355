using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Channels.Webhook;

/// <summary>
/// Forgets the receipts no replay can match any more. A delivery is taken only while its timestamp is within the
/// tolerance of Rapport's clock, and its receipt was written within the tolerance of that timestamp: after twice the
/// tolerance a copy is refused for its timestamp alone. A day more is kept for clocks set right in between.
/// Runs after a delivery, at most once per <see cref="Every"/> in this process.
/// </summary>
public sealed partial class WebhookReceipts(IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookReceipts> logger)
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Margin = TimeSpan.FromDays(1);

    private long nextPruneTicks;

    /// <summary>Receipts received before this time can go.</summary>
    public DateTime Cutoff(DateTime now) => now - 2 * options.Value.TimestampTolerance - Margin;

    /// <summary>Deletes the expired receipts of every workspace, unless this process did so in the last <see cref="Every"/>.</summary>
    public async Task PruneIfDueAsync(RapportDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = clock.GetUtcNow().UtcDateTime;
        var due = Interlocked.Read(ref nextPruneTicks);
        if (now.Ticks < due || Interlocked.CompareExchange(ref nextPruneTicks, (now + Every).Ticks, due) != due)
        {
            return; // Pruned recently, or another request is pruning now.
        }
        var cutoff = Cutoff(now);
        try
        {
            var deleted = await db.WebhookReceipts.IgnoreQueryFilters().Where(r => r.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
            if (deleted > 0)
            {
                LogPruned(logger, deleted, cutoff);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The delivery itself is stored: old receipts only cost space, and the next prune takes them.
            LogPruneFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Old webhook receipts could not be pruned; the next delivery tries again.")]
    private static partial void LogPruneFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Count} webhook receipts received before {Cutoff:u}: replays that old are refused by their timestamp.")]
    private static partial void LogPruned(ILogger logger, int count, DateTime cutoff);
}
