using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Rapport.Conversations.Inbox;

/// <summary>The inbox's indexes: each view reads its first page as a range of one of them, already in order.</summary>
public sealed class InboxConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Property(c => c.Intent).HasMaxLength(32);
        // "All", "needs an answer" and the noise view.
        builder.HasIndex(c => new { c.WorkspaceId, c.IsNoise, c.InboxRank, c.InboxDueAt, c.Id })
            .IsDescending(false, false, true, false, false)
            .HasDatabaseName("IX_Conversations_Inbox");
        // "Mine" and "unassigned" (AssigneeId is null).
        builder.HasIndex(c => new { c.WorkspaceId, c.AssigneeId, c.IsNoise, c.InboxRank, c.InboxDueAt, c.Id })
            .IsDescending(false, false, false, true, false, false)
            .HasDatabaseName("IX_Conversations_Inbox_Assignee");
        // "My teams".
        builder.HasIndex(c => new { c.WorkspaceId, c.TeamId, c.IsNoise, c.InboxRank, c.InboxDueAt, c.Id })
            .IsDescending(false, false, false, true, false, false)
            .HasDatabaseName("IX_Conversations_Inbox_Team");
    }
}
