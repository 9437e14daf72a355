using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Channels.Bluesky;
using Rapport.Channels.Mastodon;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Resources;

namespace Rapport.Performance;

/// <summary>What one round of a metrics job did: how many readings it kept, and the errors it met, one sentence each.</summary>
public sealed record MetricsRound(int Kept, IReadOnlyList<string> Errors)
{
    /// <summary>Throws the round's errors as the job's error, once everything that could be read is kept.</summary>
    public void ThrowIfFailed(string what)
    {
        if (Errors.Count > 0)
        {
            throw new MetricsException($"{what}: {Errors.Count} failed. " + string.Join(" ", Errors.Take(5))
                + (Errors.Count > 5 ? $" (and {Errors.Count - 5} more)" : ""));
        }
    }
}

/// <summary>A metrics job's errors, as Settings → Jobs shows them.</summary>
public sealed class MetricsException(string message) : Exception(message);

/// <summary>
/// Reads the figures of the brand's published posts from Mastodon (<c>GET /api/v1/statuses/:id</c>: favourites, reblogs,
/// replies, quotes) and Bluesky (<c>app.bsky.feed.getPosts</c>, 25 posts a call: likes, reposts, replies, quotes) for
/// <see cref="FollowFor"/> after publishing: every <see cref="FirstDayEvery"/> the first day, then every
/// <see cref="LaterEvery"/>, and once more at the end. Each reading is a snapshot kept beside the latest figures. It
/// also counts each publishing channel's followers once a day. Runs as the jobs <c>fetch-post-metrics</c> and
/// <c>count-followers</c>, once per cluster. A network that is down, a post deleted, a rate limit or an answer that
/// makes no sense: the post keeps what it had, says why on itself and on the job, and is read again later (a deleted
/// post no more).
/// </summary>
public sealed class PostMetricsFetcher(RapportDbContextFactory databases, MastodonClient mastodon, BlueskyConnector bluesky, TimeProvider clock)
{
    public static readonly TimeSpan FollowFor = TimeSpan.FromDays(7);
    public static readonly TimeSpan FirstDayEvery = TimeSpan.FromHours(1);
    public static readonly TimeSpan LaterEvery = TimeSpan.FromHours(6);
    /// <summary>How soon a reading that failed for the network's sake (down, garbage) is tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(15);
    /// <summary>How often the job looks for posts that are due.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(5);
    /// <summary>How often the follower job looks for channels not counted today.</summary>
    public static readonly TimeSpan FollowersCheckEvery = TimeSpan.FromHours(1);
    private const int BlueskyBatch = 25;
    private const int MaxPostsPerRound = 500;

    /// <summary>Whether Rapport reads this kind of channel's post figures itself (others send them by webhook).</summary>
    public static bool Reads(ChannelKind kind) => kind is ChannelKind.Mastodon or ChannelKind.Bluesky;

    /// <summary>When a post published at <paramref name="published"/> and read at <paramref name="now"/> is read next, or null: no more.</summary>
    public static DateTime? NextReading(DateTime published, DateTime now)
    {
        var end = published + FollowFor;
        if (now >= end)
        {
            return null;
        }
        var next = now + (now - published < TimeSpan.FromDays(1) ? FirstDayEvery : LaterEvery);
        // The last reading is at the end of the seventh day, whatever the step.
        return next < end ? next : end;
    }

