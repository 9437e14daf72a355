using System.Text.Json;
using Rapport.Channels.Feeds;
using Rapport.Ingest;

namespace Rapport.Channels.Mastodon;

/// <summary>
/// Translates a Mastodon mention notification into the one shape ingest reads: the status id as the external id,
/// <c>in_reply_to_id</c> for threading, the author's full <c>@user@instance</c> handle, the HTML content as plain
/// text, and <c>direct</c> visibility as a private conversation. The notification's JSON is kept as the raw payload.
/// </summary>
public static class MastodonStatus
{
    /// <summary>Visibility of a private mention (a direct message).</summary>
    public const string Direct = "direct";

    /// <summary>The mention's item, or null when the notification is not a mention with a status.</summary>
    public static InboundItem? ToInboundItem(Guid channelId, Uri instance, JsonElement notification)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (notification.ValueKind != JsonValueKind.Object
            || ChannelJson.Text(notification, "type") != "mention"
            || !notification.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var fallback = notification.TryGetProperty("account", out var n) && n.ValueKind == JsonValueKind.Object ? n : default;
        return FromStatus(channelId, instance, status, fallback, notification.GetRawText());
    }

    /// <summary>
    /// A status as an item: the one a mention notification carries, or one found by a listening channel's hashtag timeline
    /// or search. <paramref name="fallbackAccount"/> is used when the status has none (a notification's own account).
    /// </summary>
    public static InboundItem FromStatus(Guid channelId, Uri instance, JsonElement status, JsonElement fallbackAccount, string rawPayload)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var id = ChannelJson.Text(status, "id") ?? throw MastodonClient.Malformed(instance, "a status has no id");
        var account = status.TryGetProperty("account", out var a) && a.ValueKind == JsonValueKind.Object ? a
            : fallbackAccount.ValueKind == JsonValueKind.Object ? fallbackAccount
            : throw MastodonClient.Malformed(instance, $"status {id} has no account");
        var acct = ChannelJson.Text(account, "acct") ?? ChannelJson.Text(account, "username") ?? throw MastodonClient.Malformed(instance, $"the account of status {id} has no acct");
        var displayName = ChannelJson.Text(account, "display_name");
        var visibility = ChannelJson.Text(status, "visibility");
        var spoiler = ChannelJson.Text(status, "spoiler_text");
        var text = HtmlText.ToPlainText(ChannelJson.Text(status, "content"));
        if (text.Length == 0)
        {
            var media = status.TryGetProperty("media_attachments", out var m) && m.ValueKind == JsonValueKind.Array ? m.GetArrayLength() : 0;
            text = media > 0 ? $"[{media} media attachment{(media == 1 ? "" : "s")}]" : "[no text]";
        }
        return new InboundItem
        {
            ChannelId = channelId,
            ExternalId = id,
            InReplyToExternalId = ChannelJson.Text(status, "in_reply_to_id"),
            AuthorHandle = Handle(acct, instance),
            AuthorName = string.IsNullOrWhiteSpace(displayName) ? ChannelJson.Text(account, "username") : displayName,
            Subject = string.IsNullOrWhiteSpace(spoiler) ? null : spoiler,
            Text = text,
            CreatedAt = FeedDates.Parse(ChannelJson.Text(status, "created_at")),
            IsPublic = visibility != Direct,
            RawPayload = rawPayload,
        };
    }

    /// <summary>
    /// The full handle, <c>@user@instance</c>: Mastodon writes local accounts without their instance (<c>zsc</c>),
    /// which would be ambiguous once the brand talks to several instances.
    /// </summary>
    public static string Handle(string acct, Uri instance)
    {
        ArgumentNullException.ThrowIfNull(acct);
        ArgumentNullException.ThrowIfNull(instance);
        var name = acct.Trim().TrimStart('@');
        return name.Contains('@', StringComparison.Ordinal) ? "@" + name : $"@{name}@{instance.Host}";
    }

    /// <summary>Mastodon ids are strings of digits that grow with time: the longer is the newer, then the larger.</summary>
    public static int CompareIds(string? left, string? right) =>
        (left, right) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            _ => left.Length != right.Length ? left.Length.CompareTo(right.Length) : string.CompareOrdinal(left, right),
        };
}
