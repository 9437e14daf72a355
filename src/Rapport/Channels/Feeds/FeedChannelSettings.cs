using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rapport.Channels.Feeds;

/// <summary>What the user sets on a feed channel, kept in <see cref="Channel.Settings"/>: <c>{"url": "…", "pollMinutes": 15}</c>.</summary>
public sealed record FeedChannelSettings
{
    public const int DefaultPollMinutes = 15;

    public string? Url { get; init; }

    /// <summary>Minutes between two polls; at least 1, default 15.</summary>
    public int? PollMinutes { get; init; }

    [JsonIgnore]
    public TimeSpan PollEvery => TimeSpan.FromMinutes(PollMinutes is > 0 ? PollMinutes.Value : DefaultPollMinutes);

    public static FeedChannelSettings Read(string? json) => ChannelJson.Read<FeedChannelSettings>(json) ?? new FeedChannelSettings();
}

/// <summary>
/// What the feed adapter remembers between polls, kept in <see cref="Channel.State"/>: the validators for the
/// conditional GET and the ids of the items already ingested.
/// </summary>
public sealed record FeedChannelState
{
    /// <summary>Ids remembered; a feed rarely shows more than a few dozen items, so this covers many fetches.</summary>
    public const int MaxSeenIds = 1000;

    /// <summary>The address the validators and ids below came from.</summary>
    public string? Url { get; init; }
    public string? ETag { get; init; }
    public string? LastModified { get; init; }
    public List<string> Seen { get; init; } = [];

    public static FeedChannelState Read(string? json) => ChannelJson.Read<FeedChannelState>(json) ?? new FeedChannelState();

    public string Write() => JsonSerializer.Serialize(this, ChannelJson.Options);
}
