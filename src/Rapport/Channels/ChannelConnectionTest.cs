using Rapport.Channels.Bluesky;
using Rapport.Channels.Email;
using Rapport.Channels.Feeds;
using Rapport.Channels.Mastodon;
using Rapport.Resources;

namespace Rapport.Channels;

/// <summary>What "test the connection" found: a sentence about the server when it worked, the reason when not.</summary>
public sealed record ChannelTestResult(bool Ok, string? Detail, string? Error);

/// <summary>"Test the connection" for the channels that reach out to a server (e-mail, feeds, Mastodon, Bluesky), with their saved settings, storing nothing.</summary>
public sealed class ChannelConnectionTest(IServiceProvider services)
{
    public static bool CanTest(ChannelKind kind) => kind is ChannelKind.Email or ChannelKind.Feed or ChannelKind.Mastodon or ChannelKind.Bluesky;

    /// <returns>The result, or null for a kind whose messages come to Rapport (nothing to connect to).</returns>
    public async Task<ChannelTestResult?> TestAsync(Channel channel, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        switch (channel.Kind)
        {
            case ChannelKind.Email:
                return await services.GetRequiredService<EmailPoller>().TestAsync(channel, ct);
            case ChannelKind.Feed:
                var feed = await services.GetRequiredService<FeedPoller>().TestAsync(FeedChannelSettings.Read(channel.Settings).Url, ct);
                return new ChannelTestResult(feed.Ok, feed.Ok ? StoredText.English("Stored.Test.Feed", feed.Format, feed.Title, feed.ItemCount) : null, feed.Error);
            case ChannelKind.Mastodon:
                return await services.GetRequiredService<MastodonPoller>().TestAsync(channel, ct);
            case ChannelKind.Bluesky:
                return await services.GetRequiredService<BlueskyPoller>().TestAsync(channel, ct);
            default:
                return null;
        }
    }
}
