using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Resources;

namespace Rapport.Webhooks;

/// <summary>
/// Posts an event to its subscription's URL, signed, and logs the attempt (time, answer, duration, error). Any answer
/// but 2xx is tried again with the outbox's backoff, up to its attempts; a URL that resolves to a private address is
/// refused for good (until an admin changes it or the setting), as for every URL admins type.
/// </summary>
public sealed class WebhookEventSender(IHttpClientFactory httpClients, WebhookSecrets secrets) : IEventDeliverySender
{
    public const string HttpClientName = "rapport.webhooks.outgoing";

    public async Task<SendOutcome> SendAsync(RapportDbContext db, OutboxItem item, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(item);
        var delivery = await db.Set<EventDelivery>().IgnoreQueryFilters().FirstOrDefaultAsync(d => d.Id == item.EventDeliveryId, cancellationToken);
        var subscription = delivery is null ? null
            : await db.Set<WebhookSubscription>().IgnoreQueryFilters().FirstOrDefaultAsync(s => s.Id == delivery.SubscriptionId, cancellationToken);
        if (delivery is null || subscription is null)
        {
            return SendOutcome.Failed(StoredText.English("Stored.Webhooks.Gone"));
        }
        var attempt = new EventDeliveryAttempt
        {
            WorkspaceId = delivery.WorkspaceId,
            SubscriptionId = subscription.Id,
            DeliveryId = delivery.Id,
            EventId = delivery.EventId,
            EventType = delivery.EventType,
            At = now,
            Replay = item.IdempotencyKey.StartsWith(WebhookSubscriptions.ReplayPrefix, StringComparison.Ordinal),
        };
        db.Add(attempt);
        var outcome = await PostAsync(subscription, delivery, attempt, now, cancellationToken);
        attempt.Error = outcome.Error is { Length: > EventDeliveryAttempt.MaxErrorLength } tooLong ? tooLong[..EventDeliveryAttempt.MaxErrorLength] : outcome.Error;
        return outcome;
    }

    private async Task<SendOutcome> PostAsync(WebhookSubscription subscription, EventDelivery delivery, EventDeliveryAttempt attempt, DateTime now, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var timestamp = new DateTimeOffset(now).ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(EventSignature.SignatureHeader, EventSignature.Sign(secrets.Unprotect(subscription.ProtectedSecret), timestamp, body));
        request.Headers.Add(EventSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(EventSignature.EventIdHeader, delivery.EventId.ToString());
        request.Headers.Add(EventSignature.EventTypeHeader, delivery.EventType);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Rapport-Webhooks", "1"));
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
            attempt.DurationMs = (int)watch.ElapsedMilliseconds;
            attempt.StatusCode = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return SendOutcome.Sent();
            }
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - new DateTimeOffset(now),
                _ => (TimeSpan?)null,
            };
            return SendOutcome.Retry(StoredText.English("Stored.Webhooks.Answered", attempt.StatusCode), retryAfter);
        }
        catch (HttpRequestException e) when (PublicHosts.Refusal(e) is { } refused)
        {
            attempt.DurationMs = (int)watch.ElapsedMilliseconds;
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.CallbackRefused", refused.Message));
        }
        catch (HttpRequestException e)
        {
            attempt.DurationMs = (int)watch.ElapsedMilliseconds;
            return SendOutcome.Retry(StoredText.English("Stored.Delivery.CallbackUnreachable", e.Message));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            attempt.DurationMs = (int)watch.ElapsedMilliseconds;
            return SendOutcome.Retry(StoredText.English("Stored.Delivery.CallbackTimeout"));
        }
    }
}
