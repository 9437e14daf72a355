using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Rapport.Resources;

namespace Rapport.Channels.Mastodon;

/// <summary>A Mastodon instance's answer or silence, in one plain sentence the channel's health and the agent can show.</summary>
public sealed class MastodonException(string message, bool transient, DateTime? retryAt = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Worth trying again later (network, timeout, 5xx, rate limit) rather than a setting to fix.</summary>
    public bool Transient { get; } = transient;

    /// <summary>When the instance accepts requests again (its rate limit resets), when it said so.</summary>
    public DateTime? RetryAt { get; } = retryAt;

    /// <summary>The HTTP status the instance answered, when it answered one (404: the status or account is gone).</summary>
    public int? Status { get; internal set; }
}

/// <summary>What the instance says about its rate limit (X-RateLimit-Remaining, X-RateLimit-Reset).</summary>
public sealed record MastodonRateLimit(int? Remaining, DateTime? Reset)
{
    /// <summary>No request is left before <see cref="Reset"/>.</summary>
    public bool Exhausted => Remaining is <= 0 && Reset is not null;
}

/// <summary>A successful answer: its JSON body, the Link header's newer and older pages, and the rate limit.</summary>
public sealed record MastodonAnswer(string Body, Uri? Newer, Uri? Older, MastodonRateLimit RateLimit);

/// <summary>
/// The HTTP side of the Mastodon adapter: authenticated requests to one instance, and every way they can fail turned
/// into a <see cref="MastodonException"/> that says what is wrong. Redirects are not followed, so the access token
/// never travels to another server.
/// </summary>
public sealed class MastodonClient(IHttpClientFactory httpClients, ChannelSecrets secrets, IOptions<MastodonOptions> options, TimeProvider clock)
{
    /// <summary>How long to wait after a 429 that says nothing about its reset.</summary>
    private static readonly TimeSpan DefaultRateLimitWait = TimeSpan.FromMinutes(5);

    public MastodonOptions Options => options.Value;

