using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Performance;

/// <summary>Where a post's figures came from: read from the network by the job, or sent by a partner's signed webhook.</summary>
public enum MetricsSource
{
    Network,
    Webhook,
}

/// <summary>
/// The figures a network counted for one post at one moment. A figure the network does not give stays null (Mastodon
/// and Bluesky give no reach; partners give what their network gives): null is "not given", zero is "none".
/// Replies and a partner's comments are the same figure: what started a conversation under the post. Likes come last.
/// </summary>
public sealed record PostFigures(
    long? Shares = null, long? Replies = null, long? Quotes = null, long? Saves = null, long? Clicks = null,
    long? Impressions = null, long? Reach = null, long? ReachOrganic = null, long? ReachViral = null, long? ReachPaid = null,
    long? Likes = null);

/// <summary>The figure columns shared by a post's latest figures and its snapshots.</summary>
public abstract class PostFigureColumns
{
    public long? Shares { get; set; }
    public long? Replies { get; set; }
    public long? Quotes { get; set; }
    public long? Saves { get; set; }
    public long? Clicks { get; set; }
    public long? Impressions { get; set; }
    public long? Reach { get; set; }
    public long? ReachOrganic { get; set; }
    public long? ReachViral { get; set; }
    public long? ReachPaid { get; set; }
    /// <summary>Favourites, likes, reactions: shown, never leading.</summary>
    public long? Likes { get; set; }

    public PostFigures Figures
    {
        get => new(Shares, Replies, Quotes, Saves, Clicks, Impressions, Reach, ReachOrganic, ReachViral, ReachPaid, Likes);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            (Shares, Replies, Quotes, Saves, Clicks) = (value.Shares, value.Replies, value.Quotes, value.Saves, value.Clicks);
            (Impressions, Reach, ReachOrganic, ReachViral, ReachPaid, Likes) = (value.Impressions, value.Reach, value.ReachOrganic, value.ReachViral, value.ReachPaid, value.Likes);
        }
    }
}

/// <summary>
/// One published post whose figures Rapport follows (the post is an outbox item: <see cref="PostId"/> is its id): when
/// it was published, when its figures are read next, the latest figures and the latest error. Mastodon and Bluesky
/// posts are read for <see cref="PostMetricsFetcher.FollowFor"/> after publishing; a partner's post gets figures when
/// its webhook sends them.
/// </summary>
public sealed class PostPerformance : PostFigureColumns, IWorkspaceOwned
{
    public Guid PostId { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ChannelId { get; set; }
    /// <summary>The network's id of the post (a Mastodon status id, a Bluesky at:// URI, a partner's id).</summary>
    public required string ExternalId { get; set; }
    public DateTime PublishedAt { get; set; }
    /// <summary>When the job reads the figures next; null when it no longer does (after 7 days, deleted, a partner's post).</summary>
    public DateTime? NextFetchAt { get; set; }
    /// <summary>When the latest figures were measured; null before the first.</summary>
    public DateTime? MeasuredAt { get; set; }
    public MetricsSource? Source { get; set; }
    /// <summary>The network said the post is gone (deleted): its figures stay as last read, and it is no longer read.</summary>
    public bool Deleted { get; set; }
    public string? LastError { get; set; }
    public DateTime? LastErrorAt { get; set; }
}

/// <summary>The figures of one post at one moment, kept over time: the history beside the latest figures.</summary>
public sealed class PostMetricSnapshot : PostFigureColumns, IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid PostId { get; set; }
    public Guid ChannelId { get; set; }
    public DateTime At { get; set; }
    public MetricsSource Source { get; set; }
}

/// <summary>How many followers a publishing channel's account had on one day (UTC): one per channel and day, the latest kept.</summary>
public sealed class FollowerSnapshot : IWorkspaceOwned
{
    public Guid WorkspaceId { get; set; }
    public Guid ChannelId { get; set; }
    public DateOnly Day { get; set; }
    public long Followers { get; set; }
    public DateTime At { get; set; }
    public MetricsSource Source { get; set; }
}

internal sealed class PostPerformanceConfiguration : IEntityTypeConfiguration<PostPerformance>
{
    public void Configure(EntityTypeBuilder<PostPerformance> builder)
    {
        builder.ToTable("PostPerformances");
        builder.HasKey(p => p.PostId);
        builder.Ignore(p => p.Figures);
        builder.Property(p => p.ExternalId).HasMaxLength(500);
        builder.Property(p => p.LastError).HasMaxLength(2000);
        // The job's question: which posts are due.
        builder.HasIndex(p => p.NextFetchAt);
        builder.HasIndex(p => new { p.WorkspaceId, p.PublishedAt });
        builder.HasIndex(p => new { p.ChannelId, p.ExternalId });
    }
}

internal sealed class PostMetricSnapshotConfiguration : IEntityTypeConfiguration<PostMetricSnapshot>
{
    public void Configure(EntityTypeBuilder<PostMetricSnapshot> builder)
    {
        builder.ToTable("PostMetricSnapshots");
        builder.Ignore(s => s.Figures);
        builder.HasIndex(s => new { s.PostId, s.At });
    }
}

internal sealed class FollowerSnapshotConfiguration : IEntityTypeConfiguration<FollowerSnapshot>
{
    public void Configure(EntityTypeBuilder<FollowerSnapshot> builder)
    {
        builder.ToTable("FollowerSnapshots");
        builder.HasKey(f => new { f.ChannelId, f.Day });
        builder.HasIndex(f => new { f.WorkspaceId, f.Day });
    }
}
