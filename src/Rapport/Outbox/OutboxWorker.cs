using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Resources;

namespace Rapport.Outbox;

/// <summary>
/// Delivers due outbox items through the sender of their channel's kind. An item is claimed with one conditional
/// update (Pending → Sending), so two workers or two nodes never send the same item; it is then recorded Sent,
/// scheduled again with exponential backoff and jitter, or Failed with the reason shown to the agent.
/// Items left in Sending by a crash go back to Pending after <see cref="OutboxOptions.Lease"/>.
/// </summary>
public sealed partial class OutboxWorker(
    RapportDbContextFactory databases, IServiceProvider services, OutboxSignal signal, IOptions<OutboxOptions> options, TimeProvider clock, ILogger<OutboxWorker> logger)
    : BackgroundService
{
    /// <summary>How many times recording a delivery is tried when colleagues keep changing its conversation meanwhile.</summary>
    private const int MaxRecordAttempts = 5;

    private readonly OutboxOptions settings = options.Value;

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
                // A full batch means more may be due: go on at once.
                while (await RunOnceAsync(stoppingToken) >= settings.BatchSize)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may be briefly unreachable: nothing is lost, the next round picks the items up.
                LogRoundFailed(logger, e);
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(Task.Delay(settings.PollInterval, clock, wait.Token), signal.WaitAsync(wait.Token));
            await wait.CancelAsync();
        }
    }

    /// <summary>One round: releases expired leases, then claims and delivers the items due now. Returns how many it attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<Guid> due;
        await using (var db = databases.CreateDbContext())
        {
            // A worker that died mid-send left these in Sending: they go out again, with the same idempotency key.
            var released = await db.OutboxItems
                .Where(o => o.Status == OutboxStatus.Sending && o.NextAttemptAt <= now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.Status, OutboxStatus.Pending)
                    .SetProperty(o => o.LastError, "Interrupted while sending; sent again with the same idempotency key."), ct);
            if (released > 0)
            {
                LogLeaseExpired(logger, released);
            }
            // Items of paused channels wait until the channel is resumed.
            due = await db.OutboxItems
                .Where(o => o.Status == OutboxStatus.Pending && o.NextAttemptAt <= now
                    && (o.EventDeliveryId != null || db.Channels.Any(c => c.Id == o.ChannelId && !c.Paused)))
                .OrderBy(o => o.NextAttemptAt)
                .Select(o => o.Id)
                .Take(settings.BatchSize)
                .ToListAsync(ct);
        }
        var attempted = 0;
        foreach (var id in due)
        {
            try
            {
                if (await TryDeliverAsync(id, now, ct))
                {
                    attempted++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Recording failed: the item stays in Sending and goes out again after its lease; the others go on.
                LogItemFailed(logger, id, e);
            }
        }
        return attempted;
    }

    private async Task<bool> TryDeliverAsync(Guid itemId, DateTime now, CancellationToken ct)
    {
        await using var db = databases.CreateDbContext();
        var leaseUntil = now + settings.Lease;
        var claimed = await db.OutboxItems
            .Where(o => o.Id == itemId && o.Status == OutboxStatus.Pending && o.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Status, OutboxStatus.Sending)
                .SetProperty(o => o.NextAttemptAt, leaseUntil)
                .SetProperty(o => o.Attempts, o => o.Attempts + 1), ct);
        if (claimed == 0)
        {
            return false; // Another worker took it.
        }

        if (await db.OutboxItems.Where(o => o.Id == itemId).Select(o => o.EventDeliveryId).FirstAsync(ct) is not null)
        {
            return await DeliverEventAsync(db, itemId, now, ct);
        }
        await using var scope = services.CreateAsyncScope();
        var events = scope.ServiceProvider.GetRequiredService<Events.EventPublisher>();
        var (item, channel, message, conversation) = await LoadAsync(db, itemId, ct);
        // A sandbox (demo) channel of any kind delivers through the sandbox, never through its network's sender.
        var sender = channel is null ? null
            : channel.Sandbox ? services.GetRequiredService<SandboxSender>()
            : services.GetKeyedService<IChannelSender>(channel.Kind);

        SendOutcome outcome;
        if (channel is null || (item.MessageId is not null && (message is null || conversation is null)))
        {
            outcome = SendOutcome.Failed(StoredText.English("Stored.Delivery.Gone"));
        }
        else if (sender is null)
        {
            outcome = SendOutcome.Failed(message is null
                ? StoredText.English("Stored.Delivery.CannotPublish", channel.Kind)
                : StoredText.English("Stored.Delivery.CannotReply", channel.Kind));
        }
        else
        {
            try
            {
                outcome = message is null
                    ? await sender.PublishAsync(new PostDelivery(item, channel, PostPayload.Of(item), now), ct)
                    : await sender.SendAsync(new OutboundDelivery(item, channel, message, conversation!, now), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A sender's bug or an unexpected network condition: treated as transient, bounded by MaxAttempts.
                outcome = SendOutcome.Retry(e.Message);
            }
        }
        // A stop or a crash before this point leaves the item in Sending: it is sent again after the lease.
        ct.ThrowIfCancellationRequested();
        if (outcome.ExternalId is { } externalId && channel is not null
            && await db.Messages.AnyAsync(m => m.ChannelId == channel.Id && m.ExternalId == externalId, ct))
        {
            // The network's id must stay unique on the channel; a receiver repeating one is not worth a failed delivery.
            outcome = outcome with { ExternalId = null };
        }
        // The delivered status and the response it makes are saved together: a reply counts once, when it is delivered,
        // or not at all. A colleague saving the conversation at that moment only makes us read it again and record on top.
        for (var attempt = 1; ; attempt++)
        {
            var countsAsResponse = message is not null && conversation is not null && outcome.Result == SendResult.Sent
                && message.Direction == MessageDirection.Outbound
                && (message.DeliveryStatus == DeliveryStatus.Scheduled || ReplyPayload.Of(item).CountsAsResponse);
            Record(item, message, outcome, now);
            if (channel is not null && outcome.Result != SendResult.Sent)
            {
                channel.LastError = outcome.Error;
                channel.LastErrorAt = now;
            }
            if (countsAsResponse)
            {
                await ConversationActions.CountDeliveredAsync(db, conversation!, message!, now, ct);
            }
            if (outcome.Result == SendResult.Sent && channel is not null)
            {
                // Announced only now that the network has it, in the save that records it delivered.
                if (message is not null && message.Direction == MessageDirection.Outbound)
                {
                    await events.PublishAsync(db, new Events.ReplyDelivered(item.WorkspaceId, message.Id, message.ConversationId, channel.Id, message.ExternalId, now), ct);
                }
                else if (item.MessageId is null)
                {
                    await events.PublishAsync(db, new Events.PostPublished(item.WorkspaceId, item.Id, channel.Id, item.ExternalId, now), ct);
                }
            }
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxRecordAttempts)
            {
                db.ChangeTracker.Clear();
                (item, channel, message, conversation) = await LoadAsync(db, itemId, ct);
            }
        }
    }

    /// <summary>
    /// An event for an outgoing webhook: its sender posts it and logs the attempt, and the item is recorded like any other
    /// (sent, retried with the same backoff, or failed). Nothing is published about it, so a webhook never feeds itself.
    /// </summary>
    private async Task<bool> DeliverEventAsync(RapportDbContext db, Guid itemId, DateTime now, CancellationToken ct)
    {
        var item = await db.OutboxItems.FirstAsync(o => o.Id == itemId, ct);
        SendOutcome outcome;
        if (services.GetService<IEventDeliverySender>() is not { } sender)
        {
            outcome = SendOutcome.Failed(StoredText.English("Stored.Delivery.Gone"));
        }
        else
        {
            try
            {
                outcome = await sender.SendAsync(db, item, now, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                outcome = SendOutcome.Retry(e.Message);
            }
        }
        ct.ThrowIfCancellationRequested();
        Record(item, null, outcome, now);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>A claimed item with what its delivery touches: its channel, and for a reply its message and conversation.</summary>
    private static async Task<(OutboxItem Item, Channels.Channel? Channel, Message? Message, Conversation? Conversation)> LoadAsync(RapportDbContext db, Guid itemId,
        CancellationToken ct)
    {
        var item = await db.OutboxItems.FirstAsync(o => o.Id == itemId, ct);
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == item.ChannelId, ct);
        var message = item.MessageId is { } messageId ? await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId, ct) : null;
        var conversation = message is null ? null : await db.Conversations.FirstOrDefaultAsync(c => c.Id == message.ConversationId, ct);
        return (item, channel, message, conversation);
    }

    private void Record(OutboxItem item, Message? message, SendOutcome outcome, DateTime now)
    {
        switch (outcome.Result)
        {
            case SendResult.Sent:
                item.Status = OutboxStatus.Sent;
                item.SentAt = now;
                item.LastError = null;
                if (message is not null)
                {
                    message.DeliveryStatus = DeliveryStatus.Sent;
                    message.DeliveryError = null;
                    message.ExternalId ??= outcome.ExternalId;
                }
                else
                {
                    item.ExternalId = outcome.ExternalId;
                }
                LogSent(logger, item.Id, item.Attempts);
                return;
            case SendResult.Retry when item.Attempts < settings.MaxAttempts:
                var delay = NextDelay(item.Attempts, outcome.RetryAfter);
                item.Status = OutboxStatus.Pending;
                item.NextAttemptAt = now + delay;
                item.LastError = outcome.Error;
                if (message is not null)
                {
                    // Still queued; the agent can see why it has not left yet.
                    message.DeliveryError = StoredText.English("Stored.Delivery.Retrying", item.Attempts, outcome.Error ?? "");
                }
                LogRetry(logger, item.Id, item.Attempts, delay, outcome.Error);
                return;
            default:
                var reason = outcome.Result == SendResult.Retry
                    ? StoredText.English("Stored.Delivery.GaveUp", item.Attempts, outcome.Error ?? "")
                    : outcome.Error ?? StoredText.English("Stored.Delivery.Refused");
                item.Status = OutboxStatus.Failed;
                item.LastError = reason;
                if (message is not null)
                {
                    message.DeliveryStatus = DeliveryStatus.Failed;
                    message.DeliveryError = reason;
                }
                LogFailed(logger, item.Id, item.Attempts, reason);
                return;
        }
    }

    /// <summary>
    /// Exponential backoff with "equal jitter" (half fixed, half random) so retries of many items spread out;
    /// the network's Retry-After wins when it asks for longer.
    /// </summary>
    internal TimeSpan NextDelay(int attempts, TimeSpan? retryAfter)
    {
        var exponential = settings.BaseDelay * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = exponential < settings.MaxDelay ? exponential : settings.MaxDelay;
#pragma warning disable CA5394 // Jitter only spreads retries out; it needs no cryptographic randomness.
        var jittered = capped / 2 + capped / 2 * Random.Shared.NextDouble();
#pragma warning restore CA5394
        if (retryAfter is { } wanted && wanted > jittered)
        {
            return wanted < settings.MaxDelay ? wanted : settings.MaxDelay;
        }
        return jittered;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An outbox round failed; the items stay queued.")]
    private static partial void LogRoundFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox item {Item} could not be delivered or recorded; it is retried after its lease.")]
    private static partial void LogItemFailed(ILogger logger, Guid item, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} outbox items were left in Sending past their lease and are queued again.")]
    private static partial void LogLeaseExpired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox item {Item} sent after {Attempts} attempts.")]
    private static partial void LogSent(ILogger logger, Guid item, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox item {Item} attempt {Attempts} failed, retrying in {Delay}: {Error}")]
    private static partial void LogRetry(ILogger logger, Guid item, int attempts, TimeSpan delay, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox item {Item} failed after {Attempts} attempts: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid item, int attempts, string reason);
}
