using Rapport.Channels;
using Rapport.Conversations;
using Rapport.Resources;

namespace Rapport.Outbox;

/// <summary>
/// Delivers outbox items to one kind of channel. Registered as a keyed service under its <see cref="ChannelKind"/>;
/// a sender only translates and reports what the network answered, the outbox decides about retries.
/// </summary>
public interface IChannelSender
{
    Task<SendOutcome> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken);

    /// <summary>Publishes a new post of the brand (not a reply). Channels whose network takes no posts keep this answer.</summary>
    Task<SendOutcome> PublishAsync(PostDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return Task.FromResult(SendOutcome.Failed(StoredText.English("Stored.Delivery.CannotPublish", delivery.Channel.Kind)));
    }
}

/// <summary>One attempt at delivering an outbox item: the item, where it goes, and what it carries.</summary>
public sealed record OutboundDelivery(OutboxItem Item, Channel Channel, Message Message, Conversation Conversation, DateTime Now);

/// <summary>A new post of the brand as the outbox keeps it: no conversation yet, the network's answers start one.</summary>
public sealed record PostPayload(string Text, string AuthorName, string? Language)
{
    /// <summary>The post an outbox item carries.</summary>
    public static PostPayload Of(OutboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return System.Text.Json.JsonSerializer.Deserialize<PostPayload>(item.Payload, OutboxService.PayloadJson)
            ?? throw new InvalidOperationException("The outbox item has no post payload.");
    }
}

/// <summary>One attempt at publishing a post.</summary>
public sealed record PostDelivery(OutboxItem Item, Channel Channel, PostPayload Post, DateTime Now);

public enum SendResult
{
    Sent,
    /// <summary>Worth trying again later: network error, timeout, 408, 429, 5xx.</summary>
    Retry,
    /// <summary>Trying again will not help: the network refused the item or the channel is misconfigured.</summary>
    Failed,
}

/// <summary>What a sender observed. <see cref="RetryAfter"/> is the network's own wish (Retry-After), honoured over the backoff.</summary>
public sealed record SendOutcome(SendResult Result, string? Error = null, TimeSpan? RetryAfter = null, string? ExternalId = null)
{
    public static SendOutcome Sent(string? externalId = null) => new(SendResult.Sent, ExternalId: externalId);

    public static SendOutcome Retry(string error, TimeSpan? retryAfter = null) => new(SendResult.Retry, error, retryAfter);

    public static SendOutcome Failed(string error) => new(SendResult.Failed, error);
}

/// <summary>
/// Sends the outbox items that carry an event to an outgoing webhook (<see cref="OutboxItem.EventDeliveryId"/> set); it
/// records each attempt in the context it is given, which the outbox saves with the item's new state.
/// </summary>
public interface IEventDeliverySender
{
    Task<SendOutcome> SendAsync(Data.RapportDbContext db, OutboxItem item, DateTime now, CancellationToken cancellationToken);
}
