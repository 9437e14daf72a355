using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Rapport.Conversations.Live;
using Rapport.Outbox;

namespace Rapport.Channels.Chat;

public static class ChatSetup
{
    /// <summary>Registers the website chat: visitor tokens, who is available, the adapter, the reply sender and the rate limit.</summary>
    public static IServiceCollection AddChatChannel(this IServiceCollection services)
    {
        services.AddSingleton<ChatVisitorTokens>();
        services.AddSingleton(sp => new ChatAvailability(sp.GetRequiredService<NodeBus>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, ChatAvailabilityCircuit>());
        services.AddScoped<ChatService>();
        services.AddKeyedSingleton<IChannelSender, ChatSender>(ChannelKind.Chat);
        services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.Section).ValidateDataAnnotations();
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(ChatApi.RateLimit, ctx =>
        {
            var limit = ctx.RequestServices.GetRequiredService<IOptions<ChatOptions>>().Value.RequestsPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter(
                ctx.Connection.RemoteIpAddress?.ToString() ?? "local",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        }));
        return services;
    }

    /// <summary>Serves the one script a brand embeds: <c>&lt;script src="…/chat/widget.js" data-key="pk_…" async&gt;&lt;/script&gt;</c>.</summary>
    public static void MapChatWidget(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/chat/widget.js", (HttpContext http) =>
        {
            // Brands' pages cache it for an hour; a new Rapport version reaches visitors within that.
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return TypedResults.Text(Widget.Value, "text/javascript; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();
    }

    private static readonly Lazy<string> Widget = new(() =>
    {
        using var stream = typeof(ChatSetup).Assembly.GetManifestResourceStream("Rapport.Channels.Chat.widget.js")
            ?? throw new InvalidOperationException("The chat widget script is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
