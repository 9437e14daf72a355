using System.Text.Json;
using System.Text.Json.Serialization;
using Rapport.Resources;

namespace Rapport.Channels.Mastodon;

/// <summary>
/// What the user sets on a Mastodon channel, kept in <see cref="Channel.Settings"/>:
/// <c>{"instanceUrl": "https://mastodon.social", "replyVisibility": "unlisted", "pollMinutes": 2}</c>.
/// The access token is a secret (<c>accessToken</c>), never a setting.
/// </summary>
public sealed record MastodonChannelSettings
{
    public const string AccessTokenSecret = "accessToken";
    public const int DefaultPollMinutes = 2;

    /// <summary>The brand account's instance, for example <c>https://mastodon.social</c>.</summary>
    public string? InstanceUrl { get; init; }

    /// <summary>
    /// The visibility of replies to public mentions: <c>public</c> or <c>unlisted</c>; unset, the visibility the customer used.
    /// Replies to direct messages are always direct, and to followers-only posts always followers-only.
    /// </summary>
    public string? ReplyVisibility { get; init; }

    /// <summary>Minutes between two catch-up polls; at least 1, default 2.</summary>
    public int? PollMinutes { get; init; }

    /// <summary>Listening mode: the hashtags whose public timeline is read (<c>/api/v1/timelines/tag/:hashtag</c>), without the #.</summary>
    public IReadOnlyList<string>? Hashtags { get; init; }

    /// <summary>Listening mode: the words searched for in public statuses (<c>/api/v2/search?type=statuses</c>).</summary>
    public IReadOnlyList<string>? SearchTerms { get; init; }

    /// <summary>The hashtags and search terms a listening channel reads, each once, blanks and a leading # dropped from hashtags.</summary>
    [JsonIgnore]
    public IReadOnlyList<(string Key, string Value, bool IsHashtag)> Listened =>
        [.. (Hashtags ?? []).Select(h => h?.Trim().TrimStart('#') ?? "").Where(h => h.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Select(h => ("tag:" + h.ToLowerInvariant(), h, true)),
         .. (SearchTerms ?? []).Select(t => t?.Trim() ?? "").Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Select(t => ("q:" + t.ToLowerInvariant(), t, false))];

    [JsonIgnore]
    public TimeSpan PollEvery => TimeSpan.FromMinutes(PollMinutes is > 0 ? PollMinutes.Value : DefaultPollMinutes);

    public static MastodonChannelSettings Read(string? json) => ChannelJson.Read<MastodonChannelSettings>(json) ?? new MastodonChannelSettings();

    /// <summary>The instance's base address, or the reason it cannot be used, in one sentence.</summary>
    public static Uri Instance(string? url, bool allowHttp)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new MastodonException(StoredText.English("Stored.Channel.NoMastodonInstance"), transient: false);
        }
        var text = url.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (allowHttp && uri.Scheme == Uri.UriSchemeHttp))
            || !string.IsNullOrEmpty(uri.UserInfo) || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new MastodonException($"\"{ChannelJson.Cut(url.Trim(), 100)}\" is not a Mastodon instance address: use https:// and the server's name, for example https://mastodon.social.", transient: false);
        }
        // The API lives at the root of the instance.
        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }
}

/// <summary>
/// What the adapter remembers between polls, kept in <see cref="Channel.State"/>: the newest notification read
/// (the next poll asks for what came after it) and, when the instance's rate limit ran out, when it resets.
/// </summary>
public sealed record MastodonChannelState
{
    /// <summary>The instance these ids belong to: another instance starts over.</summary>
    public string? Instance { get; init; }

    /// <summary>The newest mention notification ingested; null before the first poll.</summary>
    public string? LastNotificationId { get; init; }

    /// <summary>Listening mode: the newest status read for each hashtag (<c>tag:name</c>) and search (<c>q:words</c>).</summary>
    public IReadOnlyDictionary<string, string>? Heard { get; init; }

    /// <summary>No request goes to the instance before this time (UTC): its rate limit is used up until then.</summary>
    public DateTime? RateLimitedUntil { get; init; }

    public static MastodonChannelState Read(string? json) => ChannelJson.Read<MastodonChannelState>(json) ?? new MastodonChannelState();

    public string Write() => JsonSerializer.Serialize(this, ChannelJson.Options);
}
