using Rapport.Data;

namespace Rapport.Reports;

/// <summary>
/// One fact for reports, appended and never changed: "conversation.created", "message.received",
/// "first_response", "reply", "resolved", "reopened", "survey.answered"… Reports read only these.
/// </summary>
public sealed class ReportingEvent : IWorkspaceOwned
{
    public long Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public Guid? ConversationId { get; set; }
    public Guid? ChannelId { get; set; }
    public Guid? ActorUserId { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime EndedAt { get; set; }
    /// <summary>Seconds between start and end, when the event measures a wait.</summary>
    public double? DurationSeconds { get; set; }
    /// <summary>The same wait counted in the workspace's business hours only.</summary>
    public double? BusinessDurationSeconds { get; set; }
    public double? Value { get; set; }
}
