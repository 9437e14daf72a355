using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rapport.Channels.Bluesky;

/// <summary>
/// What the user sets on a Bluesky channel, kept in <see cref="Channel.Settings"/>:
/// <c>{"serviceUrl": "https://bsky.social", "identifier": "brand.bsky.social", "pollMinutes": 2}</c>.
/// The app password is a secret (<c>appPassword</c>), never a setting.
/// </summary>
public sealed record BlueskyChannelSettings
{
    public const string AppPasswordSecret = "appPassword";
    public const string DefaultServiceUrl = "https://bsky.social";
    public const int DefaultPollMinutes = 2;

    /// <summary>The account's server (its PDS, or the bsky.social entryway); default https://bsky.social.</summary>
    public string? ServiceUrl { get; init; }

    /// <summary>The account's handle (brand.bsky.social) or DID (did:plc:…).</summary>
    public string? Identifier { get; init; }

    public int? PollMinutes { get; init; }

    /// <summary>Listening mode: the searches run on <c>app.bsky.feed.searchPosts</c> (its query syntax: words, "phrases", #tags, from:handle).</summary>
    public IReadOnlyList<string>? SearchTerms { get; init; }

    /// <summary>Listening mode: only posts in this language (<c>fr</c>, <c>en</c>); unset, every language.</summary>
    public string? Language { get; init; }

    /// <summary>The searches a listening channel runs, each once, blanks dropped.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Searches =>
        [.. (SearchTerms ?? []).Select(t => t?.Trim() ?? "").Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];

    [JsonIgnore]
    public TimeSpan PollEvery => TimeSpan.FromMinutes(PollMinutes is > 0 ? PollMinutes.Value : DefaultPollMinutes);

    /// <summary>The server's address, or null when the setting is not an absolute http(s) URL.</summary>
    [JsonIgnore]
    public Uri? Service =>
        Uri.TryCreate(string.IsNullOrWhiteSpace(ServiceUrl) ? DefaultServiceUrl : ServiceUrl.Trim(), UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;

    /// <summary>The identifier without the "@" people often type before a handle.</summary>
    [JsonIgnore]
    public string? Account => string.IsNullOrWhiteSpace(Identifier) ? null : Identifier.Trim().TrimStart('@');

    public static BlueskyChannelSettings Read(string? json) => ChannelJson.Read<BlueskyChannelSettings>(json) ?? new BlueskyChannelSettings();
}

/// <summary>
/// What the poller remembers between polls, kept in <see cref="Channel.State"/>: the time the newest notification
/// read was indexed (reading stops there), where a burst too large for one poll goes on, and until when the server
/// asked Rapport to wait. Never any token.
/// </summary>
public sealed record BlueskyChannelState
{
    /// <summary>The account the position below belongs to; another account starts over.</summary>
    public string? Account { get; init; }

    /// <summary>Everything indexed after this time has been read, unless a burst is still being read below.</summary>
    public DateTimeOffset? LastIndexedAt { get; init; }

    /// <summary>
    /// The paging cursor where the last poll stopped in a burst larger than one poll's pages: the next poll goes on
    /// from it, down to <see cref="LastIndexedAt"/>. Null when no burst is being read.
    /// </summary>
    public string? BurstCursor { get; init; }

    /// <summary>The newest notification of the burst being read: the position once the burst is read to its end.</summary>
    public DateTimeOffset? BurstNewest { get; init; }

    /// <summary>Listening mode: where each search (by its words, lower case) stands, like the notifications' position above.</summary>
    public IReadOnlyDictionary<string, BlueskySearchPosition>? Searches { get; init; }

    /// <summary>The rate limit's reset: no request goes out before it.</summary>
    public DateTimeOffset? WaitUntil { get; init; }

    public static BlueskyChannelState Read(string? json) => ChannelJson.Read<BlueskyChannelState>(json) ?? new BlueskyChannelState();

    public string Write() => JsonSerializer.Serialize(this, ChannelJson.Options);
}

/// <summary>A listening search's position: everything indexed up to <see cref="LastIndexedAt"/> is read, and a burst goes on from <see cref="BurstCursor"/>.</summary>
public sealed record BlueskySearchPosition(DateTimeOffset? LastIndexedAt, string? BurstCursor, DateTimeOffset? BurstNewest);
