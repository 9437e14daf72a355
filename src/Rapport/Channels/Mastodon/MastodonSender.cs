using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels.Feeds;
using Rapport.Data;
using Rapport.Outbox;

namespace Rapport.Channels.Mastodon;

/// <summary>
/// Delivers replies of Mastodon channels with <c>POST /api/v1/statuses</c>: the customer's <c>@user@instance</c> first,
/// <c>in_reply_to_id</c> their status, direct when they wrote privately. The outbox item's idempotency key goes in the
/// <c>Idempotency-Key</c> header, which Mastodon honours for an hour: a reply sent again after a crash returns the
/// status already posted instead of a second one, so each reply reaches the customer exactly once. New posts of the
/// brand go out the same way, as public statuses. A resend that comes after the instance may have forgotten the key
/// first looks among the account's own statuses for the one an earlier attempt posted (decision 0046).
/// </summary>
public sealed class MastodonSender(RapportDbContextFactory factory, MastodonClient client, TimeProvider clock) : IChannelSender
{
    public const string Public = "public";
    public const string Unlisted = "unlisted";
    public const string FollowersOnly = "private";

    /// <summary>
    /// How long an instance surely still knows an idempotency key. Mastodon keeps a key for an hour after the status
    /// is posted, which is never before the item was queued; five minutes spare cover a clock that differs.
    /// </summary>
    internal static readonly TimeSpan KeyMemory = TimeSpan.FromMinutes(55);

    /// <summary>Pages of 40 of the account's own statuses searched for an earlier attempt's status.</summary>
    internal const int MaxStatusPages = 5;

    /// <summary>Statuses this much older than the item (by the instance's clock) cannot be its.</summary>
    private static readonly TimeSpan ClockDifference = TimeSpan.FromMinutes(5);

