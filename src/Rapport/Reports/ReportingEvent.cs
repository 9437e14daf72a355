using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
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
    /// <summary>The member who acted (answered, resolved), when one did.</summary>
    public Guid? ActorUserId { get; set; }
    /// <summary>The conversation's team when the event happened, for reports by team.</summary>
    public Guid? TeamId { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime EndedAt { get; set; }
    /// <summary>Seconds between start and end, when the event measures a wait.</summary>
    public double? DurationSeconds { get; set; }
    /// <summary>The same wait counted in the workspace's business hours only.</summary>
    public double? BusinessDurationSeconds { get; set; }
    public double? Value { get; set; }
}

internal sealed class ReportingEventConfiguration : IEntityTypeConfiguration<ReportingEvent>
{
    public void Configure(EntityTypeBuilder<ReportingEvent> builder)
    {
        // Care reports ask "was this conversation answered / resolved / recovered?" for each conversation of a period.
        // A conversation's events by name; the outcome report reads when and how it ended from the index alone.
        builder.HasIndex(e => new { e.ConversationId, e.Name, e.EndedAt, e.Value });
        // The outcome report counts NPS answers and recommendations when they were heard, per channel, from the index alone.
        builder.HasIndex(e => new { e.WorkspaceId, e.Name, e.EndedAt, e.ChannelId, e.Value });
    }
}
