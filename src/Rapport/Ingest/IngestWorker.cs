using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Ingest;

/// <summary>
/// Processes accepted items nobody is processing: those accepted without a claim, and those whose claim ended without
/// their processing (a node that died mid-way, a failure to try again). Items are claimed with one conditional update
/// (accepted, lease over → leased to this round), as the outbox claims its items, so two workers or two nodes never
/// process the same item at once; processing again an item whose message was stored finds it and stores nothing twice.
/// </summary>
public sealed partial class IngestWorker(
    RapportDbContextFactory databases, IServiceScopeFactory scopes, IngestSignal signal, IOptions<IngestOptions> options, TimeProvider clock, ILogger<IngestWorker> logger)
    : BackgroundService
{
    private readonly IngestOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.PollInterval <= TimeSpan.Zero)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DrainAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may be briefly unreachable: nothing is lost, the next round claims the items.
                LogRoundFailed(logger, e);
            }
            // The next round at the interval, or at once when items were accepted for the worker to process.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(settings.PollInterval, clock, wait.Token), signal.WaitAsync(wait.Token));
            await wait.CancelAsync();
        }
    }


    /// <summary>Rounds until none claims anything: every item that can be processed now is. Returns how many were claimed.</summary>
    public async Task<int> DrainAsync(CancellationToken ct = default)
    {
        var total = 0;
        for (int claimed; (claimed = await RunOnceAsync(ct)) > 0;)
        {
            total += claimed;
        }
        return total;
    }

    /// <summary>One round: claims up to a batch of items, oldest first, and processes them. Returns how many it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var claim = Guid.CreateVersion7();
        var leaseUntil = now + settings.Lease;
        List<ReceivedItem> claimed;
        await using (var db = databases.CreateDbContext())
        {
            var due = await db.ReceivedItems.IgnoreQueryFilters()
                .Where(r => r.State == ReceivedItemState.Accepted && (r.ClaimedUntil == null || r.ClaimedUntil <= now))
                .OrderBy(r => r.AcceptedAt)
                .Select(r => r.Id)
                .Take(settings.BatchSize)
                .ToListAsync(ct);
            if (due.Count == 0)
            {
                return 0;
            }
            // The same condition again, in the update: an item another worker claimed since is not claimed twice.
            await db.ReceivedItems.IgnoreQueryFilters()
                .Where(r => due.Contains(r.Id) && r.State == ReceivedItemState.Accepted && (r.ClaimedUntil == null || r.ClaimedUntil <= now))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.ClaimedUntil, leaseUntil)
                    .SetProperty(r => r.ClaimedBy, claim)
                    .SetProperty(r => r.Attempts, r => r.Attempts + 1), ct);
            claimed = await db.ReceivedItems.IgnoreQueryFilters().AsNoTracking()
                .Where(r => due.Contains(r.Id) && r.ClaimedBy == claim && r.State == ReceivedItemState.Accepted)
                .OrderBy(r => r.AcceptedAt).ThenBy(r => r.Id)
                .ToListAsync(ct);
        }
        foreach (var workspace in claimed.GroupBy(r => r.WorkspaceId))
        {
            await ProcessAsync(workspace.Key, [.. workspace], ct);
        }
        return claimed.Count;
    }

    /// <summary>
    /// Processes a workspace's claimed items as one batch; when the batch is refused, one by one, so the item at fault is
    /// recorded with its error and the others are processed.
    /// </summary>
    private async Task ProcessAsync(Guid workspaceId, List<ReceivedItem> claimed, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        await using var db = databases.CreateDbContext();
        var items = new List<InboundItem>(claimed.Count);
        foreach (var received in claimed)
        {
            InboundItem? item;
            try
            {
                item = IngestService.Payload(received);
            }
            catch (System.Text.Json.JsonException e)
            {
                item = null;
                LogItemFailed(logger, received.Id, e);
            }
            if (item is null)
            {
                await ingest.RecordFailureAsync(db, received.ChannelId, received.ExternalId, "The accepted item cannot be read.", ct);
                continue;
            }
            items.Add(item);
        }
        if (items.Count == 0)
        {
            return;
        }
        // In the order the messages were written: a reply then finds the message it answers earlier in the batch.
        items = [.. items.OrderBy(i => i.CreatedAt ?? DateTime.MaxValue)];
        try
        {
            var results = await ingest.IngestBatchAsync(db, workspaceId, items, ahead: null, ct);
            db.ChangeTracker.Clear();
            await ingest.RecordProcessedAsync(db, items, results, ct);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException && items.Count > 1)
        {
            LogBatchRefused(logger, e);
            db.ChangeTracker.Clear();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            db.ChangeTracker.Clear();
            await ingest.RecordFailureAsync(db, items[0].ChannelId, IngestService.Clean(items[0].ExternalId), e.Message, ct);
            return;
        }
        foreach (var item in items)
        {
            try
            {
                var result = await ingest.ProcessAsync(db, workspaceId, item, ct);
                db.ChangeTracker.Clear();
                await ingest.RecordProcessedAsync(db, [item], [result], ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                db.ChangeTracker.Clear();
                await ingest.RecordFailureAsync(db, item.ChannelId, IngestService.Clean(item.ExternalId), e.Message, ct);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An ingest round failed; its items are claimed again after their lease.")]
    private static partial void LogRoundFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of accepted items was refused; they are processed one by one.")]
    private static partial void LogBatchRefused(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepted item {Id} could not be read.")]
    private static partial void LogItemFailed(ILogger logger, Guid id, Exception e);
}

/// <summary>
/// Tells the <see cref="IngestWorker"/> that items were accepted for it to process (an API client that asked for an
/// answer at once, <c>Prefer: respond-async</c>), so it runs a round now rather than at its next interval.
/// </summary>
public sealed class IngestSignal
{
    // One pending wake-up covers every item accepted since: later ones are dropped.
    private readonly System.Threading.Channels.Channel<bool> wakeUps = System.Threading.Channels.Channel.CreateBounded<bool>(
        new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    public void Notify() => wakeUps.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken ct) => await wakeUps.Reader.ReadAsync(ct);
}
