using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Rapport.Channels.Feeds;

public static class FeedSetup
{
    /// <summary>The feed reader, its HTTP client and its worker.</summary>
    public static IServiceCollection AddFeeds(this IServiceCollection services)
    {
        services.AddOptions<FeedOptions>()
            .BindConfiguration(FeedOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpClient(FeedOptions.HttpClientName, (sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<FeedOptions>>().Value.Timeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd(FeedOptions.UserAgent);
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/rss+xml"));
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/atom+xml"));
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml", 0.9));
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/xml", 0.9));
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*", 0.5));
            })
            // Feed URLs are typed by admins: public hosts only, unless Rapport:Network:AllowPrivateAddresses.
            .ConnectToPublicHostsOnly(() => new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.All,
                MaxAutomaticRedirections = 5,
                ConnectTimeout = TimeSpan.FromSeconds(15),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        services.AddScoped<FeedPoller>();
        services.AddSingleton<FeedWorker>();
        return services;
    }
}
