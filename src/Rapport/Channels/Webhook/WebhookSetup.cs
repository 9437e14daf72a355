using Rapport.Outbox;

namespace Rapport.Channels.Webhook;

public static class WebhookSetup
{
    /// <summary>Registers the webhook channel: the signed receiver and the reply sender.</summary>
    public static IServiceCollection AddWebhookChannel(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.TimestampTolerance > TimeSpan.Zero && o.SendTimeout > TimeSpan.Zero && o.MaxMessagesPerDelivery > 0,
                "Webhook tolerance, timeout and batch size must be positive.");
        services.AddScoped<WebhookReceiver>();
        services.AddSingleton<WebhookReceipts>();
        services.AddSingleton<WebhookRefusals>();
        services.AddHttpClient(WebhookSender.HttpClientName)
            .ConfigureHttpClient((sp, client) => client.Timeout = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value.SendTimeout)
            // A redirect would turn the POST into a GET elsewhere: the callback URL must answer itself. Typed by admins:
            // public hosts only, unless Rapport:Network:AllowPrivateAddresses.
            .ConnectToPublicHostsOnly(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddKeyedSingleton<IChannelSender, WebhookSender>(ChannelKind.Webhook);
        return services;
    }
}
