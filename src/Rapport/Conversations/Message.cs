using Rapport.Data;

namespace Rapport.Conversations;

public enum MessageDirection
{
    Inbound,
    Outbound,
    /// <summary>A private note between agents, never sent.</summary>
    Note,
}

public enum DeliveryStatus
{
    /// <summary>Inbound messages and notes: nothing to deliver.</summary>
    None,
    Queued,
    Sent,
    Failed,
    /// <summary>A reply waiting for its send-at time; it counts as the brand's response only once it leaves.</summary>
    Scheduled,
    /// <summary>A scheduled reply the agent took back before it left: never sent, kept in the thread.</summary>
    Cancelled,
}

/// <summary>One message in a conversation: from the contact, from the brand, or a private note.</summary>
public sealed class Message : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ConversationId { get; set; }
    public Guid ChannelId { get; set; }
    public MessageDirection Direction { get; set; }
    /// <summary>The network's id for this message; unique per channel, which makes ingest idempotent.</summary>
    public string? ExternalId { get; set; }
    public Guid? AuthorUserId { get; set; }
    public Guid? AuthorContactId { get; set; }
    public string AuthorName { get; set; } = "";
    public string Text { get; set; } = "";
    /// <summary>The payload as the network sent it, kept so analysis and routing can be replayed.</summary>
    public string? RawPayload { get; set; }
    /// <summary>When the author wrote it, by the network's clock.</summary>
    public DateTime CreatedAt { get; set; }
    /// <summary>When Rapport received it.</summary>
    public DateTime ReceivedAt { get; set; }
    public string? InReplyToExternalId { get; set; }
    public DeliveryStatus DeliveryStatus { get; set; }
    public string? DeliveryError { get; set; }
    public MessageAnalysis? Analysis { get; set; }
    public List<Attachments.MessageAttachment> Attachments { get; set; } = [];
}
