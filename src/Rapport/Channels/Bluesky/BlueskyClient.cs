using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Rapport.Channels.Feeds;
using Rapport.Resources;

namespace Rapport.Channels.Bluesky;

/// <summary>Opens a <see cref="BlueskyClient"/> for a channel, with its settings and app password.</summary>
public sealed class BlueskyConnector(IHttpClientFactory httpClients, ChannelSecrets secrets, BlueskySessions sessions, IOptions<BlueskyOptions> options, TimeProvider clock)
{
    /// <exception cref="BlueskyException">The settings miss something; the message says what to set.</exception>
    public BlueskyClient Open(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var settings = BlueskyChannelSettings.Read(channel.Settings);
        var service = settings.Service
            ?? throw new BlueskyException(StoredText.English("Stored.Bluesky.NoService"), transient: false);
        var identifier = settings.Account
            ?? throw new BlueskyException(StoredText.English("Stored.Bluesky.NoAccount"), transient: false);
        var password = secrets.Unprotect(channel.ProtectedSecrets).GetValueOrDefault(BlueskyChannelSettings.AppPasswordSecret);
        if (string.IsNullOrEmpty(password))
        {
            throw new BlueskyException(
                StoredText.English("Stored.Bluesky.NoAppPassword", identifier),
                transient: false);
        }
        return new BlueskyClient(httpClients.CreateClient(BlueskyOptions.HttpClientName), sessions, options.Value.Timeout, clock, channel.Id, service, identifier, password);
    }
}

/// <summary>
/// XRPC calls to one account's server: signs in with <c>com.atproto.server.createSession</c>, refreshes the session
/// with <c>refreshSession</c> when the access token has expired, and signs in afresh when the refresh token is refused.
/// Every failure becomes a <see cref="BlueskyException"/> with a sentence meant for the person who set the channel up.
/// </summary>
public sealed class BlueskyClient
{
    private readonly HttpClient http;
    private readonly BlueskySessions sessions;
    private readonly TimeSpan timeout;
    private readonly TimeProvider clock;
    private readonly Guid channelId;
    private readonly Uri service;
    private readonly string identifier;
    private readonly string password;
    private readonly string fingerprint;

    internal BlueskyClient(HttpClient http, BlueskySessions sessions, TimeSpan timeout, TimeProvider clock, Guid channelId, Uri service, string identifier, string password)
    {
        this.http = http;
        this.sessions = sessions;
        this.timeout = timeout;
        this.clock = clock;
        this.channelId = channelId;
        this.service = service;
        this.identifier = identifier;
        this.password = password;
        fingerprint = BlueskySessions.Fingerprint(service, identifier, password);
    }

    /// <summary>
    /// When the server said the rate limit is spent (<c>RateLimit-Remaining: 0</c>) or answered 429, the moment it
    /// resets (<c>RateLimit-Reset</c>): nothing more should be asked of it before then.
    /// </summary>
    public DateTimeOffset? WaitUntil { get; private set; }

    /// <summary>The session in use, made when first needed.</summary>
    public async Task<BlueskySession> SignInAsync(CancellationToken ct)
    {
        if (sessions.Get(channelId, fingerprint) is { } known)
        {
            return known;
        }
        JsonElement answer;
        try
        {
            answer = await SendAsync(HttpMethod.Post, "com.atproto.server.createSession", null, new JsonObject { ["identifier"] = identifier, ["password"] = password }, null, ct);
        }
        catch (BlueskyException e) when (e.Error is "AuthenticationRequired" or "AuthFactorTokenRequired")
        {
            throw new BlueskyException(
                e.Error == "AuthFactorTokenRequired"
                    ? $"{service.Host} asks for a sign-in code sent by e-mail for {identifier}: use an app password, which signs in without one."
                    : $"{service.Host} refused the identifier or app password for {identifier}: check the identifier, or make a new app password and set it as the \"appPassword\" secret.",
                transient: false, error: e.Error, inner: e);
        }
        return Remember(answer);
    }

    /// <summary>Signs in afresh even when a session is kept, so a changed or revoked app password shows at once.</summary>
    public Task<BlueskySession> NewSessionAsync(CancellationToken ct)
    {
        sessions.Forget(channelId);
        return SignInAsync(ct);
    }

    /// <summary>A query (HTTP GET) with the session's access token.</summary>
    public Task<JsonElement> QueryAsync(string nsid, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var query = string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        return CallAsync(HttpMethod.Get, nsid, query.Length == 0 ? null : "?" + query, null, ct);
    }

    /// <summary>A procedure (HTTP POST of a JSON body) with the session's access token.</summary>
    public Task<JsonElement> ProcedureAsync(string nsid, JsonObject body, CancellationToken ct) => CallAsync(HttpMethod.Post, nsid, null, body, ct);

