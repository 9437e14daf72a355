using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Conversions;

/// <summary>
/// A purchase the brand's shop reported through the signed conversion webhook (docs/conversions.md), attributed to the
/// last click on a matching tracked link within the workspace's window, and through it to a post, a reply, a campaign.
/// </summary>
public sealed class Conversion : IWorkspaceOwned
{
    public const int MaxOrderIdLength = 200;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    /// <summary>The shop's order id; unique per workspace, so the same order sent twice counts once.</summary>
    public required string OrderId { get; set; }
    public decimal Value { get; set; }
    /// <summary>ISO 4217, upper case.</summary>
    public required string Currency { get; set; }
    public DateTime OccurredAt { get; set; }
    public DateTime ReceivedAt { get; set; }
    /// <summary>What the shop sent to say where the buyer came from: a link code, or a UTM campaign.</summary>
    public string? LinkCode { get; set; }
    public string? UtmCampaign { get; set; }
    /// <summary>The click it is attributed to; null when no click on a matching link fell within the window.</summary>
    public Guid? ClickId { get; set; }
    public DateTime? ClickAt { get; set; }
    public Guid? LinkId { get; set; }
    public Guid? PostId { get; set; }
    public Guid? ReplyMessageId { get; set; }
    public string? Campaign { get; set; }
    public Guid? ChannelId { get; set; }
}

/// <summary>A workspace's conversion webhook: its signing secret (encrypted at rest) and its attribution window.</summary>
public sealed class ConversionSettings : IWorkspaceOwned
{
    public const int DefaultWindowDays = 7;
    public const int MaxWindowDays = 90;

    public Guid WorkspaceId { get; set; }
    public required string ProtectedSecret { get; set; }
    public int WindowDays { get; set; } = DefaultWindowDays;
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ConversionConfiguration : IEntityTypeConfiguration<Conversion>
{
    public void Configure(EntityTypeBuilder<Conversion> builder)
    {
        builder.ToTable("Conversions");
        builder.HasIndex(c => new { c.WorkspaceId, c.OrderId }).IsUnique();
        builder.HasIndex(c => new { c.WorkspaceId, c.OccurredAt });
        builder.Property(c => c.OrderId).HasMaxLength(Conversion.MaxOrderIdLength);
        builder.Property(c => c.Value).HasPrecision(18, 4);
        builder.Property(c => c.Currency).HasMaxLength(3);
        builder.Property(c => c.LinkCode).HasMaxLength(32);
        builder.Property(c => c.UtmCampaign).HasMaxLength(Links.TrackedLink.MaxTagLength);
        builder.Property(c => c.Campaign).HasMaxLength(Links.TrackedLink.MaxTagLength);
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ConversionSettingsConfiguration : IEntityTypeConfiguration<ConversionSettings>
{
    public void Configure(EntityTypeBuilder<ConversionSettings> builder)
    {
        builder.ToTable("ConversionSettings");
        builder.HasKey(s => s.WorkspaceId);
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
