using Rapport.Data;

namespace Rapport.Outbox;

public enum OutboxStatus
{
    Pending,
    Sending,
    Sent,
    Failed,
    /// <summary>Taken back by an agent before it was sent (a scheduled reply).</summary>
    Cancelled,
}

/// <summary>A reply or post waiting to be delivered: retried with backoff, never sent twice.</summary>
public sealed class OutboxItem : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    /// <summary>The channel it goes out on; for an outgoing webhook's event (<see cref="EventDeliveryId"/> set), the subscription.</summary>
    public Guid ChannelId { get; set; }
    /// <summary>The reply this item delivers; null for a post, which has no conversation of its own.</summary>
    public Guid? MessageId { get; set; }
    /// <summary>Unique: the same reply queued twice is one item; sent to networks that accept one.</summary>
    public required string IdempotencyKey { get; set; }
    public string Payload { get; set; } = "{}";
    public OutboxStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
    /// <summary>The network's id for a sent post (a sent reply keeps it on its message).</summary>
    public string? ExternalId { get; set; }
    /// <summary>Set for an event going to an outgoing webhook: the delivery it sends (docs/webhooks-outgoing.md).</summary>
    public Guid? EventDeliveryId { get; set; }
}
