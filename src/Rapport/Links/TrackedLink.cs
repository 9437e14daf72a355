using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Links;

/// <summary>
/// A short link <c>/l/{code}</c> that sends a reader to one of the brand's pages with UTM parameters, and counts who
/// clicked (docs/links.md). It may stand for a post, a reply, a campaign and a channel, which the reports group by.
/// </summary>
public sealed class TrackedLink : IWorkspaceOwned
{
    public const int MaxUrlLength = 2000;
    public const int MaxTagLength = 200;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    /// <summary>Random, unguessable, unique across the instance: the redirect knows no workspace.</summary>
    public required string Code { get; set; }
    /// <summary>The brand's page, http or https, as typed (without the UTM parameters, added on each redirect).</summary>
    public required string TargetUrl { get; set; }
    public string? UtmSource { get; set; }
    public string? UtmMedium { get; set; }
    public string? UtmCampaign { get; set; }
    public string? UtmContent { get; set; }
    /// <summary>The post (an outbox item with no message) the link was made for.</summary>
    public Guid? PostId { get; set; }
    /// <summary>The brand's reply (a message of a conversation) the link was made for.</summary>
    public Guid? ReplyMessageId { get; set; }
    /// <summary>The campaign the reports group by; the UTM campaign when none is given.</summary>
    public string? Campaign { get; set; }
    public Guid? ChannelId { get; set; }
    public DateTime CreatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }
    /// <summary>Requests from link-preview robots and crawlers: redirected, not counted as clicks.</summary>
    public long BotRequests { get; set; }
    /// <summary>Clicks by the same visitor on the same link within the repeat window: counted once.</summary>
    public long RepeatedClicks { get; set; }
}

/// <summary>
/// One counted click. No IP address is kept: <see cref="Visitor"/> is a hash of the address and browser with a salt
/// that changes every day and is never stored, so it tells repeated clicks apart on one day and nothing else.
/// </summary>
public sealed class LinkClick : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid LinkId { get; set; }
    public DateTime At { get; set; }
    public required string Visitor { get; set; }
}

internal sealed class TrackedLinkConfiguration : IEntityTypeConfiguration<TrackedLink>
{
    public void Configure(EntityTypeBuilder<TrackedLink> builder)
    {
        builder.ToTable("TrackedLinks");
        builder.HasIndex(l => l.Code).IsUnique();
        builder.HasIndex(l => new { l.WorkspaceId, l.CreatedAt });
        builder.HasIndex(l => new { l.WorkspaceId, l.UtmCampaign });
        builder.Property(l => l.Code).HasMaxLength(32);
        builder.Property(l => l.TargetUrl).HasMaxLength(TrackedLink.MaxUrlLength);
        builder.Property(l => l.UtmSource).HasMaxLength(TrackedLink.MaxTagLength);
        builder.Property(l => l.UtmMedium).HasMaxLength(TrackedLink.MaxTagLength);
        builder.Property(l => l.UtmCampaign).HasMaxLength(TrackedLink.MaxTagLength);
        builder.Property(l => l.UtmContent).HasMaxLength(TrackedLink.MaxTagLength);
        builder.Property(l => l.Campaign).HasMaxLength(TrackedLink.MaxTagLength);
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(l => l.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LinkClickConfiguration : IEntityTypeConfiguration<LinkClick>
{
    public void Configure(EntityTypeBuilder<LinkClick> builder)
    {
        builder.ToTable("LinkClicks");
        builder.HasIndex(c => new { c.LinkId, c.At });
        builder.HasIndex(c => new { c.WorkspaceId, c.At });
        builder.Property(c => c.Visitor).HasMaxLength(32);
        builder.HasOne<TrackedLink>().WithMany().HasForeignKey(c => c.LinkId).OnDelete(DeleteBehavior.Cascade);
    }
}
