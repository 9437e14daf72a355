using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Resources;

namespace Rapport.Channels.Mastodon;

/// <summary>What one poll of a Mastodon channel did.</summary>
/// <param name="ChannelId">The Mastodon channel polled.</param>
/// <param name="Ok">The poll succeeded (or the channel is paused).</param>
/// <param name="Ingested">New messages stored.</param>
/// <param name="Pages">Pages of notifications read.</param>
/// <param name="Error">Why the poll failed or stopped early, also stored on the channel as its last error.</param>
public sealed record MastodonPollResult(Guid ChannelId, bool Ok, int Ingested, int Pages, string? Error);

/// <summary>
/// Reads a Mastodon channel's mentions (public ones and direct messages) from <c>GET /api/v1/notifications</c>:
/// the page after the newest notification already read, then the newer pages the Link header points to, until none
/// is left, each through the one ingest path, oldest first. The cursor is saved after every page, so a failure
/// halfway keeps what was read and the next poll goes on from there. The instance's rate limit is honoured: once it
/// is used up, nothing is sent to the instance before its reset, and the channel's health says until when.
/// </summary>
public sealed partial class MastodonPoller(
    IngestService ingest,
    RapportDbContextFactory factory,
    MastodonClient client,
    TimeProvider clock,
    ILogger<MastodonPoller> logger)
{
    /// <summary>Notifications per page: Mastodon's default, and the page size the Link header keeps.</summary>
    public const int PageSize = 40;

    /// <summary>Polls the channel now, whenever it was last polled. A paused channel is left alone.</summary>
    public async Task<MastodonPollResult> PollAsync(Guid channelId, CancellationToken ct = default)
    {
        await using var db = factory.CreateDbContext();
        var channel = await db.Channels.IgnoreQueryFilters().FirstOrDefaultAsync(c => c.Id == channelId, ct)
            ?? throw new ArgumentException($"No channel {channelId}.", nameof(channelId));
        if (channel.Kind != ChannelKind.Mastodon)
        {
            throw new ArgumentException($"Channel {channelId} is a {channel.Kind} channel, not a Mastodon one.", nameof(channelId));
        }
        // A sandbox (demo) channel has no network to read: polling it now does nothing, and shows no error.
        if (channel.Paused || channel.Sandbox)
        {
            return new MastodonPollResult(channelId, Ok: true, 0, 0, null);
        }
        if (channel.Direction == ChannelDirection.Listening)
        {
            return await ListenAsync(db, channel, ct);
        }

        var state = MastodonChannelState.Read(channel.State);
        var ingested = 0;
        var pages = 0;
        try
        {
            var (instance, token) = client.Connection(channel);
            state = Resume(state, instance);

            var firstPoll = state.LastNotificationId is null;
            // The first poll reads the newest page only: older mentions are from before the channel was connected.
            Uri? next = new(instance, "api/v1/notifications?types[]=mention&limit=" + PageSize.ToString(CultureInfo.InvariantCulture)
                + (firstPoll ? "" : "&min_id=" + Uri.EscapeDataString(state.LastNotificationId!)));
            string? stopped = null;
            await using var ingestDb = factory.CreateDbContext();
            while (next is not null)
            {
                if (pages == client.Options.MaxPagesPerPoll)
                {
                    // The rest comes at the next poll, from the cursor saved below.
                    break;
                }
                using var request = new HttpRequestMessage(HttpMethod.Get, next);
                var answer = await client.SendAsync(request, token, ct);
                pages++;
                var notifications = ReadPage(answer.Body, instance);
                foreach (var notification in notifications)
                {
                    if (MastodonStatus.ToInboundItem(channel.Id, instance, notification) is { } item)
                    {
                        ingested += (await ingest.IngestAsync(ingestDb, channel.WorkspaceId, item, ct)).Created ? 1 : 0;
                    }
                    var id = ChannelJson.Text(notification, "id");
                    if (MastodonStatus.CompareIds(id, state.LastNotificationId) > 0)
                    {
                        state = state with { LastNotificationId = id };
                    }
                }
                channel.State = state.Write();
                await db.SaveChangesAsync(ct);

                if (answer.RateLimit.Exhausted)
                {
                    state = state with { RateLimitedUntil = answer.RateLimit.Reset };
                    stopped = client.RateLimited(MastodonClient.Host(instance), answer.RateLimit.Reset!.Value).Message;
                    break;
                }
                next = firstPoll || notifications.Count < PageSize ? null : MastodonClient.SameInstance(answer.Newer, instance);
            }

            channel.State = state.Write();
            channel.LastPolledAt = clock.GetUtcNow().UtcDateTime;
            channel.LastError = stopped;
            channel.LastErrorAt = stopped is null ? null : channel.LastPolledAt;
            await db.SaveChangesAsync(ct);
            return new MastodonPollResult(channelId, Ok: true, ingested, pages, stopped);
        }
        catch (MastodonException e)
        {
            LogFailed(logger, channelId, e.Message);
            if (e.RetryAt is { } retryAt)
            {
                state = state with { RateLimitedUntil = retryAt };
            }
            await RecordErrorAsync(db, channel, state, e.Message);
            return new MastodonPollResult(channelId, Ok: false, ingested, pages, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not the instance's fault (the database, most likely): still shown on the channel; the next poll goes on from the cursor.
            LogNotStored(logger, channelId, e);
            const string message = "Rapport could not store this channel's mentions; the server log has the details. It will try again at the next poll.";
            await RecordErrorAsync(db, channel, state, message);
            return new MastodonPollResult(channelId, Ok: false, ingested, pages, message);
        }
    }

    /// <summary>
    /// Ingests one notification the streaming API delivered. The polling cursor stays where it is: the next poll reads
    /// this notification again and ingest finds it stored, so a stream that drops events never makes polling skip any.
    /// </summary>
    /// <returns>True when a new message was stored.</returns>
    public async Task<bool> IngestStreamedAsync(Channel channel, string data, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var (instance, _) = client.Connection(channel);
        using var document = MastodonClient.Parse(data, instance);
        if (MastodonStatus.ToInboundItem(channel.Id, instance, document.RootElement) is not { } item)
        {
            return false;
        }
        await using var db = factory.CreateDbContext();
        return (await ingest.IngestAsync(db, channel.WorkspaceId, item, ct)).Created;
    }

    /// <summary>Asks the instance who the token belongs to, storing nothing: the settings page's "test the connection".</summary>
    public async Task<ChannelTestResult> TestAsync(Channel channel, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (channel.Direction == ChannelDirection.Listening)
        {
            return await TestListeningAsync(channel, ct);
        }
        try
        {
            var (instance, token) = client.Connection(channel);
            var account = await client.AccountAsync(instance, token, ct);
            var acct = ChannelJson.Text(account, "acct")!;
            var name = ChannelJson.Text(account, "display_name");
            var who = MastodonStatus.Handle(acct, instance) + (string.IsNullOrWhiteSpace(name) ? "" : $" ({name})");
            return new ChannelTestResult(true, StoredText.English("Stored.Test.SignedInAs", MastodonClient.Host(instance), who), null);
        }
        catch (MastodonException e)
        {
            return new ChannelTestResult(false, null, e.Message);
        }
    }

    /// <summary>A page is a JSON array of notifications, returned oldest first (Mastodon lists the newest first).</summary>
    private static List<JsonElement> ReadPage(string body, Uri instance)
    {
        using var document = MastodonClient.Parse(body, instance);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw MastodonClient.Malformed(instance, "the notifications are not a JSON array");
        }
        var notifications = document.RootElement.EnumerateArray().Select(n => n.Clone()).ToList();
        if (notifications.Any(n => n.ValueKind != JsonValueKind.Object || ChannelJson.Text(n, "id") is null))
        {
            throw MastodonClient.Malformed(instance, "a notification has no id");
        }
        notifications.Sort((a, b) => MastodonStatus.CompareIds(ChannelJson.Text(a, "id"), ChannelJson.Text(b, "id")));
        return notifications;
    }

    private async Task RecordErrorAsync(RapportDbContext db, Channel channel, MastodonChannelState state, string message)
    {
        channel.State = state.Write();
        channel.LastError = message;
        channel.LastErrorAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mastodon channel {Channel} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid channel, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Mastodon channel {Channel}: the mentions could not be stored.")]
    private static partial void LogNotStored(ILogger logger, Guid channel, Exception e);

    /// <summary>
    /// The channel's state for this poll: started afresh on another instance (its ids mean nothing here, and ingest skips
    /// what is already stored), and refused while the instance's rate limit still holds.
    /// </summary>
    private MastodonChannelState Resume(MastodonChannelState state, Uri instance)
    {
        if (state.Instance != instance.AbsoluteUri)
        {
            state = new MastodonChannelState { Instance = instance.AbsoluteUri };
        }
        if (state.RateLimitedUntil is { } until && until > clock.GetUtcNow().UtcDateTime)
        {
            throw client.RateLimited(MastodonClient.Host(instance), until);
        }
        return state with { RateLimitedUntil = null };
    }
}