    /// <summary>One round: follows the posts published since the last, then reads every post that is due.</summary>
    public async Task<MetricsRound> FetchDueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = databases.CreateDbContext();
        await FollowNewPostsAsync(db, now, ct);
        var due = await db.Set<PostPerformance>().IgnoreQueryFilters()
            .Where(p => p.NextFetchAt != null && p.NextFetchAt <= now && !p.Deleted)
            .OrderBy(p => p.NextFetchAt).Take(MaxPostsPerRound).ToListAsync(ct);
        if (due.Count == 0)
        {
            return new MetricsRound(0, []);
        }
        var channelIds = due.Select(p => p.ChannelId).Distinct().ToList();
        var channels = await db.Channels.IgnoreQueryFilters().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var errors = new List<string>();
        var kept = 0;
        foreach (var group in due.GroupBy(p => p.ChannelId))
        {
            if (!channels.TryGetValue(group.Key, out var channel) || !Reads(channel.Kind) || channel.Sandbox)
            {
                // The channel is gone, became one that Rapport does not read, or is a sandbox that reaches no network: nothing to read.
                foreach (var post in group)
                {
                    post.NextFetchAt = null;
                }
                continue;
            }
            var posts = group.ToList();
            kept += channel.Kind == ChannelKind.Mastodon
                ? await ReadMastodonAsync(db, channel, posts, now, errors, ct)
                : await ReadBlueskyAsync(db, channel, posts, now, errors, ct);
        }
        await db.SaveChangesAsync(ct);
        return new MetricsRound(kept, errors);
    }

    /// <summary>Counts the followers of every publishing channel not counted yet today (UTC).</summary>
    public async Task<MetricsRound> CountFollowersAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        await using var db = databases.CreateDbContext();
        var counted = db.Set<FollowerSnapshot>().IgnoreQueryFilters().Where(f => f.Day == today).Select(f => f.ChannelId);
        var channels = await db.Channels.IgnoreQueryFilters()
            .Where(c => (c.Kind == ChannelKind.Mastodon || c.Kind == ChannelKind.Bluesky) && c.Direction != ChannelDirection.Listening && !c.Paused
                && !c.Sandbox && !counted.Contains(c.Id))
            .ToListAsync(ct);
        var errors = new List<string>();
        var kept = 0;
        foreach (var channel in channels)
        {
            try
            {
                var followers = channel.Kind == ChannelKind.Mastodon ? await MastodonFollowersAsync(channel, ct) : await BlueskyFollowersAsync(channel, ct);
                await PostMetricsService.RecordFollowersAsync(db, channel.WorkspaceId, channel.Id, followers, now, MetricsSource.Network, ct);
                kept++;
            }
            catch (Exception e) when (e is MastodonException or BlueskyException)
            {
                errors.Add(StoredText.English("Stored.Performance.FollowersFailed", channel.Name, e.Message));
            }
        }
        await db.SaveChangesAsync(ct);
        return new MetricsRound(kept, errors);
    }

    /// <summary>Posts sent in the last <see cref="FollowFor"/> that Rapport does not follow yet.</summary>
    private static async Task FollowNewPostsAsync(RapportDbContext db, DateTime now, CancellationToken ct)
    {
        var since = now - FollowFor;
        var followed = db.Set<PostPerformance>().IgnoreQueryFilters().Select(p => p.PostId);
        var fresh = await db.OutboxItems.IgnoreQueryFilters()
            .Where(o => o.MessageId == null && o.EventDeliveryId == null && o.Status == OutboxStatus.Sent && o.SentAt >= since && o.ExternalId != null
                && !followed.Contains(o.Id))
            .Join(db.Channels.IgnoreQueryFilters().Where(c => (c.Kind == ChannelKind.Mastodon || c.Kind == ChannelKind.Bluesky) && !c.Sandbox), o => o.ChannelId, c => c.Id, (o, c) => new { o, c.Kind })
            .Take(MaxPostsPerRound).ToListAsync(ct);
        // Not followed yet (the query says so): no need to ask again for each.
        foreach (var row in fresh)
        {
            db.Set<PostPerformance>().Add(PostMetricsService.NewPerformance(row.o, row.Kind, now));
        }
        if (fresh.Count > 0)
        {
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // A webhook followed one of them at the same moment: the next round takes the rest.
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<int> ReadMastodonAsync(RapportDbContext db, Channel channel, List<PostPerformance> posts, DateTime now, List<string> errors, CancellationToken ct)
    {
        Uri instance;
        string token;
        try
        {
            (instance, token) = mastodon.Connection(channel);
        }
        catch (MastodonException e)
        {
            Postpone(posts, now + RetryAfter, e.Message, now);
            errors.Add(StoredText.English("Stored.Performance.ChannelFailed", channel.Name, posts.Count, e.Message));
            return 0;
        }
        // The poller's rate limit is the same allowance: it is not spent while the instance asked to wait.
        if (MastodonChannelState.Read(channel.State).RateLimitedUntil is { } until && until > now)
        {
            Postpone(posts, until, null, now);
            return 0;
        }
        var kept = 0;
        for (var i = 0; i < posts.Count; i++)
        {
            var post = posts[i];
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance, "api/v1/statuses/" + Uri.EscapeDataString(post.ExternalId)));
                var answer = await mastodon.SendAsync(request, token, ct);
                using var document = MastodonClient.Parse(answer.Body, instance);
                var status = document.RootElement;
                var figures = new PostFigures(
                    Shares: Count(status, "reblogs_count") ?? throw MastodonClient.Malformed(instance, "the status has no reblogs_count"),
                    Replies: Count(status, "replies_count") ?? throw MastodonClient.Malformed(instance, "the status has no replies_count"),
                    // Quotes arrived in Mastodon 4.5; an older instance does not count them.
                    Quotes: Count(status, "quotes_count"),
                    Likes: Count(status, "favourites_count") ?? throw MastodonClient.Malformed(instance, "the status has no favourites_count"));
                Kept(db, post, figures, now);
                kept++;
                if (answer.RateLimit.Exhausted && i + 1 < posts.Count)
                {
                    Postpone(posts.Skip(i + 1), answer.RateLimit.Reset!.Value, null, now);
                    return kept;
                }
            }
            catch (MastodonException e) when (e.Status == 404)
            {
                Gone(post, now);
                errors.Add(StoredText.English("Stored.Performance.Deleted", channel.Name, post.ExternalId));
            }
            catch (MastodonException e) when (e.RetryAt is { } retryAt)
            {
                // Rate limited: this post and the rest of the channel's wait for the reset.
                Postpone(posts.Skip(i), retryAt, e.Message, now);
                errors.Add(StoredText.English("Stored.Performance.ChannelFailed", channel.Name, posts.Count - i, e.Message));
                return kept;
            }
            catch (MastodonException e)
            {
                Postpone([post], now + RetryAfter, e.Message, now);
                errors.Add(StoredText.English("Stored.Performance.PostFailed", channel.Name, post.ExternalId, e.Message));
                if (e.Transient && e.Status is null)
                {
                    // The instance is out of reach: the channel's other posts would fail alike.
                    Postpone(posts.Skip(i + 1), now + RetryAfter, e.Message, now);
                    return kept;
                }
            }
        }
        return kept;
    }

    private async Task<int> ReadBlueskyAsync(RapportDbContext db, Channel channel, List<PostPerformance> posts, DateTime now, List<string> errors, CancellationToken ct)
    {
        var kept = 0;
        var batches = posts.Chunk(BlueskyBatch).ToList();
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            try
            {
                var client = bluesky.Open(channel);
                var answer = await client.QueryAsync("app.bsky.feed.getPosts", batch.Select(p => KeyValuePair.Create("uris", p.ExternalId)), ct);
                if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("posts", out var views) || views.ValueKind != JsonValueKind.Array)
                {
                    throw new BlueskyException(StoredText.English("Stored.Performance.BlueskyMalformed", BlueskyChannelSettings.Read(channel.Settings).Service?.Host ?? "Bluesky"), transient: true);
                }
                var byUri = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var view in views.EnumerateArray())
                {
                    if (view.ValueKind == JsonValueKind.Object && ChannelJson.Text(view, "uri") is { } uri)
                    {
                        byUri[uri] = view;
                    }
                }
                foreach (var post in batch)
                {
                    if (!byUri.TryGetValue(post.ExternalId, out var view))
                    {
                        // getPosts leaves out what no longer exists.
                        Gone(post, now);
                        errors.Add(StoredText.English("Stored.Performance.Deleted", channel.Name, post.ExternalId));
                        continue;
                    }
                    Kept(db, post, new PostFigures(Shares: Count(view, "repostCount") ?? 0, Replies: Count(view, "replyCount") ?? 0,
                        Quotes: Count(view, "quoteCount") ?? 0, Likes: Count(view, "likeCount") ?? 0), now);
                    kept++;
                }
            }
            catch (BlueskyException e)
            {
                var rest = batches.Skip(b).SelectMany(x => x).ToList();
                var until = e.RetryAfter is { } wait ? now + wait : now + RetryAfter;
                Postpone(rest, until, e.Message, now);
                errors.Add(StoredText.English("Stored.Performance.ChannelFailed", channel.Name, rest.Count, e.Message));
                return kept;
            }
        }
        return kept;
    }

    private async Task<long> MastodonFollowersAsync(Channel channel, CancellationToken ct)
    {
        var (instance, token) = mastodon.Connection(channel);
        var account = await mastodon.AccountAsync(instance, token, ct);
        return Count(account, "followers_count") ?? throw MastodonClient.Malformed(instance, "the account has no followers_count");
    }

    private async Task<long> BlueskyFollowersAsync(Channel channel, CancellationToken ct)
    {
        var client = bluesky.Open(channel);
        var session = await client.SignInAsync(ct);
        var profile = await client.QueryAsync("app.bsky.actor.getProfile", [KeyValuePair.Create("actor", session.Did)], ct);
        return Count(profile, "followersCount")
            ?? throw new BlueskyException(StoredText.English("Stored.Performance.BlueskyMalformed", BlueskyChannelSettings.Read(channel.Settings).Service?.Host ?? "Bluesky"), transient: true);
    }

    private static void Kept(RapportDbContext db, PostPerformance post, PostFigures figures, DateTime now)
    {
        PostMetricsService.Record(db, post, figures, now, MetricsSource.Network);
        post.NextFetchAt = NextReading(post.PublishedAt, now);
        post.LastError = null;
        post.LastErrorAt = null;
    }

    private static void Gone(PostPerformance post, DateTime now)
    {
        post.Deleted = true;
        post.NextFetchAt = null;
        post.LastError = StoredText.English("Stored.Performance.Gone");
        post.LastErrorAt = now;
    }

    /// <summary>Tried again later; past the seventh day, still once, so a network down at the end loses nothing it gives back.</summary>
    private static void Postpone(IEnumerable<PostPerformance> posts, DateTime until, string? error, DateTime now)
    {
        foreach (var post in posts)
        {
            // A day past the end, a post still unread is given up: its last figures stay.
            post.NextFetchAt = now > post.PublishedAt + FollowFor + TimeSpan.FromDays(1) ? null : until;
            if (error is not null)
            {
                post.LastError = UserInput.Truncate(error, 2000);
                post.LastErrorAt = now;
            }
        }
    }

    /// <summary>A count the network gave as a non-negative whole number; null when absent or not one.</summary>
    private static long? Count(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out var count) && count >= 0 && count <= PostMetricsService.MaxFigure
            ? count : null;
}
