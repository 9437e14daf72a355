using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Api;
using Rapport.Data;
using Rapport.Ingest;

namespace Rapport.Channels.Webhook;

/// <summary>
/// Checks a signed delivery (signature, timestamp, delivery id) and hands its messages to ingest. The receipt and
/// the messages are stored in one transaction: a delivery is either wholly taken (later copies get 409) or not at all
/// (the sender's retry goes through).
/// </summary>
public sealed class WebhookReceiver(IngestService ingest, ChannelSecrets secrets, WebhookRefusals refusals, IOptions<WebhookOptions> options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    public async Task<Results<Accepted<WebhookAccepted>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        RapportDbContext db, Guid channelId, ReadOnlyMemory<byte> body, string? signature, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var channel = await FindAsync(db, channelId, ct);
        if (channel is null)
        {
            return NotFound();
        }
        var now = clock.GetUtcNow();
        if (!secrets.Unprotect(channel.ProtectedSecrets).TryGetValue(WebhookSignature.SecretName, out var secret) || secret.Length == 0)
        {
            return await RefusedAsync(db, channel, "This webhook channel has no signing secret; set the \"signingSecret\" secret.", ct);
        }
        if (signature is null)
        {
            return await RefusedAsync(db, channel, $"A delivery came without a signature ({WebhookSignature.Header} or {WebhookSignature.MetaHeader}).", ct);
        }
        if (!WebhookSignature.Verify(secret, body.Span, signature))
        {
            return await RefusedAsync(db, channel, "A delivery came with a wrong signature: check that both sides use the same signing secret.", ct);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON", detail: e.Message);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Problems.Invalid("body", "A delivery is a JSON object with id, timestamp and messages.");
            }
            WebhookDelivery? delivery;
            try
            {
                delivery = document.RootElement.Deserialize<WebhookDelivery>(PayloadJson);
            }
            catch (JsonException e)
            {
                return Problems.Invalid("body", e.Message);
            }
            if (delivery?.Id is not { Length: > 0 and <= 200 } deliveryId)
            {
                return Problems.Invalid("id", "A delivery id of 1 to 200 characters is required: it protects against replays.");
            }
            if (delivery.Timestamp is not { } timestamp)
            {
                return Problems.Invalid("timestamp", "The delivery's timestamp (Unix seconds) is required.");
            }
            if (Math.Abs((double)now.ToUnixTimeSeconds() - timestamp) > options.Value.TimestampTolerance.TotalSeconds)
            {
                return await UnauthorizedAsync(db, channel, now,
                    $"A delivery's timestamp is more than {options.Value.TimestampTolerance.TotalMinutes:0.#} minutes from Rapport's clock: a replay, or a clock to set right.", ct);
            }
            var messages = delivery.Messages ?? [];
            var metrics = delivery.PostMetrics ?? [];
            if (messages.Count == 0 && metrics.Count == 0 && delivery.Followers is null)
            {
                return Problems.Invalid("messages", "A delivery carries messages, postMetrics or followers: this one carries none.");
            }
            if (messages.Count > options.Value.MaxMessagesPerDelivery)
            {
                return Problems.Invalid("messages", $"A delivery carries 1 to {options.Value.MaxMessagesPerDelivery} messages.");
            }
            if (metrics.Count > options.Value.MaxMessagesPerDelivery)
            {
                return Problems.Invalid("postMetrics", $"A delivery carries the metrics of at most {options.Value.MaxMessagesPerDelivery} posts.");
            }
            for (var i = 0; i < metrics.Count; i++)
            {
                if (Performance.PostMetricsService.Check(metrics[i], now.UtcDateTime, options.Value.TimestampTolerance) is { } wrong)
                {
                    return Problems.Invalid($"postMetrics[{i}]{(wrong.Field.Length > 0 ? "." + wrong.Field : "")}", wrong.Message);
                }
            }
            if (delivery.Followers is < 0 or > Performance.PostMetricsService.MaxFigure)
            {
                return Problems.Invalid("followers", $"followers is a count from 0 to {Performance.PostMetricsService.MaxFigure:N0}.");
            }
            for (var i = 0; i < messages.Count; i++)
            {
                if (Check(messages[i]) is { } problem)
                {
                    return Problems.Invalid($"messages[{i}].{problem.Field}", problem.Message);
                }
            }
            if (await db.WebhookReceipts.AnyAsync(r => r.ChannelId == channel.Id && r.DeliveryId == deliveryId, ct))
            {
                return Replayed(deliveryId);
            }
            // Each message keeps its own JSON, verbatim, as its raw payload.
            var raw = document.RootElement.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, "messages", StringComparison.OrdinalIgnoreCase)).Value;
            return await StoreAsync(db, channel, deliveryId, messages, raw, delivery, now.UtcDateTime, ct);
        }
    }

    /// <summary>Meta's subscription handshake: echo the challenge when the verify token is the channel's.</summary>
    public async Task<Results<ContentHttpResult, ProblemHttpResult>> VerifyAsync(
        RapportDbContext db, Guid channelId, string? mode, string? token, string? challenge, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var channel = await FindAsync(db, channelId, ct);
        if (channel is null)
        {
            return NotFound();
        }
        secrets.Unprotect(channel.ProtectedSecrets).TryGetValue(WebhookSignature.VerifyTokenName, out var expected);
        if (mode != "subscribe" || string.IsNullOrEmpty(expected) || !WebhookSignature.SecretsEqual(token, expected)
            || challenge is not { Length: > 0 and <= 1000 })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Verification refused",
                detail: "hub.mode must be subscribe, hub.verify_token the channel's verify token, and hub.challenge present.");
        }
        return TypedResults.Text(challenge, "text/plain");
    }

    private async Task<Results<Accepted<WebhookAccepted>, ValidationProblem, ProblemHttpResult>> StoreAsync(
        RapportDbContext db, Channel channel, string deliveryId, IReadOnlyList<WebhookMessage> messages, JsonElement raw, WebhookDelivery delivery,
        DateTime now, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Post metrics are about posts published through this channel: one that is not is refused with the delivery,
        // before anything is kept, so the partner can correct it and send the delivery again.
        var metrics = delivery.PostMetrics ?? [];
        var (posts, unknown) = await Performance.PostMetricsService.FindWebhookPostsAsync(db, channel, metrics, now, ct);
        if (unknown is { } index)
        {
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            var which = metrics[index].PostId is { } postId ? $"postId {postId}" : $"externalId {metrics[index].ExternalId}";
            return Problems.Invalid($"postMetrics[{index}]", $"No post published through this channel has {which}: metrics are kept only for the brand's posts.");
        }
        db.WebhookReceipts.Add(new WebhookReceipt { WorkspaceId = channel.WorkspaceId, ChannelId = channel.Id, DeliveryId = deliveryId, ReceivedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same delivery arrived twice at once: the unique index lets only the first through.
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return Replayed(deliveryId);
        }
        var results = new List<WebhookMessageResult>(messages.Count);
        var rawMessages = raw.ValueKind == JsonValueKind.Array ? raw.EnumerateArray().ToList() : [];
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var result = await ingest.IngestAsync(db, channel.WorkspaceId, new InboundItem
            {
                ChannelId = channel.Id,
                ExternalId = m.ExternalId!,
                AuthorHandle = m.AuthorHandle!,
                AuthorName = m.AuthorName,
                Text = m.Text!,
                CreatedAt = m.CreatedAt,
                InReplyToExternalId = m.InReplyToExternalId,
                ThreadId = m.ThreadId,
                Subject = m.Subject,
                IsPublic = m.IsPublic ?? false,
                RawPayload = i < rawMessages.Count ? rawMessages[i].GetRawText() : JsonSerializer.Serialize(m, PayloadJson),
            }, ct);
            results.Add(new WebhookMessageResult(m.ExternalId!, result.MessageId, result.ConversationId, result.Created));
        }
        for (var i = 0; i < metrics.Count; i++)
        {
            var at = metrics[i].At is { } measured ? IngestService.AsUtc(measured) : now;
            Performance.PostMetricsService.Record(db, posts[i], Performance.PostMetricsService.FiguresOf(metrics[i]), at, Performance.MetricsSource.Webhook);
        }
        if (delivery.Followers is { } followers)
        {
            await Performance.PostMetricsService.RecordFollowersAsync(db, channel.WorkspaceId, channel.Id, followers, now, Performance.MetricsSource.Webhook, ct);
        }
        await db.SaveChangesAsync(ct);
        await db.Channels.Where(c => c.Id == channel.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastPolledAt, now), ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Accepted((string?)null, new WebhookAccepted(deliveryId, results, metrics.Count, delivery.Followers));
    }

    private static (string Field, string Message)? Check(WebhookMessage? m) => m switch
    {
        null => ("", "A message is a JSON object."),
        { ExternalId: not { Length: > 0 and <= 256 } } => ("externalId", "An externalId of 1 to 256 characters is required: it makes delivery idempotent."),
        { AuthorHandle: not { Length: > 0 and <= 320 } } => ("authorHandle", "An authorHandle of 1 to 320 characters is required."),
        { Text: null } or { Text.Length: > IngestService.MaxTextLength } => ("text", $"A text of at most {IngestService.MaxTextLength} characters is required."),
        _ => null,
    };

    /// <summary>Unknown, paused and non-webhook channels all look the same from outside.</summary>
    private static Task<Channel?> FindAsync(RapportDbContext db, Guid channelId, CancellationToken ct) =>
        db.Channels.IgnoreQueryFilters().FirstOrDefaultAsync(c => c.Id == channelId && c.Kind == ChannelKind.Webhook && !c.Paused, ct);

    private static ProblemHttpResult NotFound() => Problems.NotFound("Channel");

    private static ProblemHttpResult Replayed(string deliveryId) =>
        Problems.Conflict("Delivery already received", $"Delivery {deliveryId} was already received; its messages are stored once.");

    /// <summary>
    /// Refuses a delivery that does not prove it comes from the sender (no secret to check, no or a wrong signature):
    /// counted on the channel, never written as its error, which an anonymous caller must not set.
    /// </summary>
    private async Task<ProblemHttpResult> RefusedAsync(RapportDbContext db, Channel channel, string reason, CancellationToken ct)
    {
        await refusals.CountAsync(db, channel.Id, ct);
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Delivery refused", detail: reason);
    }

    /// <summary>
    /// Refuses a signed delivery (so from the sender, who knows the secret) and records why on the channel, where its
    /// settings page shows it: a clock set wrong on their side is for an admin to see.
    /// </summary>
    private static async Task<ProblemHttpResult> UnauthorizedAsync(RapportDbContext db, Channel channel, DateTimeOffset now, string reason, CancellationToken ct)
    {
        var at = now.UtcDateTime;
        await db.Channels.IgnoreQueryFilters().Where(c => c.Id == channel.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastError, reason).SetProperty(c => c.LastErrorAt, at), ct);
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Delivery refused", detail: reason);
    }
}
