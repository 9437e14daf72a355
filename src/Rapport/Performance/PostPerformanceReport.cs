using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Content;
using Rapport.Data;
using Rapport.Outbox;

namespace Rapport.Performance;

/// <summary>
/// One published post's performance: where and when, its usefulness score from the content review (when it came from
/// the content studio), the latest figures, the followers of its channel, and the rates derived from them. The order is
/// the product's: what spread the post and what started conversations first, then what people did (clicks on its tracked
/// links, conversions attributed to it and their value, per currency); likes last.
/// </summary>
public sealed record PostPerformanceRow(
    Guid PostId, Guid ChannelId, string ChannelName, ChannelKind ChannelKind, string Text, DateTime PublishedAt, string ExternalId,
    Guid? DraftId, string? DraftTitle, int? UsefulnessScore,
    DateTime? MeasuredAt, MetricsSource? Source, bool Deleted, string? LastError, bool StillRead,
    long? Shares, long? Replies, long? Quotes, long? Saves, long? Clicks, long? Impressions,
    long? Reach, long? ReachOrganic, long? ReachViral, long? ReachPaid, long? Followers,
    double? AmplificationRate, double? ConversationRate, double? EarnedShare,
    int LinkClicks, int Conversions, List<Reports.Money> Revenue,
    long? Likes, double? ApplauseRate)
{
    /// <summary>Every interaction that spread the post or answered it: shares, replies, quotes, saves. Likes are apart.</summary>
    public long? Engagement => Shares is null && Replies is null && Quotes is null && Saves is null ? null : (Shares ?? 0) + (Replies ?? 0) + (Quotes ?? 0) + (Saves ?? 0);
}

/// <summary>The performance of the posts published in a period (docs/content.md, "Performance"; decision 0071).</summary>
public static class PostPerformanceReport
{
    /// <summary>Shares per follower, as a share (0.012 is 1.2 %): how far the post spread by itself.</summary>
    public static double? Rate(long? figure, long? followers) => figure is { } f && followers is > 0 ? (double)f / followers.Value : null;

    /// <summary>Organic and viral reach over the total reach: the part of the audience the brand did not pay for.</summary>
    public static double? EarnedShareOf(long? reach, long? organic, long? viral, long? paid)
    {
        if (organic is null && viral is null)
        {
            return null;
        }
        var total = reach ?? (organic ?? 0) + (viral ?? 0) + (paid ?? 0);
        return total > 0 ? (double)((organic ?? 0) + (viral ?? 0)) / total : null;
    }

