using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Outbox;

namespace Rapport.Performance;

/// <summary>
/// One post's figures as a partner's webhook sends them (docs/channels.md, "Post metrics"): the post by Rapport's id
/// (<c>postId</c>) or the network's (<c>externalId</c>), when they were measured, and the figures the network gives.
/// <c>comments</c> are replies.
/// </summary>
public sealed record WebhookPostMetrics(
    string? PostId, string? ExternalId, DateTime? At,
    long? Impressions, long? Reach, long? ReachOrganic, long? ReachViral, long? ReachPaid,
    long? Clicks, long? Shares, long? Saves, long? Comments, long? Likes);

/// <summary>
/// The one door through which post figures and follower counts are written, whoever brings them (the job that reads the
/// networks, a partner's webhook): it keeps a snapshot of each reading and the latest figures on the post.
/// </summary>
public static class PostMetricsService
{
    /// <summary>More than any network counts for one post or account: a figure above it is a mistake, refused.</summary>
    public const long MaxFigure = 100_000_000_000;

    /// <summary>
    /// The post's row, made when Rapport first follows it; null when the outbox item is not a published post. Network
    /// posts (Mastodon, Bluesky) are read from now on; others wait for their webhook.
    /// </summary>
    public static async Task<PostPerformance?> FollowAsync(RapportDbContext db, OutboxItem item, ChannelKind kind, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(item);
        if (item.MessageId is not null || item.EventDeliveryId is not null || item.Status != OutboxStatus.Sent || item.ExternalId is null)
        {
            return null;
        }
        var known = await db.Set<PostPerformance>().IgnoreQueryFilters().FirstOrDefaultAsync(p => p.PostId == item.Id, ct);
        if (known is not null)
        {
            return known;
        }
        var post = NewPerformance(item, kind, now);
        db.Set<PostPerformance>().Add(post);
        return post;
    }

    /// <summary>A published post's row, not yet added: network posts (Mastodon, Bluesky) are read from now on; others wait for their webhook.</summary>
    public static PostPerformance NewPerformance(OutboxItem item, ChannelKind kind, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(item);
        var published = item.SentAt ?? now;
        return new PostPerformance
        {
            PostId = item.Id,
            WorkspaceId = item.WorkspaceId,
            ChannelId = item.ChannelId,
            // The callers keep to published posts, which have the network's id.
            ExternalId = item.ExternalId ?? "",
            PublishedAt = published,
            NextFetchAt = PostMetricsFetcher.Reads(kind) && now < published + PostMetricsFetcher.FollowFor ? now : null,
        };
    }

