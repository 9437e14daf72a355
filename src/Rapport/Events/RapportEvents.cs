using System.Text.Json.Serialization;

namespace Rapport.Events;

/// <summary>
/// Something that happened in a workspace, announced by the one service that did it (docs/events.md). Events carry ids
/// and facts, never secrets: outgoing webhooks send them as they are.
/// </summary>
public abstract record RapportEvent(Guid WorkspaceId)
{
    /// <summary>One id per event: outgoing webhooks send it with every attempt and replay, so a receiver can drop copies.</summary>
    [JsonIgnore]
    public Guid EventId { get; init; } = Guid.CreateVersion7();

    /// <summary>The event's name on the wire (outgoing webhooks' event types), lower case with dots.</summary>
    [JsonIgnore]
    public string Type => EventTypes.NameOf(GetType());
}

/// <summary>An inbound item was stored as received, before any processing (docs/pipeline.md).</summary>
public sealed record MessageAccepted(Guid WorkspaceId, Guid ChannelId, string ExternalId, DateTime AcceptedAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "message.accepted";
}

/// <summary>A customer's message was processed: stored in its conversation, analysed, routed.</summary>
public sealed record MessageProcessed(Guid WorkspaceId, Guid MessageId, Guid ConversationId, Guid ChannelId, Guid ContactId, bool NewConversation,
    string? Intent, double Sentiment, DateTime ProcessedAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "message.processed";
}

/// <summary>A person changed a conversation (status, assignment, labels…) through the inbox, the conversation page or the API.</summary>
public sealed record ConversationUpdated(Guid WorkspaceId, Guid ConversationId, Guid? ActorUserId, DateTime UpdatedAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "conversation.updated";
}

/// <summary>A person resolved a conversation (and the rules that ran on their change left it resolved).</summary>
public sealed record ConversationResolved(Guid WorkspaceId, Guid ConversationId, Guid ChannelId, Guid? ActorUserId, DateTime ResolvedAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "conversation.resolved";
}

/// <summary>A reply reached the customer's network: published only when the outbox records it delivered, never when queued.</summary>
public sealed record ReplyDelivered(Guid WorkspaceId, Guid MessageId, Guid ConversationId, Guid ChannelId, string? ExternalId, DateTime DeliveredAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "reply.delivered";
}

/// <summary>A brand post was published on its network by the outbox.</summary>
public sealed record PostPublished(Guid WorkspaceId, Guid PostId, Guid ChannelId, string? ExternalId, DateTime PublishedAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "post.published";
}

/// <summary>A customer answered the satisfaction survey of a conversation.</summary>
public sealed record SurveyAnswered(Guid WorkspaceId, Guid ConversationId, int Csat, int Effort, bool Commented, DateTime AnsweredAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "survey.answered";
}

/// <summary>
/// Listening heard a spike (docs/listening.md, "Alerts"): once per episode, when it is first found. Kind is "Volume" or
/// "NegativeShare"; TopicId or Theme (with ScopeName) says what it is about; Observed and Expected are mentions (or negative shares)
/// over the episode so far; Link opens the mentions of the episode.
/// </summary>
public sealed record AlertRaised(Guid WorkspaceId, Guid AlertId, string Kind, Guid? TopicId, string? Theme, string ScopeName, DateTime StartedAt,
    double Observed, double Expected, IReadOnlyList<string> Terms, string Link, DateTime RaisedAt) : RapportEvent(WorkspaceId)
{
    public const string Name = "alert.raised";
}

/// <summary>The event types a workspace can subscribe an outgoing webhook to, in the order the settings page lists them.</summary>
public static class EventTypes
{
    public static readonly IReadOnlyList<string> All =
    [
        MessageAccepted.Name, MessageProcessed.Name, ConversationUpdated.Name, ConversationResolved.Name, ReplyDelivered.Name, PostPublished.Name,
        SurveyAnswered.Name, AlertRaised.Name,
    ];

    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(MessageAccepted)] = MessageAccepted.Name,
        [typeof(MessageProcessed)] = MessageProcessed.Name,
        [typeof(ConversationUpdated)] = ConversationUpdated.Name,
        [typeof(ConversationResolved)] = ConversationResolved.Name,
        [typeof(ReplyDelivered)] = ReplyDelivered.Name,
        [typeof(PostPublished)] = PostPublished.Name,
        [typeof(SurveyAnswered)] = SurveyAnswered.Name,
        [typeof(AlertRaised)] = AlertRaised.Name,
    };

    public static string NameOf(Type type) => Names[type];

    public static bool IsKnown(string? type) => type is not null && All.Contains(type, StringComparer.Ordinal);
}
