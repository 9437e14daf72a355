using System.Globalization;
using System.Text.Json;
using Rapport.Data;
using Rapport.Resources;

namespace Rapport.Channels.Mastodon;

/// <summary>
/// A Mastodon channel in listening mode: instead of the account's notifications, it reads the public timelines of its
/// hashtags (<c>GET /api/v1/timelines/tag/:hashtag</c>) and public status search (<c>GET /api/v2/search?type=statuses</c>),
/// and its items become mentions (ingest sends a listening channel's items there). Each hashtag and search keeps the
/// newest status read; the next poll asks for what came right after it (<c>min_id</c>) page by page, so a burst larger
/// than a page is read whole, and the position is saved after every page (docs/decisions/0065).
/// </summary>
public sealed partial class MastodonPoller
{
    /// <summary>Statuses per page: the most Mastodon gives for timelines and search.</summary>
    public const int ListeningPageSize = 40;

    private async Task<MastodonPollResult> ListenAsync(RapportDbContext db, Channel channel, CancellationToken ct)
    {
        var state = MastodonChannelState.Read(channel.State);
        var ingested = 0;
        var pages = 0;
        try
        {
            var (instance, token) = client.ListeningConnection(channel);
            state = Resume(state, instance);
            var listened = MastodonChannelSettings.Read(channel.Settings).Listened;
            if (listened.Count == 0)
            {
                throw new MastodonException(StoredText.English("Stored.Mastodon.NothingToListen"), transient: false);
            }
            var heard = new Dictionary<string, string>(state.Heard ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            string? stopped = null;
            await using var ingestDb = factory.CreateDbContext();
            foreach (var (key, value, isHashtag) in listened)
            {
                var last = heard.GetValueOrDefault(key);
                // The first poll of a hashtag or search reads its newest page only: older statuses are from before it was followed.
                var firstPoll = last is null;
                // Each hashtag and search has its own pages per poll, so a busy one never starves the others.
                for (var page = 0; stopped is null && page < client.Options.MaxPagesPerPoll; page++)
                {
                    var url = isHashtag
                        ? new Uri(instance, "api/v1/timelines/tag/" + Uri.EscapeDataString(value) + "?limit=" + ListeningPageSize.ToString(CultureInfo.InvariantCulture))
                        : new Uri(instance, "api/v2/search?type=statuses&q=" + Uri.EscapeDataString(value) + "&limit=" + ListeningPageSize.ToString(CultureInfo.InvariantCulture));
                    if (last is not null)
                    {
                        url = new Uri(url.AbsoluteUri + "&min_id=" + Uri.EscapeDataString(last));
                    }
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    var answer = await client.SendAsync(request, token, ct);
                    pages++;
                    var statuses = ReadStatuses(answer.Body, instance, isHashtag);
                    foreach (var status in statuses)
                    {
                        var item = MastodonStatus.FromStatus(channel.Id, instance, status, default, status.GetRawText());
                        ingested += (await ingest.IngestAsync(ingestDb, channel.WorkspaceId, item, ct)).Created ? 1 : 0;
                        var id = ChannelJson.Text(status, "id");
                        if (MastodonStatus.CompareIds(id, last) > 0)
                        {
                            last = id;
                        }
                    }
                    if (last is not null)
                    {
                        heard[key] = last;
                    }
                    // Saved after every page: a failure on the next keeps what was read.
                    state = state with { Heard = heard };
                    channel.State = state.Write();
                    await db.SaveChangesAsync(ct);
                    if (answer.RateLimit.Exhausted)
                    {
                        state = state with { RateLimitedUntil = answer.RateLimit.Reset };
                        stopped = client.RateLimited(MastodonClient.Host(instance), answer.RateLimit.Reset!.Value).Message;
                    }
                    if (firstPoll || statuses.Count < ListeningPageSize)
                    {
                        break;
                    }
                }
            }
            channel.State = state.Write();
            channel.LastPolledAt = clock.GetUtcNow().UtcDateTime;
            channel.LastError = stopped;
            channel.LastErrorAt = stopped is null ? null : channel.LastPolledAt;
            await db.SaveChangesAsync(ct);
            return new MastodonPollResult(channel.Id, Ok: true, ingested, pages, stopped);
        }
        catch (MastodonException e)
        {
            LogFailed(logger, channel.Id, e.Message);
            if (e.RetryAt is { } retryAt)
            {
                state = state with { RateLimitedUntil = retryAt };
            }
            await RecordErrorAsync(db, channel, state, e.Message);
            return new MastodonPollResult(channel.Id, Ok: false, ingested, pages, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotStored(logger, channel.Id, e);
            const string message = "Rapport could not store this channel's mentions; the server log has the details. It will try again at the next poll.";
            await RecordErrorAsync(db, channel, state, message);
            return new MastodonPollResult(channel.Id, Ok: false, ingested, pages, message);
        }
    }

    /// <summary>"Test the connection" of a listening channel: its first hashtag or search, one status, storing nothing.</summary>
    private async Task<ChannelTestResult> TestListeningAsync(Channel channel, CancellationToken ct)
    {
        try
        {
            var (instance, token) = client.ListeningConnection(channel);
            var listened = MastodonChannelSettings.Read(channel.Settings).Listened;
            if (listened.Count == 0)
            {
                throw new MastodonException(StoredText.English("Stored.Mastodon.NothingToListen"), transient: false);
            }
            var (_, value, isHashtag) = listened[0];
            var url = isHashtag
                ? new Uri(instance, "api/v1/timelines/tag/" + Uri.EscapeDataString(value) + "?limit=1")
                : new Uri(instance, "api/v2/search?type=statuses&limit=1&q=" + Uri.EscapeDataString(value));
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            ReadStatuses((await client.SendAsync(request, token, ct)).Body, instance, isHashtag);
            return new ChannelTestResult(true, StoredText.English("Stored.Test.Listening", MastodonClient.Host(instance), (isHashtag ? "#" : "") + value), null);
        }
        catch (MastodonException e)
        {
            return new ChannelTestResult(false, null, e.Message);
        }
    }

    /// <summary>
    /// A hashtag timeline is a JSON array of statuses, a search an object whose <c>statuses</c> is one; returned oldest
    /// first (Mastodon lists the newest first), so the position only moves past what is stored.
    /// </summary>
    private static List<JsonElement> ReadStatuses(string body, Uri instance, bool isHashtag)
    {
        using var document = MastodonClient.Parse(body, instance);
        var root = document.RootElement;
        var list = isHashtag ? root
            : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("statuses", out var s) ? s : default;
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw MastodonClient.Malformed(instance, isHashtag ? "the hashtag timeline is not a JSON array" : "the search answer has no list of statuses");
        }
        var statuses = list.EnumerateArray().Select(n => n.Clone()).ToList();
        if (statuses.Any(n => n.ValueKind != JsonValueKind.Object || ChannelJson.Text(n, "id") is null))
        {
            throw MastodonClient.Malformed(instance, "a status has no id");
        }
        statuses.Sort((a, b) => MastodonStatus.CompareIds(ChannelJson.Text(a, "id"), ChannelJson.Text(b, "id")));
        return statuses;
    }
}
