namespace Rapport.Channels.Webhook;

/// <summary>
/// What a partner or the brand's own integration POSTs to <c>/api/v1/hooks/{channelId}</c>: a batch of messages, the
/// figures of the brand's posts on that network and its follower count (any of the three), with a delivery id (refused
/// if seen before) and the time it was sent (refused if more than 5 minutes off).
/// </summary>
public sealed record WebhookDelivery(string? Id, long? Timestamp, IReadOnlyList<WebhookMessage>? Messages,
    IReadOnlyList<Performance.WebhookPostMetrics>? PostMetrics = null, long? Followers = null);

/// <summary>One message of a delivery, as the network knows it. Only externalId, authorHandle and text are required.</summary>
public sealed record WebhookMessage(
    string? ExternalId, string? AuthorHandle, string? AuthorName, string? Text, DateTime? CreatedAt,
    string? InReplyToExternalId, string? ThreadId, string? Subject, bool? IsPublic);

/// <summary>The answer to an accepted delivery: what became of each message (created, or already known).</summary>
public sealed record WebhookAccepted(string DeliveryId, IReadOnlyList<WebhookMessageResult> Messages, int PostMetrics = 0, long? Followers = null);

public sealed record WebhookMessageResult(string ExternalId, Guid MessageId, Guid ConversationId, bool Created);