    public async Task<SendOutcome> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var payload = ReplyPayload.Of(delivery.Item);
        try
        {
            var (instance, token) = client.Connection(delivery.Channel);
            var customer = await CustomerAsync(delivery, payload.InReplyToExternalId, instance, cancellationToken);
            var settings = MastodonChannelSettings.Read(delivery.Channel.Settings);
            var visibility = Visibility(customer.Visibility, payload.IsPublic, settings.ReplyVisibility);
            var text = customer.Handle is { } handle && !payload.Text.TrimStart().StartsWith(handle, StringComparison.OrdinalIgnoreCase)
                ? handle + " " + payload.Text
                : payload.Text;
            var form = new List<KeyValuePair<string, string>>
            {
                new("status", text),
                new("visibility", visibility),
            };
            if (payload.InReplyToExternalId is { Length: > 0 } parent)
            {
                form.Add(new("in_reply_to_id", parent));
            }
            if (delivery.Conversation.Language is { Length: 2 } language)
            {
                form.Add(new("language", language));
            }
            return await PostAsync(delivery.Channel, delivery.Item, instance, token, form, cancellationToken);
        }
        catch (MastodonException e)
        {
            return Outcome(e);
        }
    }

    /// <summary>A new post of the brand: a public status, with the same idempotency guarantee as replies.</summary>
    public async Task<SendOutcome> PublishAsync(PostDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        try
        {
            var (instance, token) = client.Connection(delivery.Channel);
            var form = new List<KeyValuePair<string, string>>
            {
                new("status", delivery.Post.Text),
                new("visibility", Public),
            };
            if (delivery.Post.Language is { Length: 2 } language)
            {
                form.Add(new("language", language));
            }
            return await PostAsync(delivery.Channel, delivery.Item, instance, token, form, cancellationToken);
        }
        catch (MastodonException e)
        {
            return Outcome(e);
        }
    }

    /// <summary>Posts the status with the item's idempotency key, unless the instance's rate limit is still used up.</summary>
    private async Task<SendOutcome> PostAsync(Channel channel, OutboxItem item, Uri instance, string token, List<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        if (MastodonChannelState.Read(channel.State).RateLimitedUntil is { } until && until > clock.GetUtcNow().UtcDateTime)
        {
            throw client.RateLimited(MastodonClient.Host(instance), until);
        }
        if (KeyMayBeForgotten(item, clock.GetUtcNow().UtcDateTime)
            && await EarlierStatusAsync(channel.Id, instance, token, item, form, ct) is { } earlier)
        {
            // An earlier attempt reached Mastodon and its answer was lost: that status is the delivery.
            return SendOutcome.Sent(earlier);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(instance, "api/v1/statuses"));
        request.Headers.Add("Idempotency-Key", item.IdempotencyKey);
        request.Content = new FormUrlEncodedContent(form);
        var answer = await client.SendAsync(request, token, ct);
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            return SendOutcome.Sent(document.RootElement.ValueKind == JsonValueKind.Object ? ChannelJson.Text(document.RootElement, "id") : null);
        }
        catch (JsonException)
        {
            // Posted all the same: without its id, a customer's answer to it threads by their handle instead.
            return SendOutcome.Sent();
        }
    }

    /// <summary>
    /// An earlier attempt may have posted the status (the item was tried before and nothing recorded its success),
    /// and the instance may have forgotten the key since. The attempt being made already counts in <c>Attempts</c>.
    /// </summary>
    internal static bool KeyMayBeForgotten(OutboxItem item, DateTime now) => item.Attempts > 1 && now - item.CreatedAt >= KeyMemory;

    /// <summary>
    /// The id of the status an earlier attempt of this item posted, or null when there is none. It is one of the
    /// account's own statuses (<c>GET /api/v1/accounts/:id/statuses</c>, newest first) posted since the item was
    /// queued, answering the same status (<c>in_reply_to_id</c>, none for a post), not already recorded as another
    /// reply or post of the channel, whose source text (<c>GET /api/v1/statuses/:id/source</c>: the listed content
    /// is rendered HTML) is exactly the text sent. A failure to look is thrown: posting without knowing could post twice.
    /// </summary>
    private async Task<string?> EarlierStatusAsync(Guid channelId, Uri instance, string token, OutboxItem item, List<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        var accountId = ChannelJson.Text(await client.AccountAsync(instance, token, ct), "id")!;
        var text = Comparable(form.First(f => f.Key == "status").Value);
        var inReplyTo = form.FirstOrDefault(f => f.Key == "in_reply_to_id").Value;
        var since = item.CreatedAt - ClockDifference;
        Uri? page = new(instance, $"api/v1/accounts/{Uri.EscapeDataString(accountId)}/statuses?exclude_reblogs=true&limit=40");
        for (var read = 0; page is not null && read < MaxStatusPages; read++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, page);
            var answer = await client.SendAsync(request, token, ct);
            using var document = MastodonClient.Parse(answer.Body, instance);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw MastodonClient.Malformed(instance, "the account's statuses are not a JSON array");
            }
            var reachedOlder = document.RootElement.GetArrayLength() == 0;
            foreach (var status in document.RootElement.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
            {
                if (FeedDates.Parse(ChannelJson.Text(status, "created_at")) is { } created && created < since)
                {
                    // Listed newest first: the rest is older than the item. Pinned statuses may still come, so the page is read to its end.
                    reachedOlder = true;
                    continue;
                }
                if (ChannelJson.Text(status, "in_reply_to_id") == inReplyTo && ChannelJson.Text(status, "id") is { } id
                    && !await RecordedAsync(channelId, id, ct)
                    && await SourceTextAsync(instance, token, id, ct) is { } source && Comparable(source) == text)
                {
                    return id;
                }
            }
            page = reachedOlder ? null : MastodonClient.SameInstance(answer.Older, instance);
        }
        return null;
    }

    /// <summary>The status is already another reply's or post's: the same words sent twice on purpose are two statuses.</summary>
    private async Task<bool> RecordedAsync(Guid channelId, string statusId, CancellationToken ct)
    {
        await using var db = factory.CreateDbContext();
        return await db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ChannelId == channelId && m.ExternalId == statusId, ct)
            || await db.OutboxItems.IgnoreQueryFilters().AnyAsync(o => o.ChannelId == channelId && o.ExternalId == statusId, ct);
    }

    /// <summary>The plain text a status was written with; null when the instance cannot say (before Mastodon 3.5, or deleted since).</summary>
    private async Task<string?> SourceTextAsync(Uri instance, string token, string statusId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(instance, $"api/v1/statuses/{Uri.EscapeDataString(statusId)}/source"));
        try
        {
            var answer = await client.SendAsync(request, token, ct);
            using var document = MastodonClient.Parse(answer.Body, instance);
            return document.RootElement.ValueKind == JsonValueKind.Object ? ChannelJson.Text(document.RootElement, "text") : null;
        }
        catch (MastodonException e) when (!e.Transient)
        {
            return null;
        }
    }

    /// <summary>The text as the instance keeps it: line ends and surrounding blanks aside.</summary>
    private static string Comparable(string text) => text.ReplaceLineEndings("\n").Trim();

    private SendOutcome Outcome(MastodonException e)
    {
        if (!e.Transient)
        {
            return SendOutcome.Failed(e.Message);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        return SendOutcome.Retry(e.Message, e.RetryAt is { } at && at > now ? at - now : null);
    }

    /// <summary>
    /// Direct stays direct and followers-only stays followers-only: a reply never shows a private exchange to more
    /// people. A public mention is answered as the channel's setting says, or with the customer's own visibility.
    /// </summary>
    internal static string Visibility(string? customer, bool conversationIsPublic, string? setting)
    {
        if (customer == MastodonStatus.Direct || !conversationIsPublic)
        {
            return MastodonStatus.Direct;
        }
        if (customer == FollowersOnly)
        {
            return FollowersOnly;
        }
        return setting?.Trim().ToLowerInvariant() switch
        {
            Public => Public,
            Unlisted => Unlisted,
            _ => customer is Public or Unlisted ? customer : Unlisted,
        };
    }

    private sealed record Customer(string? Handle, string? Visibility);

    /// <summary>Who wrote the status answered, and with which visibility, from the notification kept when it came in.</summary>
    private async Task<Customer> CustomerAsync(OutboundDelivery delivery, string? statusId, Uri instance, CancellationToken ct)
    {
        await using var db = factory.CreateDbContext();
        var channelId = delivery.Channel.Id;
        var raw = statusId is null ? null : await db.Messages.IgnoreQueryFilters()
            .Where(m => m.ChannelId == channelId && m.ExternalId == statusId)
            .Select(m => m.RawPayload)
            .FirstOrDefaultAsync(ct);
        string? handle = null;
        string? visibility = null;
        if (raw is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(raw);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object)
                {
                    visibility = ChannelJson.Text(status, "visibility");
                    if (status.TryGetProperty("account", out var account) && account.ValueKind == JsonValueKind.Object
                        && ChannelJson.Text(account, "acct") is { } acct)
                    {
                        handle = MastodonStatus.Handle(acct, instance);
                    }
                }
            }
            catch (JsonException)
            {
                // Not a notification (an imported message): the contact's handle below does.
            }
        }
        if (handle is null)
        {
            var contactId = delivery.Conversation.ContactId;
            handle = await db.ContactIdentities.IgnoreQueryFilters()
                .Where(i => i.ContactId == contactId && i.ChannelId == channelId && i.Handle.StartsWith("@"))
                .Select(i => i.Handle)
                .FirstOrDefaultAsync(ct);
        }
        return new Customer(handle, visibility);
    }
}
