namespace Rapport.Channels.Bluesky;

/// <summary>Polls every unpaused Bluesky channel whose poll interval (<c>pollMinutes</c>, default 2) has passed.</summary>
public sealed class BlueskyWorker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<BlueskyWorker> logger)
    : ChannelPollingWorker<BlueskyPollResult>(scopes, clock, logger)
{
    protected override ChannelKind Kind => ChannelKind.Bluesky;

    protected override TimeSpan PollEvery(Channel channel) => BlueskyChannelSettings.Read(channel.Settings).PollEvery;

    protected override Task<BlueskyPollResult> PollAsync(IServiceProvider services, Guid channelId, CancellationToken ct) =>
        services.GetRequiredService<BlueskyPoller>().PollAsync(channelId, ct);

    protected override BlueskyPollResult Failed(Guid channelId, Exception error) => new(channelId, Ok: false, 0, error.Message);
}
