using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Resources;

namespace Rapport.Channels.Bluesky;

/// <summary>What one poll of a Bluesky channel did.</summary>
/// <param name="ChannelId">The Bluesky channel polled.</param>
/// <param name="Ok">The poll succeeded (or the channel is paused, or waiting for its rate limit to reset).</param>
/// <param name="Ingested">New messages stored.</param>
/// <param name="Error">Why the poll failed, also stored on the channel as its last error.</param>
public sealed record BlueskyPollResult(Guid ChannelId, bool Ok, int Ingested, string? Error);

/// <summary>
/// Reads a Bluesky account's mentions, replies and quotes from <c>app.bsky.notification.listNotifications</c>, newest
/// first, page after page until the notifications already read, then hands them to the one ingest path oldest first.
/// The position (the newest <c>indexedAt</c>) is saved only once all of them are in, so a failure reads them again
/// and ingest's idempotency keeps them single. A burst larger than one poll's pages goes on at the next poll from the
/// cursor where this one stopped, so nothing is skipped however large it is (decision 0046). Health (last poll, last
/// error) is recorded either way.
/// </summary>
public sealed partial class BlueskyPoller(
    IngestService ingest,
    RapportDbContextFactory factory,
    BlueskyConnector connector,
    IOptions<BlueskyOptions> options,
    TimeProvider clock,
    ILogger<BlueskyPoller> logger)
{
    /// <summary>The notifications that are someone talking to or about the account; likes, reposts and follows are not messages.</summary>
    private static readonly HashSet<string> Conversational = new(StringComparer.Ordinal) { "mention", "reply", "quote" };

    private readonly BlueskyOptions limits = options.Value;

    /// <summary>Polls the channel now, whenever it was last polled. A paused channel is left alone.</summary>
    public async Task<BlueskyPollResult> PollAsync(Guid channelId, CancellationToken ct = default)
    {
        await using var db = factory.CreateDbContext();
        var channel = await db.Channels.IgnoreQueryFilters().FirstOrDefaultAsync(c => c.Id == channelId, ct)
            ?? throw new ArgumentException($"No channel {channelId}.", nameof(channelId));
        if (channel.Kind != ChannelKind.Bluesky)
        {
            throw new ArgumentException($"Channel {channelId} is a {channel.Kind} channel, not a Bluesky one.", nameof(channelId));
        }
        var state = BlueskyChannelState.Read(channel.State);
        if (channel.Paused || channel.Sandbox || state.WaitUntil > clock.GetUtcNow())
        {
            // The server's rate limit has not reset yet: asking now would only be refused again.
            return new BlueskyPollResult(channelId, Ok: true, 0, null);
        }
        if (channel.Direction == ChannelDirection.Listening)
        {
            return await ListenAsync(db, channel, state, ct);
        }

        BlueskyClient? client = null;
        var ingested = 0;
        try
        {
            client = connector.Open(channel);
            var session = await client.SignInAsync(ct);
            if (state.Account != session.Did)
            {
                // Another account: its notifications have nothing to do with the old position.
                state = new BlueskyChannelState { Account = session.Did };
            }
            var (unread, stoppedAt) = await ReadNewAsync(client, state.LastIndexedAt, state.BurstCursor, ct);
            var newest = state.BurstNewest;
            await using (var ingestDb = factory.CreateDbContext())
            {
                foreach (var notification in Enumerable.Reverse(unread))
                {
                    if (ToInboundItem(channel.Id, notification, session.Did) is { } item)
                    {
                        var result = await ingest.IngestAsync(ingestDb, channel.WorkspaceId, item, ct);
                        ingested += result.Created ? 1 : 0;
                    }
                    newest = Later(newest, Date(notification, "indexedAt"));
                }
            }
            state = stoppedAt is not null
                // The burst is not read to its end: the next poll goes on from where this one stopped.
                ? state with { BurstCursor = stoppedAt, BurstNewest = newest }
                // Read down to the position (or a first poll's recent activity): everything up to the newest is in.
                : state with { LastIndexedAt = Later(state.LastIndexedAt, newest), BurstCursor = null, BurstNewest = null };
            channel.State = (state with { WaitUntil = client.WaitUntil }).Write();
            channel.LastPolledAt = clock.GetUtcNow().UtcDateTime;
            channel.LastError = null;
            channel.LastErrorAt = null;
            await db.SaveChangesAsync(ct);
            return new BlueskyPollResult(channelId, Ok: true, ingested, null);
        }
        catch (BlueskyException e)
        {
            LogFailed(logger, channelId, e.Message);
            await RecordErrorAsync(db, channel, state with { WaitUntil = client?.WaitUntil ?? state.WaitUntil }, e.Message);
            return new BlueskyPollResult(channelId, Ok: false, ingested, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not Bluesky's fault (the database, most likely): still shown on the channel, and the next poll reads again from the saved position.
            LogNotStored(logger, channelId, e);
            const string message = "Rapport could not store this account's notifications; the server log has the details. It will try again at the next poll.";
            await RecordErrorAsync(db, channel, state, message);
            return new BlueskyPollResult(channelId, Ok: false, ingested, message);
        }
    }

    /// <summary>Signs in with the channel's saved settings and app password, storing nothing: "test the connection".</summary>
    public async Task<ChannelTestResult> TestAsync(Channel channel, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        try
        {
            var client = connector.Open(channel);
            var session = await client.NewSessionAsync(ct);
            var host = BlueskyChannelSettings.Read(channel.Settings).Service?.Host;
            return new ChannelTestResult(true, StoredText.English("Stored.Test.SignedInAs", host, $"@{session.Handle} ({session.Did})"), null);
        }
        catch (BlueskyException e)
        {
            return new ChannelTestResult(false, null, e.Message);
        }
    }

    /// <summary>
    /// The notifications newer than <paramref name="since"/>, newest first, from the top or from <paramref name="cursor"/>
    /// (a burst being read), at most <see cref="BlueskyOptions.MaxPagesPerPoll"/> pages. Also returns the cursor of the
    /// next page when those pages ran out before reaching <paramref name="since"/>; a first poll (no
    /// <paramref name="since"/>) takes only that many pages of the account's recent activity, not its whole history,
    /// and returns no cursor.
    /// </summary>
    private async Task<(List<JsonElement> Found, string? StoppedAt)> ReadNewAsync(BlueskyClient client, DateTimeOffset? since, string? cursor, CancellationToken ct)
    {
        var found = new List<JsonElement>();
        for (var page = 0; page < limits.MaxPagesPerPoll; page++)
        {
            // Servers that know "reasons" leave likes, reposts and follows out; the others send everything and ToInboundItem filters.
            var parameters = new List<KeyValuePair<string, string>>
            {
                new("limit", limits.PageSize.ToString(CultureInfo.InvariantCulture)),
                new("reasons", "mention"),
                new("reasons", "reply"),
                new("reasons", "quote"),
            };
            if (cursor is not null)
            {
                parameters.Add(new("cursor", cursor));
            }
            var answer = await client.QueryAsync("app.bsky.notification.listNotifications", parameters, ct);
            if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("notifications", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new BlueskyException("The server answered listNotifications without a list of notifications; Rapport will try again.", transient: true);
            }
            foreach (var notification in list.EnumerateArray())
            {
                // Equal times are read again (ingest drops the copies): two notifications can share a timestamp.
                if (since is { } seen && Date(notification, "indexedAt") < seen)
                {
                    return (found, null);
                }
                found.Add(notification);
            }
            cursor = ChannelJson.Text(answer, "cursor");
            if (cursor is null || list.GetArrayLength() == 0)
            {
                return (found, null);
            }
        }
        if (since is null)
        {
            // A first poll: its recent activity is all it takes, so there is no burst to go on with.
            return (found, null);
        }
        LogBurst(logger, limits.MaxPagesPerPoll);
        return (found, cursor);
    }

    /// <summary>A mention, reply or quote as an inbound message; null for anything else (likes, follows, the account's own posts).</summary>
    internal static InboundItem? ToInboundItem(Guid channelId, JsonElement notification, string ownDid) =>
        notification.ValueKind == JsonValueKind.Object
            && ChannelJson.Text(notification, "reason") is { } reason && Conversational.Contains(reason)
            ? FromPost(channelId, notification, ownDid)
            : null;

    /// <summary>
    /// A post as an item: a notification (mention, reply, quote), or a post view a listening search found (same uri,
    /// author, record and indexedAt). Null without a uri or an author, or for the account's own posts.
    /// </summary>
    internal static InboundItem? FromPost(Guid channelId, JsonElement notification, string? ownDid)
    {
        if (notification.ValueKind != JsonValueKind.Object
            || ChannelJson.Text(notification, "uri") is not { } uri
            || !notification.TryGetProperty("author", out var author) || author.ValueKind != JsonValueKind.Object
            || ChannelJson.Text(author, "did") is not { } did || did == ownDid)
        {
            return null;
        }
        var record = notification.TryGetProperty("record", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        var reply = record.ValueKind == JsonValueKind.Object && record.TryGetProperty("reply", out var rp) && rp.ValueKind == JsonValueKind.Object ? rp : default;
        var indexedAt = Date(notification, "indexedAt");
        var createdAt = record.ValueKind == JsonValueKind.Object ? Date(record, "createdAt") : null;
        // createdAt is the author's device clock: one in the future is taken as the time Bluesky saw the post.
        if (createdAt is null || createdAt > indexedAt)
        {
            createdAt = indexedAt;
        }
        return new InboundItem
        {
            ChannelId = channelId,
            ExternalId = uri,
            AuthorHandle = "@" + (ChannelJson.Text(author, "handle") ?? did),
            AuthorName = ChannelJson.Text(author, "displayName") is { } name && !string.IsNullOrWhiteSpace(name) ? name : null,
            Text = record.ValueKind == JsonValueKind.Object ? ChannelJson.Text(record, "text") ?? "" : "",
            CreatedAt = createdAt?.UtcDateTime,
            InReplyToExternalId = Uri(reply, "parent"),
            // The thread's first post: a whole thread is one conversation; a post that starts one is its own root.
            ThreadId = Uri(reply, "root") ?? uri,
            IsPublic = true,
            RawPayload = notification.GetRawText(),
        };
    }

    private static string? Uri(JsonElement reply, string which) =>
        reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty(which, out var reference) && reference.ValueKind == JsonValueKind.Object
            ? ChannelJson.Text(reference, "uri")
            : null;

    private static DateTimeOffset? Later(DateTimeOffset? one, DateTimeOffset? other) => one is null || other > one ? other : one;

    private static DateTimeOffset? Date(JsonElement element, string name) =>
        ChannelJson.Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    private async Task RecordErrorAsync(RapportDbContext db, Channel channel, BlueskyChannelState state, string message)
    {
        channel.State = state.Write();
        channel.LastError = message;
        channel.LastErrorAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bluesky channel {Channel} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid channel, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "More than {Pages} pages of Bluesky notifications arrived since the last poll; the older ones are read at the next poll, from where this one stopped.")]
    private static partial void LogBurst(ILogger logger, int pages);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bluesky channel {Channel}: the notifications could not be stored.")]
    private static partial void LogNotStored(ILogger logger, Guid channel, Exception e);
}
