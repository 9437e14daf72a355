using System.Text.Json;
using Rapport.Data;
using Rapport.Events;
using Rapport.Outbox;

namespace Rapport.Webhooks;

/// <summary>The JSON body an outgoing webhook posts: the event's id, type and time, its workspace, and its facts.</summary>
public sealed record WebhookEventBody(Guid Id, string Type, DateTime OccurredAt, Guid WorkspaceId, JsonElement Data);

/// <summary>
/// Queues an event for every subscription of its workspace that wants its type, in the outbox, inside the save that
/// records what happened: the delivery exists if and only if the change does, and leaves through the outbox's retries.
/// </summary>
public sealed class WebhookEventHandler<TEvent>(WebhookSubscriptionCache subscriptions, OutboxSignal outbox, TimeProvider clock) : IEventHandler<TEvent>
    where TEvent : RapportEvent
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task HandleAsync(TEvent e, RapportDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(db);
        var subscribers = await subscriptions.SubscribersAsync(db, e.WorkspaceId, e.Type, ct);
        if (subscribers.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var body = JsonSerializer.Serialize(new WebhookEventBody(e.EventId, e.Type, now, e.WorkspaceId, JsonSerializer.SerializeToElement(e, Json)), Json);
        foreach (var subscriptionId in subscribers)
        {
            var delivery = new EventDelivery
            {
                WorkspaceId = e.WorkspaceId,
                SubscriptionId = subscriptionId,
                EventId = e.EventId,
                EventType = e.Type,
                Payload = body,
                CreatedAt = now,
            };
            db.Add(delivery);
            db.OutboxItems.Add(NewOutboxItem(delivery, now, "webhook-" + delivery.Id.ToString("N")));
        }
        // The outbox would find them at its next poll; woken once they are committed, they leave at once.
        AfterCommit.Add(db, outbox.Notify);
    }

    internal static OutboxItem NewOutboxItem(EventDelivery delivery, DateTime now, string idempotencyKey) => new()
    {
        WorkspaceId = delivery.WorkspaceId,
        ChannelId = delivery.SubscriptionId,
        EventDeliveryId = delivery.Id,
        IdempotencyKey = idempotencyKey,
        Status = OutboxStatus.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
    };
}
