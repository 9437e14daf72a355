namespace Rapport.Outbox;

/// <summary>
/// Delivers the replies and posts of sandbox channels (the demo's) without any network: each is recorded as delivered
/// at once, with an id of its own, so a newcomer's first reply ends "Sent" on a machine with nothing configured.
/// What went out stays readable in the outbox (the Sandbox page lists it); nothing ever leaves the machine.
/// </summary>
public sealed partial class SandboxSender(ILogger<SandboxSender> logger) : IChannelSender
{
    public Task<SendOutcome> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        LogDelivered(logger, delivery.Channel.Id, delivery.Item.Id);
        return Task.FromResult(SendOutcome.Sent(ExternalIdOf(delivery.Item)));
    }

    public Task<SendOutcome> PublishAsync(PostDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        LogDelivered(logger, delivery.Channel.Id, delivery.Item.Id);
        return Task.FromResult(SendOutcome.Sent(ExternalIdOf(delivery.Item)));
    }

    /// <summary>Unique per item, so the customer's next demo message can be threaded under the reply like a network's id.</summary>
    private static string ExternalIdOf(OutboxItem item) => "sandbox-" + item.Id.ToString("N");

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox channel {Channel}: outbox item {Item} recorded as delivered; nothing was sent over a network.")]
    private static partial void LogDelivered(ILogger logger, Guid channel, Guid item);
}
