using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.Sla;

/// <summary>The three deadlines an SLA sets on a conversation.</summary>
public enum SlaTarget
{
    FirstResponse,
    NextResponse,
    Resolution,
}

/// <summary>
/// Response and resolution targets, in business minutes, for conversations of a priority and/or a channel.
/// The most specific policy wins: channel and priority, then priority, then channel, then the default (neither).
/// </summary>
public sealed class SlaPolicy : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>Null: any priority.</summary>
    public Priority? Priority { get; set; }
    /// <summary>Null: any channel.</summary>
    public Guid? ChannelId { get; set; }
    public int? FirstResponseMinutes { get; set; }
    public int? NextResponseMinutes { get; set; }
    public int? ResolutionMinutes { get; set; }
}

/// <summary>One opening span of a weekday in the workspace's time zone; several spans make a split day.</summary>
public sealed class BusinessHoursSpan : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public DayOfWeek Day { get; set; }
    public int OpensMinute { get; set; }
    public int ClosesMinute { get; set; }
}

/// <summary>A closed day: no business time counts on it.</summary>
public sealed class Holiday : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public DateOnly Date { get; set; }
    public required string Name { get; set; }
}

/// <summary>A workspace's SLA settings beyond its policies.</summary>
public sealed class SlaSettings : IWorkspaceOwned
{
    public const int DefaultWarningLeadMinutes = 30;

    public Guid WorkspaceId { get; set; }
    /// <summary>How long before a deadline the assignee (or team) is warned.</summary>
    public int WarningLeadMinutes { get; set; } = DefaultWarningLeadMinutes;
}

/// <summary>
/// The warning and breach sent for one deadline of one conversation. Unique on (conversation, target, due time), so a
/// deadline is warned about and breached once, whatever the number of workers; a new deadline gets a new row.
/// </summary>
public sealed class SlaAlert : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ConversationId { get; set; }
    public SlaTarget Target { get; set; }
    public DateTime DueAt { get; set; }
    public DateTime? WarnedAt { get; set; }
    public DateTime? BreachedAt { get; set; }
}

internal sealed class SlaConfiguration :
    IEntityTypeConfiguration<SlaPolicy>, IEntityTypeConfiguration<BusinessHoursSpan>, IEntityTypeConfiguration<Holiday>,
    IEntityTypeConfiguration<SlaSettings>, IEntityTypeConfiguration<SlaAlert>
{
    public void Configure(EntityTypeBuilder<SlaPolicy> builder)
    {
        builder.HasIndex(p => p.WorkspaceId);
        builder.Property(p => p.Name).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<BusinessHoursSpan> builder) => builder.HasIndex(s => s.WorkspaceId);

    public void Configure(EntityTypeBuilder<Holiday> builder)
    {
        builder.HasIndex(h => new { h.WorkspaceId, h.Date }).IsUnique();
        builder.Property(h => h.Name).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<SlaSettings> builder)
    {
        builder.HasKey(s => s.WorkspaceId);
        builder.HasOne<Workspaces.Workspace>().WithOne().HasForeignKey<SlaSettings>(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<SlaAlert> builder)
    {
        builder.HasIndex(a => new { a.ConversationId, a.Target, a.DueAt }).IsUnique();
        builder.HasOne<Conversation>().WithMany().HasForeignKey(a => a.ConversationId).OnDelete(DeleteBehavior.Cascade);
    }
}
