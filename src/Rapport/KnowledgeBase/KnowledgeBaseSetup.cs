using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Rapport.KnowledgeBase;

public static class KnowledgeBaseSetup
{
    /// <summary>The public help pages' limit per client address: generous for a reader, a wall for a scraper.</summary>
    public const string HelpRateLimit = "help";

    public static IServiceCollection AddKnowledgeBase(this IServiceCollection services)
    {
        services.AddSingleton<UnansweredQuestions>();
        services.AddSingleton<ReplySuggestions>();
        services.AddScoped<KnowledgeBaseService>();
        services.AddScoped<MacroRunner>();
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(HelpRateLimit, ctx => RateLimitPartition.GetFixedWindowLimiter(
            ctx.Connection.RemoteIpAddress?.ToString() ?? "local",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = 120, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })));
        return services;
    }

    public static void Map(RouteGroupBuilder workspace)
    {
        KnowledgeBaseApi.Map(workspace);
        ComposerApi.Map(workspace);
    }
}
