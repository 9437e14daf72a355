using System.Globalization;
using System.Text.Json;
using Rapport.Data;
using Rapport.Resources;

namespace Rapport.Channels.Bluesky;

/// <summary>
/// A Bluesky channel in listening mode runs its searches on <c>app.bsky.feed.searchPosts</c> (<c>sort=latest</c>,
/// <c>since</c> the newest post read, <c>lang</c> when set) with the channel's account, whose session the inbox mode
/// uses too (the public AppView asks for one). Each search pages with its cursor, newest first, and keeps its own
/// position and burst cursor, as the notifications do (decision 0046); its posts become mentions.
/// </summary>
public sealed partial class BlueskyPoller
{
    private async Task<BlueskyPollResult> ListenAsync(RapportDbContext db, Channel channel, BlueskyChannelState state, CancellationToken ct)
    {
        BlueskyClient? client = null;
        var ingested = 0;
        try
        {
            var settings = BlueskyChannelSettings.Read(channel.Settings);
            if (settings.Searches.Count == 0)
            {
                throw new BlueskyException(StoredText.English("Stored.Bluesky.NothingToListen"), transient: false);
            }
            client = connector.Open(channel);
            var session = await client.SignInAsync(ct);
            if (state.Account != session.Did)
            {
                state = new BlueskyChannelState { Account = session.Did };
            }
            var positions = new Dictionary<string, BlueskySearchPosition>(state.Searches ?? new Dictionary<string, BlueskySearchPosition>(), StringComparer.Ordinal);
            await using var ingestDb = factory.CreateDbContext();
            foreach (var search in settings.Searches)
            {
                var key = search.ToLowerInvariant();
                var position = positions.GetValueOrDefault(key) ?? new BlueskySearchPosition(null, null, null);
                var (found, stoppedAt) = await SearchNewAsync(client, search, settings.Language, position, ct);
                var newest = position.BurstNewest;
                foreach (var post in Enumerable.Reverse(found))
                {
                    if (FromPost(channel.Id, post, ownDid: null) is { } item)
                    {
                        ingested += (await ingest.IngestAsync(ingestDb, channel.WorkspaceId, item, ct)).Created ? 1 : 0;
                    }
                    newest = Later(newest, Date(post, "indexedAt"));
                }
                positions[key] = stoppedAt is not null
                    ? position with { BurstCursor = stoppedAt, BurstNewest = newest }
                    : new BlueskySearchPosition(Later(position.LastIndexedAt, newest), null, null);
                // Saved after each search: a failure in the next keeps what this one read.
                state = state with { Searches = positions };
                channel.State = (state with { WaitUntil = client.WaitUntil }).Write();
                await db.SaveChangesAsync(ct);
            }
            channel.State = (state with { WaitUntil = client.WaitUntil }).Write();
            channel.LastPolledAt = clock.GetUtcNow().UtcDateTime;
            channel.LastError = null;
            channel.LastErrorAt = null;
            await db.SaveChangesAsync(ct);
            return new BlueskyPollResult(channel.Id, Ok: true, ingested, null);
        }
        catch (BlueskyException e)
        {
            LogFailed(logger, channel.Id, e.Message);
            await RecordErrorAsync(db, channel, state with { WaitUntil = client?.WaitUntil ?? state.WaitUntil }, e.Message);
            return new BlueskyPollResult(channel.Id, Ok: false, ingested, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotStored(logger, channel.Id, e);
            const string message = "Rapport could not store this channel's posts; the server log has the details. It will try again at the next poll.";
            await RecordErrorAsync(db, channel, state, message);
            return new BlueskyPollResult(channel.Id, Ok: false, ingested, message);
        }
    }

    /// <summary>
    /// The posts a search finds indexed since its position, newest first, at most <see cref="BlueskyOptions.MaxPagesPerPoll"/>
    /// pages; with the cursor to go on from when those pages ran out first. A first search takes its newest page only.
    /// </summary>
    private async Task<(List<JsonElement> Found, string? StoppedAt)> SearchNewAsync(
        BlueskyClient client, string search, string? language, BlueskySearchPosition position, CancellationToken ct)
    {
        var found = new List<JsonElement>();
        var cursor = position.BurstCursor;
        var since = position.LastIndexedAt;
        for (var page = 0; page < limits.MaxPagesPerPoll; page++)
        {
            var parameters = new List<KeyValuePair<string, string>>
            {
                new("q", search),
                new("sort", "latest"),
                new("limit", Math.Min(limits.PageSize, 100).ToString(CultureInfo.InvariantCulture)),
            };
            if (since is { } from)
            {
                parameters.Add(new("since", from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));
            }
            if (!string.IsNullOrWhiteSpace(language))
            {
                parameters.Add(new("lang", language.Trim()));
            }
            if (cursor is not null)
            {
                parameters.Add(new("cursor", cursor));
            }
            var answer = await client.QueryAsync("app.bsky.feed.searchPosts", parameters, ct);
            if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("posts", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new BlueskyException(StoredText.English("Stored.Bluesky.SearchMalformed"), transient: true);
            }
            foreach (var post in list.EnumerateArray())
            {
                // Equal times are read again (ingest drops the copies): two posts can share a timestamp.
                if (since is { } seen && Date(post, "indexedAt") < seen)
                {
                    return (found, null);
                }
                found.Add(post.Clone());
            }
            cursor = ChannelJson.Text(answer, "cursor");
            if (since is null || cursor is null || list.GetArrayLength() == 0)
            {
                return (found, null);
            }
        }
        LogBurst(logger, limits.MaxPagesPerPoll);
        return (found, cursor);
    }
}
