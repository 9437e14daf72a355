using Rapport.Channels;
using Rapport.Events;
using Rapport.Outbox;

namespace Rapport.Webhooks;

public static class WebhooksSetup
{
    /// <summary>Outgoing webhooks: the subscriptions' service, a subscriber for every event type, and the outbox's sender.</summary>
    public static IServiceCollection AddOutgoingWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSubscriptionCache>();
        services.AddScoped<WebhookSubscriptions>();
        services.AddSingleton<IEventDeliverySender, WebhookEventSender>();
        services.AddSingleton<IEventHandler<MessageAccepted>, WebhookEventHandler<MessageAccepted>>();
        services.AddSingleton<IEventHandler<MessageProcessed>, WebhookEventHandler<MessageProcessed>>();
        services.AddSingleton<IEventHandler<ConversationUpdated>, WebhookEventHandler<ConversationUpdated>>();
        services.AddSingleton<IEventHandler<ConversationResolved>, WebhookEventHandler<ConversationResolved>>();
        services.AddSingleton<IEventHandler<ReplyDelivered>, WebhookEventHandler<ReplyDelivered>>();
        services.AddSingleton<IEventHandler<PostPublished>, WebhookEventHandler<PostPublished>>();
        services.AddSingleton<IEventHandler<SurveyAnswered>, WebhookEventHandler<SurveyAnswered>>();
        services.AddSingleton<IEventHandler<AlertRaised>, WebhookEventHandler<AlertRaised>>();
        services.AddHttpClient(WebhookEventSender.HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(10))
            // A redirect would turn the POST into a GET elsewhere: the URL must answer itself. Typed by admins: public
            // hosts only, unless Rapport:Network:AllowPrivateAddresses.
            .ConnectToPublicHostsOnly(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        return services;
    }
}
