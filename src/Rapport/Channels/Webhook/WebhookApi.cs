using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Rapport.Data;

namespace Rapport.Channels.Webhook;

/// <summary>
/// The anonymous, signed endpoints of webhook channels: deliveries in, and Meta's verify-token handshake.
/// Authentication is the HMAC signature with the channel's signing secret, not a user or a token.
/// </summary>
public static class WebhookApi
{
    public static void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/hooks/{channelId:guid}", ReceiveAsync).AllowAnonymous()
            .WithSummary("Receives a signed delivery of messages for a webhook channel (X-Rapport-Signature or X-Hub-Signature-256).");
        api.MapGet("/hooks/{channelId:guid}", VerifyAsync).AllowAnonymous()
            .WithSummary("Meta-style verify-token handshake: echoes hub.challenge when hub.verify_token is the channel's.");
    }

    private static async Task<Results<Accepted<WebhookAccepted>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        Guid channelId, HttpContext http, RapportDbContext db, WebhookReceiver receiver, CancellationToken ct)
    {
        // The signature covers the exact bytes sent, so the body is read raw before any parsing.
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, ct);
        var headers = http.Request.Headers;
        var signature = headers.TryGetValue(WebhookSignature.Header, out var rapport) ? rapport.ToString()
            : headers.TryGetValue(WebhookSignature.MetaHeader, out var meta) ? meta.ToString()
            : null;
        return await receiver.ReceiveAsync(db, channelId, body.GetBuffer().AsMemory(0, (int)body.Length), signature, ct);
    }

    private static Task<Results<ContentHttpResult, ProblemHttpResult>> VerifyAsync(
        Guid channelId,
        [FromQuery(Name = "hub.mode")] string? mode,
        [FromQuery(Name = "hub.verify_token")] string? token,
        [FromQuery(Name = "hub.challenge")] string? challenge,
        RapportDbContext db, WebhookReceiver receiver, CancellationToken ct) =>
        receiver.VerifyAsync(db, channelId, mode, token, challenge, ct);
}
