using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Channels.Webhook;

/// <summary>
/// Forgets the receipts no replay can match any more. A delivery is taken only while its timestamp is within the
/// tolerance of Rapport's clock, and its receipt was written within the tolerance of that timestamp: after twice the
/// tolerance a copy is refused for its timestamp alone. A day more is kept for clocks set right in between.
/// Runs as the scheduler's job "prune-webhook-receipts", every <see cref="Every"/>, once per cluster.
/// </summary>
public sealed partial class WebhookReceipts(RapportDbContextFactory databases, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookReceipts> logger)
{
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Margin = TimeSpan.FromDays(1);

    /// <summary>Receipts received before this time can go.</summary>
    public DateTime Cutoff(DateTime now) => now - 2 * options.Value.TimestampTolerance - Margin;

    /// <summary>Deletes the expired receipts of every workspace; returns how many. A failure shows as the job's last error.</summary>
    public async Task<int> PruneAsync(CancellationToken ct = default)
    {
        var cutoff = Cutoff(clock.GetUtcNow().UtcDateTime);
        await using var db = databases.CreateDbContext();
        var deleted = await db.WebhookReceipts.IgnoreQueryFilters().Where(r => r.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
        if (deleted > 0)
        {
            LogPruned(logger, deleted, cutoff);
        }
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Count} webhook receipts received before {Cutoff:u}: replays that old are refused by their timestamp.")]
    private static partial void LogPruned(ILogger logger, int count, DateTime cutoff);
}