    /// <summary>Keeps a reading: a snapshot always (as read), and the post's latest figures unless a later reading is already there.</summary>
    public static void Record(RapportDbContext db, PostPerformance post, PostFigures figures, DateTime at, MetricsSource source)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(post);
        ArgumentNullException.ThrowIfNull(figures);
        db.Set<PostMetricSnapshot>().Add(new PostMetricSnapshot
        {
            WorkspaceId = post.WorkspaceId,
            PostId = post.PostId,
            ChannelId = post.ChannelId,
            At = at,
            Source = source,
            Figures = figures,
        });
        if (post.MeasuredAt is null || at >= post.MeasuredAt)
        {
            // A figure this reading leaves out keeps its last value: a partner may send reach in one delivery and
            // likes in another, and neither erases the other.
            var last = post.Figures;
            post.Figures = new PostFigures(
                figures.Shares ?? last.Shares, figures.Replies ?? last.Replies, figures.Quotes ?? last.Quotes, figures.Saves ?? last.Saves,
                figures.Clicks ?? last.Clicks, figures.Impressions ?? last.Impressions, figures.Reach ?? last.Reach,
                figures.ReachOrganic ?? last.ReachOrganic, figures.ReachViral ?? last.ReachViral, figures.ReachPaid ?? last.ReachPaid,
                figures.Likes ?? last.Likes);
            post.MeasuredAt = at;
            post.Source = source;
        }
    }

    /// <summary>The channel's follower count for the day of <paramref name="at"/> (UTC); a later count the same day replaces it.</summary>
    public static async Task RecordFollowersAsync(RapportDbContext db, Guid workspaceId, Guid channelId, long followers, DateTime at, MetricsSource source, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var day = DateOnly.FromDateTime(at);
        var snapshot = await db.Set<FollowerSnapshot>().IgnoreQueryFilters().FirstOrDefaultAsync(f => f.ChannelId == channelId && f.Day == day, ct);
        if (snapshot is null)
        {
            db.Set<FollowerSnapshot>().Add(new FollowerSnapshot { WorkspaceId = workspaceId, ChannelId = channelId, Day = day, Followers = followers, At = at, Source = source });
        }
        else if (at >= snapshot.At)
        {
            (snapshot.Followers, snapshot.At, snapshot.Source) = (followers, at, source);
        }
    }

    /// <summary>Null when a webhook's post figures are sound, else the field and why, in words the partner can act on.</summary>
    public static (string Field, string Message)? Check(WebhookPostMetrics? m, DateTime now, TimeSpan tolerance)
    {
        if (m is null)
        {
            return ("", "A post's metrics are a JSON object.");
        }
        if (m.PostId is null && m.ExternalId is null)
        {
            return ("externalId", "Say which post: postId (Rapport's id of the post) or externalId (the network's id).");
        }
        if (m.PostId is not null && !Guid.TryParse(m.PostId, out _))
        {
            return ("postId", "postId is Rapport's id of the post, a UUID.");
        }
        if (m.ExternalId is { Length: 0 or > 500 })
        {
            return ("externalId", "externalId has 1 to 500 characters.");
        }
        if (m.At is { } at && Ingest.IngestService.AsUtc(at) > now + tolerance)
        {
            return ("at", "The metrics cannot be measured in the future: at is a time already past (ISO 8601, UTC).");
        }
        var figures = new (string Name, long? Value)[]
        {
            ("impressions", m.Impressions), ("reach", m.Reach), ("reachOrganic", m.ReachOrganic), ("reachViral", m.ReachViral),
            ("reachPaid", m.ReachPaid), ("clicks", m.Clicks), ("shares", m.Shares), ("saves", m.Saves), ("comments", m.Comments), ("likes", m.Likes),
        };
        foreach (var (name, value) in figures)
        {
            if (value is < 0)
            {
                return (name, $"{name} cannot be negative.");
            }
            if (value > MaxFigure)
            {
                return (name, $"{name} is more than {MaxFigure:N0}: no post is seen that much; check the figure.");
            }
        }
        if (figures.All(f => f.Value is null))
        {
            return ("", "A post's metrics need at least one figure: impressions, reach (organic, viral, paid), clicks, shares, saves, comments or likes.");
        }
        var parts = (m.ReachOrganic ?? 0) + (m.ReachViral ?? 0) + (m.ReachPaid ?? 0);
        if (m.Reach is { } reach && parts > reach)
        {
            return ("reach", $"reachOrganic, reachViral and reachPaid add up to {parts}, more than the reach ({reach}): each person reached counts once.");
        }
        if (m.Reach is { } seen && m.Impressions is { } shown && seen > shown)
        {
            return ("reach", $"The reach ({seen}) is more than the impressions ({shown}): each person reached saw the post at least once.");
        }
        return null;
    }

    /// <summary>
    /// Finds the posts a webhook's metrics are about, on this channel; the index of the first one that is not a post
    /// published through the channel, when there is one (then nothing is kept).
    /// </summary>
    public static async Task<(List<PostPerformance> Posts, int? Unknown)> FindWebhookPostsAsync(
        RapportDbContext db, Channel channel, IReadOnlyList<WebhookPostMetrics> metrics, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(metrics);
        var posts = new List<PostPerformance>(metrics.Count);
        for (var i = 0; i < metrics.Count; i++)
        {
            var m = metrics[i];
            var query = db.OutboxItems.IgnoreQueryFilters().Where(o => o.WorkspaceId == channel.WorkspaceId && o.ChannelId == channel.Id
                && o.MessageId == null && o.EventDeliveryId == null && o.Status == OutboxStatus.Sent);
            query = m.PostId is { } id ? query.Where(o => o.Id == Guid.Parse(id)) : query.Where(o => o.ExternalId == m.ExternalId);
            var item = await query.FirstOrDefaultAsync(ct);
            var post = item is null ? null
                : posts.FirstOrDefault(p => p.PostId == item.Id) ?? await FollowAsync(db, item, channel.Kind, now, ct);
            if (post is null)
            {
                return (posts, i);
            }
            posts.Add(post);
        }
        return (posts, null);
    }

    /// <summary>A webhook's figures, as Rapport keeps them: comments are replies.</summary>
    public static PostFigures FiguresOf(WebhookPostMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new PostFigures(Shares: m.Shares, Replies: m.Comments, Saves: m.Saves, Clicks: m.Clicks, Impressions: m.Impressions,
            Reach: m.Reach, ReachOrganic: m.ReachOrganic, ReachViral: m.ReachViral, ReachPaid: m.ReachPaid, Likes: m.Likes);
    }
}
