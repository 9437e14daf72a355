using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Http.Resilience;
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
            })
            // A feed is read with GET only: a transient failure (connection error, 408, 429, 5xx) is tried twice more
            // with jittered backoff; unsafe methods are never retried. The client's own timeout still bounds the whole
            // read and fires first, so a slow feed reads as it always did; one circuit per host (docs/decisions/0059).
            .AddStandardResilienceHandler()
            .SelectPipelineByAuthority()
            .Configure((o, sp) =>
            {
                var timeout = sp.GetRequiredService<IOptions<FeedOptions>>().Value.Timeout + TimeSpan.FromSeconds(5);
                o.Retry.MaxRetryAttempts = 2;
                o.Retry.Delay = TimeSpan.FromMilliseconds(500);
                o.Retry.DisableForUnsafeHttpMethods();
                o.AttemptTimeout.Timeout = timeout;
                o.TotalRequestTimeout.Timeout = timeout + TimeSpan.FromSeconds(5);
                o.CircuitBreaker.SamplingDuration = 2 * timeout;
            });
        services.AddScoped<FeedPoller>();
        services.AddSingleton<FeedWorker>();
        return services;
    }
}
