using Rapport.Outbox;
using Rapport.Resources;

namespace Rapport.Channels.Chat;

/// <summary>
/// Delivers replies of chat channels. The visitor's widget reads delivered replies from the database through its event
/// stream, so delivering is only recording the reply Sent, which the outbox does in the same save that closes the item:
/// nothing leaves Rapport here, hence nothing can be sent twice, and a crash before that save only delays the reply.
/// </summary>
public sealed class ChatSender : IChannelSender
{
    public Task<SendOutcome> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return Task.FromResult(delivery.Conversation.ExternalThreadId?.StartsWith(ChatService.ThreadPrefix, StringComparison.Ordinal) == true
            ? SendOutcome.Sent()
            : SendOutcome.Failed(StoredText.English("Stored.Delivery.NotChat")));
    }
}
