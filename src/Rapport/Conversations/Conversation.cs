using Rapport.Data;

namespace Rapport.Conversations;

public enum ConversationStatus
{
    Open,
    Pending,
    Snoozed,
    Resolved,
}

public enum Priority
{
    Low,
    Normal,
    High,
    Urgent,
}

/// <summary>An exchange with one contact on one channel: what the inbox lists and agents answer.</summary>
public sealed class Conversation : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ChannelId { get; set; }
    public Guid ContactId { get; set; }
    public Contacts.Contact? Contact { get; set; }
    public string? Subject { get; set; }
    public ConversationStatus Status { get; set; } = ConversationStatus.Open;
    /// <summary>A workspace's own status, shown instead of <see cref="Status"/> when set.</summary>
    public Guid? CustomStatusId { get; set; }
    public Priority Priority { get; set; } = Priority.Normal;
    public Guid? AssigneeId { get; set; }
    public Guid? TeamId { get; set; }
    /// <summary>True for a public thread (mentions, comments), false for private messages.</summary>
    public bool IsPublic { get; set; }
    /// <summary>The public thread this private follow-up continues, or the reverse.</summary>
    public Guid? LinkedConversationId { get; set; }
    /// <summary>The network's id for the thread (e-mail root Message-ID, status id), when it has one.</summary>
    public string? ExternalThreadId { get; set; }
    /// <summary>Set aside as noise (spam, bait replies): hidden from the main views, never deleted.</summary>
    public bool IsNoise { get; set; }
    public string? Language { get; set; }
    /// <summary>The highest needs-an-answer probability of the unanswered inbound messages: the inbox's ordering key.</summary>
    public double NeedsAnswer { get; set; }
    public double? Sentiment { get; set; }
    /// <summary>How many urgency signals (outage, legal threat, long wait…) the unanswered inbound messages carry, at most.</summary>
    public int Urgency { get; set; }
    /// <summary>The intent of the latest inbound message, as the understanding engine named it ("Complaint").</summary>
    public string? Intent { get; set; }
    /// <summary>
    /// What must be answered first, as a small number kept up to date on every save (<see cref="Inbox.InboxRank"/>):
    /// the inbox reads its default order straight from an index instead of scoring every row per query.
    /// </summary>
    public int InboxRank { get; set; }
    /// <summary>When an answer is due: the SLA's due time, else a day after the customer's waiting message. Orders conversations of one rank.</summary>
    public DateTime InboxDueAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime LastMessageAt { get; set; }
    public DateTime? LastInboundAt { get; set; }
    public DateTime? FirstResponseAt { get; set; }
    /// <summary>When the brand last answered; a customer message after it is waiting for a response.</summary>
    public DateTime? LastResponseAt { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public DateTime? SnoozedUntil { get; set; }
    public DateTime? FirstResponseDueAt { get; set; }
    public DateTime? NextResponseDueAt { get; set; }
    public DateTime? ResolutionDueAt { get; set; }
    /// <summary>When this conversation was merged into another one of the same contact: the one that now holds its messages.</summary>
    public Guid? MergedIntoId { get; set; }
    public List<ConversationLabel> Labels { get; set; } = [];
    /// <summary>Optimistic concurrency: two agents acting at once never silently overwrite each other.</summary>
    public int Version { get; set; }
}

public sealed class ConversationLabel
{
    public Guid ConversationId { get; set; }
    public Guid LabelId { get; set; }
}
