using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Reports;

/// <summary>
/// One day's count (a UTC day) of one outcome figure in a workspace, per channel or per tracked link: the daily roll-up
/// the outcome report reads for the whole days of a period (decision 0077). Kept by database triggers on the raw
/// tables, in the same transaction as every write (EF, bulk, raw SQL alike), so it is never behind; a figure with no
/// channel or no link holds <see cref="Guid.Empty"/> there.
/// </summary>
public sealed class OutcomeDay : IWorkspaceOwned
{
    /// <summary>Delivered replies (outbound messages with delivery status Sent), by the day they were written, per channel.</summary>
    public const string Reply = "reply";

    /// <summary>Clicks on a tracked link (<see cref="LinkId"/>), by the day they happened.</summary>
    public const string Click = "click";

    /// <summary>Analysed inbound messages by sentiment label ("inbound:Positive"), by the day they were written, per channel.</summary>
    public const string InboundPrefix = "inbound:";

    /// <summary>Analysed inbound messages by recommendation stance ("stance:Recommends"), by the day they were written, per channel.</summary>
    public const string StancePrefix = "stance:";

    public Guid WorkspaceId { get; set; }
    public required string Figure { get; set; }
    public DateOnly Day { get; set; }
    public Guid ChannelId { get; set; }
    public Guid LinkId { get; set; }
    public long Count { get; set; }
}

internal sealed class OutcomeDayConfiguration : IEntityTypeConfiguration<OutcomeDay>
{
    public void Configure(EntityTypeBuilder<OutcomeDay> builder)
    {
        builder.ToTable("OutcomeDays");
        // The report reads a figure's days in a period: the key is its index, and the triggers' upserts find their row by it.
        builder.HasKey(d => new { d.WorkspaceId, d.Figure, d.Day, d.ChannelId, d.LinkId });
        builder.Property(d => d.Figure).HasMaxLength(64);
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(d => d.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
