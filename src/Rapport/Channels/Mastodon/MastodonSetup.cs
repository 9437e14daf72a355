using System.Net;
using Microsoft.Extensions.Options;
using Rapport.Outbox;

namespace Rapport.Channels.Mastodon;

public static class MastodonSetup
{
    /// <summary>The Mastodon channel: its HTTP clients, the poller and its worker, the streaming worker, and the sender of replies.</summary>
    public static IServiceCollection AddMastodonChannel(this IServiceCollection services)
    {
        services.AddOptions<MastodonOptions>()
            .BindConfiguration(MastodonOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Redirects are not followed: the access token must only go to the channel's instance, and instances are public hosts
        // unless Rapport:Network:AllowPrivateAddresses.
        services.AddHttpClient(MastodonOptions.HttpClientName, (sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<MastodonOptions>>().Value.Timeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd(MastodonOptions.UserAgent);
            })
            .ConnectToPublicHostsOnly(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.All,
                ConnectTimeout = TimeSpan.FromSeconds(15),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        services.AddHttpClient(MastodonOptions.StreamingClientName, client =>
            {
                // A stream stays open for hours; the worker notices a silent one by itself.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd(MastodonOptions.UserAgent);
            })
            .ConnectToPublicHostsOnly(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(15),
            });
        services.AddSingleton<MastodonClient>();
        services.AddScoped<MastodonPoller>();
        services.AddSingleton<MastodonWorker>();
        services.AddSingleton<MastodonStreamWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<MastodonStreamWorker>());
        services.AddKeyedSingleton<IChannelSender, MastodonSender>(ChannelKind.Mastodon);
        return services;
    }
}