    /// <summary>The posts published in [from, to), newest first, with their latest figures.</summary>
    public static async Task<List<PostPerformanceRow>> ListAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var items = await db.OutboxItems.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.WorkspaceId == workspaceId && o.MessageId == null && o.EventDeliveryId == null && o.Status == OutboxStatus.Sent
                && o.SentAt >= from && o.SentAt < to)
            .OrderByDescending(o => o.SentAt).Take(5000).ToListAsync(ct);
        return await RowsAsync(db, workspaceId, items, ct);
    }

    /// <summary>The given posts (a draft's variants' outbox items), those that were published.</summary>
    public static async Task<List<PostPerformanceRow>> ForPostsAsync(RapportDbContext db, Guid workspaceId, IReadOnlyCollection<Guid> postIds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (postIds is not { Count: > 0 })
        {
            return [];
        }
        var items = await db.OutboxItems.IgnoreQueryFilters().AsNoTracking()
            .Where(o => o.WorkspaceId == workspaceId && postIds.Contains(o.Id) && o.Status == OutboxStatus.Sent).ToListAsync(ct);
        return await RowsAsync(db, workspaceId, items, ct);
    }

    /// <summary>The readings of one post, oldest first.</summary>
    public static Task<List<PostMetricSnapshot>> HistoryAsync(RapportDbContext db, Guid workspaceId, Guid postId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<PostMetricSnapshot>().IgnoreQueryFilters().AsNoTracking().Where(s => s.WorkspaceId == workspaceId && s.PostId == postId)
            .OrderBy(s => s.At).ToListAsync(ct);
    }

    private static async Task<List<PostPerformanceRow>> RowsAsync(RapportDbContext db, Guid workspaceId, List<OutboxItem> items, CancellationToken ct)
    {
        if (items.Count == 0)
        {
            return [];
        }
        var ids = items.Select(i => i.Id).ToList();
        var performances = await db.Set<PostPerformance>().IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.WorkspaceId == workspaceId && ids.Contains(p.PostId)).ToDictionaryAsync(p => p.PostId, ct);
        var channels = await db.Channels.IgnoreQueryFilters().AsNoTracking().Where(c => c.WorkspaceId == workspaceId)
            .Select(c => new { c.Id, c.Name, c.Kind }).ToDictionaryAsync(c => c.Id, ct);
        var drafts = await db.Set<DraftVariant>().IgnoreQueryFilters().AsNoTracking()
            .Where(v => v.WorkspaceId == workspaceId && v.OutboxItemId != null && ids.Contains(v.OutboxItemId.Value))
            .Join(db.Set<Draft>().IgnoreQueryFilters(), v => v.DraftId, d => d.Id, (v, d) => new { PostId = v.OutboxItemId!.Value, d.Id, d.Title, d.UsefulnessScore })
            .ToListAsync(ct);
        var draftOf = drafts.GroupBy(d => d.PostId).ToDictionary(g => g.Key, g => g.First());
        var channelIds = items.Select(i => i.ChannelId).Distinct().ToList();
        var followers = (await db.Set<FollowerSnapshot>().IgnoreQueryFilters().AsNoTracking()
            .Where(f => f.WorkspaceId == workspaceId && channelIds.Contains(f.ChannelId)).Select(f => new { f.ChannelId, f.Day, f.Followers }).ToListAsync(ct))
            .GroupBy(f => f.ChannelId).ToDictionary(g => g.Key, g => g.OrderBy(f => f.Day).Select(f => (f.Day, f.Followers)).ToList());
        // What people did: clicks on the posts' tracked links (robots and repeats never became rows) and the conversions
        // attributed to the posts, as the outcome report counts them, here over all time.
        var clicks = await db.Set<Links.TrackedLink>().IgnoreQueryFilters().AsNoTracking()
            .Where(l => l.WorkspaceId == workspaceId && l.PostId != null && ids.Contains(l.PostId.Value))
            .Join(db.Set<Links.LinkClick>().IgnoreQueryFilters(), l => l.Id, c => c.LinkId, (l, c) => l.PostId!.Value)
            .GroupBy(id => id).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var conversions = (await db.Set<Conversions.Conversion>().IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.WorkspaceId == workspaceId && c.PostId != null && ids.Contains(c.PostId.Value))
            .GroupBy(c => new { PostId = c.PostId!.Value, c.Currency })
            .Select(g => new { g.Key.PostId, g.Key.Currency, Count = g.Count(), Sum = g.Sum(c => c.Value) }).ToListAsync(ct))
            .GroupBy(c => c.PostId).ToDictionary(g => g.Key, g => g.ToList());
        var rows = new List<PostPerformanceRow>(items.Count);
        foreach (var item in items)
        {
            var p = performances.GetValueOrDefault(item.Id);
            var channel = channels.GetValueOrDefault(item.ChannelId);
            var draft = draftOf.GetValueOrDefault(item.Id);
            var published = item.SentAt ?? item.CreatedAt;
            var audience = FollowersOn(followers.GetValueOrDefault(item.ChannelId), DateOnly.FromDateTime(published));
            rows.Add(new PostPerformanceRow(
                item.Id, item.ChannelId, channel?.Name ?? "", channel?.Kind ?? ChannelKind.Api, PostPayload.Of(item).Text, published, item.ExternalId ?? "",
                draft?.Id, draft?.Title, draft?.UsefulnessScore,
                p?.MeasuredAt, p?.Source, p?.Deleted ?? false, p?.LastError, p?.NextFetchAt is not null,
                p?.Shares, p?.Replies, p?.Quotes, p?.Saves, p?.Clicks, p?.Impressions, p?.Reach, p?.ReachOrganic, p?.ReachViral, p?.ReachPaid, audience,
                Rate(p?.Shares, audience), Rate(p?.Replies, audience), EarnedShareOf(p?.Reach, p?.ReachOrganic, p?.ReachViral, p?.ReachPaid),
                clicks.GetValueOrDefault(item.Id), conversions.TryGetValue(item.Id, out var sold) ? sold.Sum(c => c.Count) : 0,
                sold is null ? [] : [.. sold.OrderBy(c => c.Currency, StringComparer.Ordinal).Select(c => new Reports.Money(c.Currency, c.Sum))],
                p?.Likes, Rate(p?.Likes, audience)));
        }
        return rows;
    }

    /// <summary>The channel's followers on the day the post went out: that day's count or the last before it, else the first after.</summary>
    private static long? FollowersOn(List<(DateOnly Day, long Followers)>? counts, DateOnly day)
    {
        if (counts is not { Count: > 0 })
        {
            return null;
        }
        var before = counts.LastOrDefault(c => c.Day <= day);
        return before.Day != default ? before.Followers : counts[0].Followers;
    }
}
