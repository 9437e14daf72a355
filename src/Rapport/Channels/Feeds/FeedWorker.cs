namespace Rapport.Channels.Feeds;

/// <summary>Polls every unpaused feed channel whose poll interval (<c>pollMinutes</c>, default 15) has passed.</summary>
public sealed class FeedWorker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<FeedWorker> logger)
    : ChannelPollingWorker<FeedPollResult>(scopes, clock, logger)
{
    protected override ChannelKind Kind => ChannelKind.Feed;

    protected override TimeSpan PollEvery(Channel channel) => FeedChannelSettings.Read(channel.Settings).PollEvery;

    protected override Task<FeedPollResult> PollAsync(IServiceProvider services, Guid channelId, CancellationToken ct) =>
        services.GetRequiredService<FeedPoller>().PollAsync(channelId, ct);

    protected override FeedPollResult Failed(Guid channelId, Exception error) => new(channelId, Ok: false, 0, NotModified: false, error.Message);
}
