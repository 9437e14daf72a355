namespace Rapport.Channels.Mastodon;

/// <summary>Polls every unpaused Mastodon channel whose poll interval (<c>pollMinutes</c>, default 2) has passed.</summary>
public sealed class MastodonWorker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<MastodonWorker> logger)
    : ChannelPollingWorker<MastodonPollResult>(scopes, clock, logger)
{
    protected override ChannelKind Kind => ChannelKind.Mastodon;

    protected override TimeSpan PollEvery(Channel channel) => MastodonChannelSettings.Read(channel.Settings).PollEvery;

    protected override Task<MastodonPollResult> PollAsync(IServiceProvider services, Guid channelId, CancellationToken ct) =>
        services.GetRequiredService<MastodonPoller>().PollAsync(channelId, ct);

    protected override MastodonPollResult Failed(Guid channelId, Exception error) => new(channelId, Ok: false, 0, 0, error.Message);
}
