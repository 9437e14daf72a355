using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Rapport.Outbox;
using Rapport.Resources;

namespace Rapport.Channels.Webhook;

/// <summary>The reply a webhook channel's callback URL receives, signed like inbound deliveries.</summary>
public sealed record WebhookReply(
    string Id, long Timestamp, string Type, Guid MessageId, Guid ConversationId, string? ThreadId, string? InReplyToExternalId,
    string? Subject, bool IsPublic, string AuthorName, string Text, string? Network);

/// <summary>A post the callback URL receives for the brand's integration to publish, signed like replies.</summary>
public sealed record WebhookPost(string Id, long Timestamp, string Type, Guid PostId, string AuthorName, string Text, string? Language, string? Network);

/// <summary>
/// Delivers replies of webhook channels: a signed JSON POST to the channel's <c>callbackUrl</c> setting, with the outbox
/// item's <c>Idempotency-Key</c> so a receiver can drop a second copy after a crash.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpClients, ChannelSecrets secrets) : IChannelSender
{
    public const string HttpClientName = "rapport.webhook";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<SendOutcome> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var payload = ReplyPayload.Of(delivery.Item);
        var settings = WebhookSettings.Read(delivery.Channel.Settings);
        var reply = new WebhookReply(delivery.Item.IdempotencyKey, new DateTimeOffset(delivery.Now).ToUnixTimeSeconds(), "reply",
            delivery.Message.Id, payload.ConversationId, payload.ThreadId, payload.InReplyToExternalId, payload.Subject, payload.IsPublic,
            payload.AuthorName, payload.Text, settings.Network);
        return DeliverAsync(delivery.Channel, settings, delivery.Item, JsonSerializer.SerializeToUtf8Bytes(reply, Json), delivery.Now, cancellationToken);
    }

    /// <summary>A post goes to the same callback URL, typed "post", for the brand's integration to publish.</summary>
    public Task<SendOutcome> PublishAsync(PostDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var settings = WebhookSettings.Read(delivery.Channel.Settings);
        var post = new WebhookPost(delivery.Item.IdempotencyKey, new DateTimeOffset(delivery.Now).ToUnixTimeSeconds(), "post", delivery.Item.Id,
            delivery.Post.AuthorName, delivery.Post.Text, delivery.Post.Language, settings.Network);
        return DeliverAsync(delivery.Channel, settings, delivery.Item, JsonSerializer.SerializeToUtf8Bytes(post, Json), delivery.Now, cancellationToken);
    }

    private async Task<SendOutcome> DeliverAsync(Channel channel, WebhookSettings settings, OutboxItem item, byte[] body, DateTime now, CancellationToken cancellationToken)
    {
        if (settings.CallbackUrl is null)
        {
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.NoCallbackUrl"));
        }
        if (!secrets.Unprotect(channel.ProtectedSecrets).TryGetValue(WebhookSignature.SecretName, out var secret) || secret.Length == 0)
        {
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.NoSigningSecret"));
        }
        var signature = WebhookSignature.Sign(secret, body);

        using var request = new HttpRequestMessage(HttpMethod.Post, settings.CallbackUrl);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.Header, signature);
        request.Headers.Add(WebhookSignature.MetaHeader, signature);
        request.Headers.Add("Idempotency-Key", item.IdempotencyKey);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return SendOutcome.Sent(await ExternalIdAsync(response, cancellationToken));
            }
            var error = $"The callback URL answered {status} {response.ReasonPhrase}".TrimEnd() + ".";
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500)
            {
                return SendOutcome.Retry(error, RetryAfter(response, now));
            }
            return SendOutcome.Failed(error + await DetailAsync(response, cancellationToken));
        }
        catch (HttpRequestException e) when (PublicHosts.Refusal(e) is { } refused)
        {
            // Trying again changes nothing until an admin changes the URL or the setting; the agent can retry then.
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.CallbackRefused", refused.Message));
        }
        catch (HttpRequestException e)
        {
            return SendOutcome.Retry(StoredText.English("Stored.Delivery.CallbackUnreachable", e.Message));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendOutcome.Retry(StoredText.English("Stored.Delivery.CallbackTimeout"));
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTime now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - new DateTimeOffset(now),
        _ => null,
    };

    /// <summary>A receiver may answer <c>{"externalId": "…"}</c>, the network's id for the reply, which threads later answers.</summary>
    private static async Task<string?> ExternalIdAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return null;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("externalId", out var id) && id.ValueKind == JsonValueKind.String
                && id.GetString() is { Length: > 0 and <= 256 } value
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The start of the receiver's explanation, so the agent sees why the reply was refused.</summary>
    private static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = (await response.Content.ReadAsStringAsync(ct)).Trim();
        return text.Length == 0 ? "" : " " + (text.Length > 300 ? text[..300] + "…" : text);
    }
}

/// <summary>A webhook channel's non-secret settings: where replies go, and which network it stands for (shown only).</summary>
public sealed record WebhookSettings(Uri? CallbackUrl, string? Network)
{
    public static WebhookSettings Read(string settings)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(settings) ? "{}" : settings);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new(null, null);
            }
            var url = root.TryGetProperty("callbackUrl", out var u) && u.ValueKind == JsonValueKind.String
                && Uri.TryCreate(u.GetString(), UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttps || parsed.Scheme == Uri.UriSchemeHttp)
                ? parsed
                : null;
            var network = root.TryGetProperty("network", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            return new(url, network);
        }
        catch (JsonException)
        {
            return new(null, null);
        }
    }
}