    /// <summary>The channel's instance and access token, or the setting to fix.</summary>
    public (Uri Instance, string Token) Connection(Channel channel)
    {
        var settings = MastodonChannelSettings.Read(channel.Settings);
        var instance = MastodonChannelSettings.Instance(settings.InstanceUrl, options.Value.AllowInsecureHttp);
        var token = secrets.Unprotect(channel.ProtectedSecrets).GetValueOrDefault(MastodonChannelSettings.AccessTokenSecret);
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new MastodonException(
                StoredText.English("Stored.Mastodon.NoToken", MastodonClient.Host(instance), MastodonChannelSettings.AccessTokenSecret),
                transient: false);
        }
        return (instance, token.Trim());
    }

    /// <summary>
    /// A listening channel's instance and its access token when one is set: public hashtag timelines and public search
    /// answer without one, though an instance may ask for it (then its 401 says so on the channel).
    /// </summary>
    public (Uri Instance, string? Token) ListeningConnection(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var settings = MastodonChannelSettings.Read(channel.Settings);
        var instance = MastodonChannelSettings.Instance(settings.InstanceUrl, options.Value.AllowInsecureHttp);
        var token = secrets.Unprotect(channel.ProtectedSecrets).GetValueOrDefault(MastodonChannelSettings.AccessTokenSecret);
        return (instance, string.IsNullOrWhiteSpace(token) ? null : token.Trim());
    }

    /// <summary>Sends a request with the token (none for a public read) and returns the answer, or throws a <see cref="MastodonException"/>.</summary>
    public async Task<MastodonAnswer> SendAsync(HttpRequestMessage request, string? token, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = Host(request.RequestUri);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(MastodonOptions.HttpClientName).SendAsync(request, ct);
        }
        catch (Exception e) when (Describe(e, host, ct) is { } described)
        {
            throw described;
        }
        using (response)
        {
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(ct);
            }
            catch (Exception e) when (Describe(e, host, ct) is { } described)
            {
                throw described;
            }
            var limit = RateLimit(response);
            if (!response.IsSuccessStatusCode)
            {
                throw Refusal(response, body, host, limit);
            }
            var links = Links(response, request.RequestUri);
            return new MastodonAnswer(body, links.GetValueOrDefault("prev"), links.GetValueOrDefault("next"), limit);
        }
    }

    /// <summary>The account the token belongs to (<c>verify_credentials</c>): its id, <c>acct</c> and display name.</summary>
    public async Task<JsonElement> AccountAsync(Uri instance, string token, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instance);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance, "api/v1/accounts/verify_credentials"));
        var answer = await SendAsync(request, token, ct);
        using var document = Parse(answer.Body, instance);
        var account = document.RootElement;
        if (account.ValueKind != JsonValueKind.Object || ChannelJson.Text(account, "acct") is null || ChannelJson.Text(account, "id") is null)
        {
            throw Malformed(instance, "the account has no id or acct");
        }
        return account.Clone();
    }

    /// <summary>Opens a long-lived request (the streaming API) and returns the response once its headers arrived.</summary>
    /// <remarks>
    /// An instance that serves streaming from another host answers with a redirect to it (its documented discovery):
    /// that one redirect is followed, over https only, since the instance itself named the server.
    /// </remarks>
    public async Task<HttpResponseMessage> OpenStreamAsync(Uri url, string token, CancellationToken ct, bool redirected = false)
    {
        ArgumentNullException.ThrowIfNull(url);
        var host = Host(url);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(MastodonOptions.StreamingClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (Exception e) when (Describe(e, host, ct) is { } described)
        {
            throw described;
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        if (!redirected && (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location
            && Uri.TryCreate(url, location, out var target) && (target.Scheme == Uri.UriSchemeHttps || target.Scheme == url.Scheme))
        {
            response.Dispose();
            return await OpenStreamAsync(target, token, ct, redirected: true);
        }
        using (response)
        {
            throw Refusal(response, await response.Content.ReadAsStringAsync(ct), host, RateLimit(response));
        }
    }

    /// <summary>Parses a JSON answer; a body that is not JSON is the instance's fault, said in words.</summary>
    public static JsonDocument Parse(string body, Uri instance)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw Malformed(instance, e.Message, e);
        }
    }

    public static MastodonException Malformed(Uri? instance, string detail, Exception? inner = null) =>
        new(StoredText.English("Stored.Mastodon.Malformed", Host(instance), ChannelJson.Cut(detail, 200)),
            transient: true, inner: inner);

    public MastodonException RateLimited(string host, DateTime until) =>
        new(StoredText.English("Stored.Mastodon.RateLimited", host, until.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)), transient: true, until);

    /// <summary>The Link header's page, only on the channel's own instance: the token never goes anywhere else.</summary>
    internal static Uri? SameInstance(Uri? link, Uri instance) =>
        link is null ? null
        : Uri.Compare(link, instance, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0 ? link
        : throw new MastodonException(StoredText.English("Stored.Mastodon.OtherServer", Host(instance), Host(link)), transient: false);

    internal static string Host(Uri? uri) => uri is null ? StoredText.English("Stored.Mastodon.TheInstance") : uri.IsDefaultPort ? uri.Host : uri.Authority;

    private MastodonException Refusal(HttpResponseMessage response, string body, string host, MastodonRateLimit limit)
    {
        var status = (int)response.StatusCode;
        var said = ErrorText(body);
        var because = said is null ? "" : $": \"{said}\"";
        MastodonException refusal = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new($"{host} refused the access token{because}. Check the token in the channel's settings (it needs read:notifications, read:statuses and write:statuses).", transient: false),
            HttpStatusCode.Forbidden => new($"{host} refused the request{because}. The access token may lack a scope (read:notifications, read:statuses, write:statuses).", transient: false),
            HttpStatusCode.NotFound => new($"{host} answered 404 Not Found{because}. Check that the address is the instance's own (for example https://mastodon.social).", transient: false),
            HttpStatusCode.TooManyRequests => RateLimited(host, RetryAt(response, limit)),
            HttpStatusCode.RequestTimeout => new($"{host} answered 408 Request Timeout; Rapport tries again.", transient: true),
            _ when status >= 500 => new($"{host} answered {status} {response.ReasonPhrase}{because}; the instance has a problem, Rapport tries again.".Replace(" ;", ";", StringComparison.Ordinal), transient: true),
            _ when status is >= 300 and < 400 => new($"{host} redirected the request to {response.Headers.Location}: use the instance's own address in the channel's settings.", transient: false),
            _ => new($"{host} refused the request ({status} {response.ReasonPhrase}){because}.", transient: false),
        };
        refusal.Status = status;
        return refusal;
    }

    private DateTime RetryAt(HttpResponseMessage response, MastodonRateLimit limit)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (limit.Reset is { } reset && reset > now)
        {
            return reset;
        }
        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => now + delta,
            { Date: { } date } when date.UtcDateTime > now => date.UtcDateTime,
            _ => now + DefaultRateLimitWait,
        };
    }

    private static MastodonRateLimit RateLimit(HttpResponseMessage response)
    {
        int? remaining = response.Headers.TryGetValues("X-RateLimit-Remaining", out var r)
            && int.TryParse(r.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var left) ? left : null;
        DateTime? reset = response.Headers.TryGetValues("X-RateLimit-Reset", out var s)
            && DateTimeOffset.TryParse(s.FirstOrDefault(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.UtcDateTime : null;
        return new MastodonRateLimit(remaining, reset);
    }

    /// <summary>Mastodon's error body is <c>{"error": "…"}</c>; anything else is not quoted.</summary>
    private static string? ErrorText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                && error.GetString() is { Length: > 0 } text
                ? ChannelJson.Cut(text, 300)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The RFC 8288 Link header: <c>&lt;url&gt;; rel="next", &lt;url&gt;; rel="prev"</c>, relative to the request.</summary>
    internal static Dictionary<string, Uri> Links(HttpResponseMessage response, Uri? requestUri)
    {
        var links = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return links;
        }
        foreach (var part in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var close = part.IndexOf('>', StringComparison.Ordinal);
            if (!part.StartsWith('<') || close < 0)
            {
                continue;
            }
            var target = part[1..close];
            foreach (var parameter in part[(close + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (parameter.StartsWith("rel=", StringComparison.OrdinalIgnoreCase)
                    && Uri.TryCreate(requestUri, target, out var uri))
                {
                    links[parameter[4..].Trim('"')] = uri;
                }
            }
        }
        return links;
    }

    internal MastodonException? Describe(Exception e, string host, CancellationToken ct) => e switch
    {
        MastodonException known => known,
        OperationCanceledException when !ct.IsCancellationRequested => new(StoredText.English("Stored.Http.TimeoutRetry", host, options.Value.Timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)), transient: true, inner: e),
        HttpRequestException refusedRequest when PublicHosts.Refusal(refusedRequest) is { } refused => new(refused.Message, transient: false, inner: e),
        HttpRequestException { InnerException: AuthenticationException } =>
            new(StoredText.English("Stored.Mastodon.Tls", host), transient: true, inner: e),
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } =>
            new(StoredText.English("Stored.Mastodon.Refused", host), transient: true, inner: e),
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } } =>
            new(StoredText.English("Stored.Mastodon.NotFound", host), transient: true, inner: e),
        HttpRequestException http => new(StoredText.English("Stored.Mastodon.Unreachable", host, http.Message), transient: true, inner: e),
        IOException io => new(StoredText.English("Stored.Http.Broke", host, io.Message), transient: true, inner: e),
        _ => null,
    };
}
