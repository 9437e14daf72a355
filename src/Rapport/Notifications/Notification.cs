using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Notifications;

/// <summary>Something a member should look at: a mention in a note, an assignment, an SLA about to breach, a rule's alert.</summary>
public sealed class Notification : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    /// <summary>The member notified.</summary>
    public Guid UserId { get; set; }
    /// <summary>A dotted name: "note.mention", "conversation.assigned", "sla.warning", "rule.notify".</summary>
    public required string Kind { get; set; }
    public Guid? ConversationId { get; set; }
    /// <summary>Plain text (never rendered as HTML): who did what.</summary>
    public required string Text { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ReadAt { get; set; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        builder.HasIndex(n => new { n.UserId, n.ReadAt, n.CreatedAt });
        builder.Property(n => n.Kind).HasMaxLength(64);
        builder.Property(n => n.Text).HasMaxLength(1000);
    }
}
