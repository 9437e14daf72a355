using Microsoft.Extensions.Options;
using Rapport.Outbox;

namespace Rapport.Channels.Bluesky;

public static class BlueskySetup
{
    /// <summary>The Bluesky channel: sessions, the notification poller and its worker, and the sender of replies.</summary>
    public static IServiceCollection AddBlueskyChannel(this IServiceCollection services)
    {
        services.AddOptions<BlueskyOptions>()
            .BindConfiguration(BlueskyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpClient(BlueskyOptions.HttpClientName, (sp, client) =>
            {
                // The per-request deadline is the client's own; this one only stops a request the deadline missed.
                client.Timeout = sp.GetRequiredService<IOptions<BlueskyOptions>>().Value.Timeout + TimeSpan.FromSeconds(5);
                client.DefaultRequestHeaders.UserAgent.ParseAdd(BlueskyOptions.UserAgent);
            })
            // A redirect would send the app password or a token elsewhere: the service URL must answer itself.
            .ConnectToPublicHostsOnly(() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(15) });
        services.AddSingleton<BlueskySessions>();
        services.AddSingleton<BlueskyConnector>();
        services.AddScoped<BlueskyPoller>();
        services.AddSingleton<BlueskyWorker>();
        services.AddKeyedSingleton<IChannelSender, BlueskySender>(ChannelKind.Bluesky);
        return services;
    }
}
