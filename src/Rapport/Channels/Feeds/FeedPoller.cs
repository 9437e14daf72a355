using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Resources;

namespace Rapport.Channels.Feeds;

/// <summary>What one poll of a feed channel did.</summary>
/// <param name="ChannelId">The feed channel polled.</param>
/// <param name="Ok">The poll succeeded (or the channel is paused).</param>
/// <param name="Ingested">New messages stored.</param>
/// <param name="NotModified">The server answered 304: nothing changed since the last poll.</param>
/// <param name="Error">The reason the poll failed, also stored on the channel as its last error.</param>
public sealed record FeedPollResult(Guid ChannelId, bool Ok, int Ingested, bool NotModified, string? Error);

/// <summary>The answer to "test the connection" on a feed's settings page.</summary>
public sealed record FeedTestResult(bool Ok, string? Title, string? Format, int ItemCount, string? Error);

/// <summary>
/// Reads one feed channel: a conditional GET (the ETag and Last-Modified of the last fetch), the new items
/// through the one ingest path, and the channel's health (last poll, last error) recorded either way.
/// </summary>
public sealed class FeedPoller(
    IngestService ingest,
    RapportDbContextFactory factory,
    IHttpClientFactory httpClients,
    IOptions<FeedOptions> options,
    TimeProvider clock,
    ILogger<FeedPoller> logger)
{
    private readonly FeedOptions limits = options.Value;

    /// <summary>Polls the feed channel now, whenever it was last polled. A paused channel is left alone.</summary>
    public async Task<FeedPollResult> PollAsync(Guid channelId, CancellationToken ct = default)
    {
        await using var db = factory.CreateDbContext();
        var channel = await db.Channels.IgnoreQueryFilters().FirstOrDefaultAsync(c => c.Id == channelId, ct)
            ?? throw new ArgumentException($"No channel {channelId}.", nameof(channelId));
        if (channel.Kind != ChannelKind.Feed)
        {
            throw new ArgumentException($"Channel {channelId} is a {channel.Kind} channel, not a feed.", nameof(channelId));
        }
        // A sandbox (demo) channel has no network to read: polling it now does nothing, and shows no error.
        if (channel.Paused || channel.Sandbox)
        {
            return new FeedPollResult(channelId, Ok: true, 0, NotModified: false, null);
        }

        var settings = FeedChannelSettings.Read(channel.Settings);
        var state = FeedChannelState.Read(channel.State);
        try
        {
            var url = FeedAddress(settings.Url);
            if (state.Url != url.AbsoluteUri)
            {
                // A new address: the old server's validators mean nothing there. The ids stay; ingest dedupes anyway.
                state = state with { Url = url.AbsoluteUri, ETag = null, LastModified = null };
            }
            var fetched = await FetchAsync(url, state.ETag, state.LastModified, ct);
            var ingested = 0;
            if (fetched is not null)
            {
                var document = FeedReader.Parse(fetched.Body, limits.MaxItems, fetched.ContentType);
                var seen = new HashSet<string>(state.Seen, StringComparer.Ordinal);
                var remembered = new List<string>(state.Seen);
                await using (var ingestDb = factory.CreateDbContext())
                {
                    // Feeds list the newest first; ingesting the oldest first keeps conversations in the order things happened.
                    foreach (var entry in document.Entries.Reverse())
                    {
                        if (!seen.Add(entry.Id))
                        {
                            continue;
                        }
                        var result = await ingest.IngestAsync(ingestDb, channel.WorkspaceId, document.ToInboundItem(channel.Id, entry), ct);
                        ingested += result.Created ? 1 : 0;
                        remembered.Add(entry.Id);
                    }
                }
                if (remembered.Count > FeedChannelState.MaxSeenIds)
                {
                    remembered.RemoveRange(0, remembered.Count - FeedChannelState.MaxSeenIds);
                }
                // The validators are stored only once every item is in: a crash before this line fetches the whole feed again.
                state = state with { ETag = fetched.ETag, LastModified = fetched.LastModified, Seen = remembered };
            }
            channel.State = state.Write();
            channel.LastPolledAt = clock.GetUtcNow().UtcDateTime;
            channel.LastError = null;
            channel.LastErrorAt = null;
            await db.SaveChangesAsync(ct);
            return new FeedPollResult(channelId, Ok: true, ingested, NotModified: fetched is null, null);
        }
        catch (FeedException e)
        {
            logger.LogWarning("Feed channel {Channel} failed: {Reason}", channelId, e.Message);
            await RecordErrorAsync(db, channel, e.Message);
            return new FeedPollResult(channelId, Ok: false, 0, NotModified: false, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not the feed's fault (the database, most likely): still shown on the channel, and the next poll starts over.
            logger.LogError(e, "Feed channel {Channel} could not be stored.", channelId);
            var message = StoredText.English("Stored.Feed.NotStored");
            await RecordErrorAsync(db, channel, message);
            return new FeedPollResult(channelId, Ok: false, 0, NotModified: false, message);
        }
    }

    /// <summary>Fetches and parses a feed address without storing anything: the settings page's "test the connection".</summary>
    public async Task<FeedTestResult> TestAsync(string? url, CancellationToken ct = default)
    {
        try
        {
            var fetched = await FetchAsync(FeedAddress(url), null, null, ct)
                ?? throw new FeedException("The server answered 304 Not Modified to a plain request.");
            var document = FeedReader.Parse(fetched.Body, limits.MaxItems, fetched.ContentType);
            return new FeedTestResult(true, document.Title, document.Format, document.Entries.Count, null);
        }
        catch (FeedException e)
        {
            return new FeedTestResult(false, null, null, 0, e.Message);
        }
    }

    private async Task RecordErrorAsync(RapportDbContext db, Channel channel, string message)
    {
        channel.LastError = message;
        channel.LastErrorAt = clock.GetUtcNow().UtcDateTime;
        // The state (validators, seen ids) stays as it was: the next poll retries from the same point.
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private static Uri FeedAddress(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new FeedException(StoredText.English("Stored.Feed.NoAddress"));
        }
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new FeedException(StoredText.English("Stored.Feed.NotAnAddress", url));
        }
        return uri;
    }

    private sealed record Fetched(byte[] Body, string? ContentType, string? ETag, string? LastModified);

    /// <returns>The body, or null when the server says nothing changed (304).</returns>
    private async Task<Fetched?> FetchAsync(Uri url, string? etag, string? lastModified, CancellationToken ct)
    {
        var client = httpClients.CreateClient(FeedOptions.HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!string.IsNullOrEmpty(etag))
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }
        if (!string.IsNullOrEmpty(lastModified))
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        }

        // One deadline for headers and body together: a server that trickles its body cannot hold the worker.
        using var deadline = new CancellationTokenSource(limits.Timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return null;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new FeedException(StatusMessage(response));
            }
            if (response.Content.Headers.ContentLength > limits.MaxBytes)
            {
                throw TooLarge();
            }
            var body = await ReadCappedAsync(response.Content, linked.Token);
            return new Fetched(
                body,
                response.Content.Headers.ContentType?.MediaType,
                // Kept verbatim, even when not quite to the letter of the RFC: the server only has to recognise its own value.
                response.Headers.NonValidated.TryGetValues("ETag", out var etagValue) ? etagValue.ToString() : null,
                response.Content.Headers.NonValidated.TryGetValues("Last-Modified", out var modified) ? modified.ToString() : null);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new FeedException(StoredText.English("Stored.Feed.Timeout", url.Authority, limits.Timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)), e);
        }
        catch (HttpRequestException e)
        {
            throw new FeedException(ConnectionMessage(url, e), e);
        }
        catch (IOException e)
        {
            throw new FeedException(StoredText.English("Stored.Feed.Broke", url.Host, e.Message), e);
        }
    }

    private async Task<byte[]> ReadCappedAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            // Counted after decompression, so a small compressed bomb is stopped too.
            if (buffer.Length + read > limits.MaxBytes)
            {
                throw TooLarge();
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private FeedException TooLarge() =>
        new(StoredText.English("Stored.Feed.TooLarge", (limits.MaxBytes / (1024 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture)));

    private static string StatusMessage(HttpResponseMessage response)
    {
        var code = (int)response.StatusCode;
        var reason = string.IsNullOrWhiteSpace(response.ReasonPhrase) ? response.StatusCode.ToString() : response.ReasonPhrase;
        var sentence = response.StatusCode switch
        {
            HttpStatusCode.NotFound or HttpStatusCode.Gone => "Stored.Feed.StatusNotFound",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => "Stored.Feed.StatusNotPublic",
            HttpStatusCode.TooManyRequests => "Stored.Feed.StatusTooMany",
            _ when code >= 500 => "Stored.Feed.StatusServer",
            _ => "Stored.Feed.Status",
        };
        return StoredText.English(sentence, code, reason!);
    }

    /// <summary>Why a request to <paramref name="url"/> could not be made, in one sentence; shared by the channels that speak HTTP.</summary>
    internal static string ConnectionMessage(Uri url, HttpRequestException e)
    {
        var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
        if (PublicHosts.Refusal(e) is { } refused)
        {
            return refused.Message;
        }
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => StoredText.English("Stored.Http.HostNotFound", url.Host),
            HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.ConnectionRefused =>
                StoredText.English("Stored.Http.Refused", url.Authority),
            HttpRequestError.ConnectionError => StoredText.English("Stored.Http.CouldNotConnect", url.Authority, socket?.Message ?? e.Message),
            HttpRequestError.SecureConnectionError => StoredText.English("Stored.Http.Tls", url.Host, e.InnerException?.Message ?? e.Message),
            _ => StoredText.English("Stored.Http.Failed", url.Authority, e.Message),
        };
    }
}