    private async Task<JsonElement> CallAsync(HttpMethod method, string nsid, string? query, JsonObject? body, CancellationToken ct)
    {
        var session = await SignInAsync(ct);
        try
        {
            return await SendAsync(method, nsid, query, body, session.AccessJwt, ct);
        }
        catch (BlueskyException e) when (e.Error is "ExpiredToken" or "InvalidToken")
        {
            // Access tokens live minutes: refreshed once, then the call is made again.
            session = await RenewAsync(session, ct);
            return await SendAsync(method, nsid, query, body, session.AccessJwt, ct);
        }
    }

    private async Task<BlueskySession> RenewAsync(BlueskySession expired, CancellationToken ct)
    {
        try
        {
            return Remember(await SendAsync(HttpMethod.Post, "com.atproto.server.refreshSession", null, null, expired.RefreshJwt, ct));
        }
        catch (BlueskyException e) when (!e.Transient)
        {
            // The refresh token expired or was revoked too: the app password makes a new session.
            sessions.Forget(channelId);
            return await SignInAsync(ct);
        }
    }

    private BlueskySession Remember(JsonElement answer)
    {
        var session = new BlueskySession(fingerprint, Text(answer, "accessJwt"), Text(answer, "refreshJwt"), Text(answer, "did"), Text(answer, "handle"));
        sessions.Set(channelId, session);
        return session;
    }

    private string Text(JsonElement answer, string name) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new BlueskyException($"{service.Host} answered the sign-in without \"{name}\": it does not look like an AT Protocol server.", transient: false);

    private async Task<JsonElement> SendAsync(HttpMethod method, string nsid, string? query, JsonObject? body, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(service, "/xrpc/" + nsid + query));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        using var deadline = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            using var response = await http.SendAsync(request, linked.Token);
            var reset = NoteRateLimit(response);
            var text = await response.Content.ReadAsStringAsync(linked.Token);
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    using var document = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
                    return document.RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new BlueskyException($"{service.Host} answered {nsid} with something that is not JSON; Rapport will try again.", transient: true, inner: e);
                }
            }
            throw Refusal(response, nsid, text, reset);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new BlueskyException(StoredText.English("Stored.Http.TimeoutLimit", service.Host, timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)), transient: true, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new BlueskyException(FeedPoller.ConnectionMessage(service, e), transient: e.HttpRequestError != HttpRequestError.SecureConnectionError, inner: e);
        }
        catch (IOException e)
        {
            throw new BlueskyException(StoredText.English("Stored.Http.Broke", service.Host, e.Message), transient: true, inner: e);
        }
    }

    private BlueskyException Refusal(HttpResponseMessage response, string nsid, string body, DateTimeOffset? reset)
    {
        var (error, message) = XrpcError(body);
        var code = (int)response.StatusCode;
        var said = error is null ? "" : message is null ? $" ({error})" : $" ({error}: {message})";
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var now = clock.GetUtcNow();
            var until = reset ?? (response.Headers.RetryAfter?.Delta is { } delta ? now + delta : now.AddMinutes(1));
            WaitUntil = until;
            var wait = until > now ? until - now : TimeSpan.FromSeconds(1);
            return new BlueskyException(
                $"{service.Host} asks Rapport to slow down (rate limit reached){said}; Rapport waits until {until.UtcDateTime:HH:mm:ss} UTC.",
                transient: true, wait, error ?? "RateLimitExceeded");
        }
        if (code >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)
        {
            return new BlueskyException($"{service.Host} answered {nsid} with HTTP {code} ({response.ReasonPhrase}){said}; Rapport will try again.", transient: true, error: error);
        }
        return new BlueskyException($"{service.Host} refused {nsid} with HTTP {code}{said}.", transient: false, error: error);
    }

    /// <summary>The XRPC error body, <c>{"error": "Name", "message": "…"}</c>, cut to a readable length.</summary>
    private static (string? Error, string? Message) XrpcError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? ChannelJson.Cut(e.GetString()!, 64) : null;
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? ChannelJson.Cut(m.GetString()!, 300) : null;
            return (error, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>Reads <c>RateLimit-Remaining</c> and <c>RateLimit-Reset</c> (Unix seconds, or seconds from now on other servers).</summary>
    private DateTimeOffset? NoteRateLimit(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("RateLimit-Reset", out var resets)
            || !long.TryParse(resets.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }
        // Bluesky sends the reset as a Unix time; the IETF draft as a number of seconds: a small number is a delay.
        var reset = value > 1_000_000_000 ? DateTimeOffset.FromUnixTimeSeconds(value) : clock.GetUtcNow().AddSeconds(value);
        if (response.Headers.TryGetValues("RateLimit-Remaining", out var remaining) && remaining.FirstOrDefault() == "0")
        {
            WaitUntil = reset;
        }
        return reset;
    }
}
