namespace Rapport.Channels.Email;

/// <summary>Polls every unpaused e-mail channel whose poll interval (<c>pollMinutes</c>, default 2) has passed.</summary>
public sealed class EmailWorker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<EmailWorker> logger)
    : ChannelPollingWorker<EmailPollResult>(scopes, clock, logger)
{
    protected override ChannelKind Kind => ChannelKind.Email;

    protected override TimeSpan PollEvery(Channel channel) => EmailChannelSettings.Read(channel.Settings).PollEvery;

    protected override Task<EmailPollResult> PollAsync(IServiceProvider services, Guid channelId, CancellationToken ct) =>
        services.GetRequiredService<EmailPoller>().PollAsync(channelId, ct);

    protected override EmailPollResult Failed(Guid channelId, Exception error) => new(channelId, Ok: false, 0, [], error.Message);
}
