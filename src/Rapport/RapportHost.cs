using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MudBlazor.Services;
using Rapport.Accounts;
using Rapport.Api;
using Rapport.Audit;
using Rapport.Channels;
using Rapport.Channels.Bluesky;
using Rapport.Channels.Chat;
using Rapport.Channels.Email;
using Rapport.Channels.Feeds;
using Rapport.Channels.Mastodon;
using Rapport.Channels.Webhook;
using Rapport.Components;
using Rapport.Data;
using Rapport.Events;
using Rapport.Ingest;
using Rapport.KnowledgeBase;
using Rapport.Outbox;
using Rapport.Scheduling;
using Rapport.Webhooks;
using Rapport.Workspaces;

namespace Rapport;

/// <summary>Builds the one process that serves the web app, the API and the workers.</summary>
public static class RapportHost
{
    public const string DefaultUrl = "http://localhost:5080";
    public static readonly CultureInfo[] SupportedCultures = [new("en"), new("fr")];

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot(args) });
        // The build output serves MudBlazor's and Blazor's files from where NuGet and the SDK keep them, listed in a
        // manifest that only Development reads by default: read it in every environment, so `dotnet run` works as the
        // README says. A published build has no such manifest (its files are in wwwroot) and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        AddServices(builder.Services, builder.Configuration);
        var app = builder.Build();
        UsePipeline(app);
        return app;
    }

    /// <summary>
    /// The folder of the app's own files (appsettings.json, wwwroot): where the program is, not the current directory, so
    /// a service manager that starts Rapport from another folder still finds them. --contentRoot or
    /// ASPNETCORE_CONTENTROOT still choose another.
    /// </summary>
    private static string? ContentRoot(string[] args) =>
        args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"))
            ? null
            : AppContext.BaseDirectory;

    public static void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RapportOptions>()
            .BindConfiguration(RapportOptions.Section)
            .PostConfigure(o => o.Postgres = string.IsNullOrWhiteSpace(o.Postgres) ? configuration.GetConnectionString("Postgres") : o.Postgres)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddRapportDatabase();

        // Channel secrets are encrypted with keys kept in the database; in production, wrap those keys with a
        // certificate kept outside the database so a stolen database alone reveals no secret.
        var keys = services.AddDataProtection().SetApplicationName("Rapport").PersistKeysToDbContext<RapportDbContext>();
        if (configuration["Rapport:KeyCertificate"] is { Length: > 0 } certificate)
        {
            keys.ProtectKeysWithCertificate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                certificate, configuration["Rapport:KeyCertificatePassword"]));
        }
        services.AddSingleton<ChannelSecrets>();
        services.AddOptions<NetworkOptions>().BindConfiguration(NetworkOptions.Section);

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = "rapport";
                o.DefaultChallengeScheme = "rapport";
            })
            .AddPolicyScheme("rapport", "Cookie or API token", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiTokenAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        services.AddIdentityCore<User>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<RapportDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "rapport.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Secure whenever the request is HTTPS; plain HTTP is only for localhost and tests.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/signin";
            o.AccessDeniedPath = "/account/denied";
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromDays(7);
            // The API answers 401/403 with problem details instead of redirecting to the sign-in page.
            o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
        });
        services.AddSessions();
        services.AddAuthorization(Policies.Add);
        services.AddScoped<WorkspaceResolver>();
        services.AddScoped<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, WorkspaceRoleHandler>();
        services.AddScoped<AuditLog>();
        services.AddSingleton<Notifications.Notifier>();
        services.AddScoped<SignInService>();
        services.AddScoped<ProfileService>();
        services.AddSingleton<SetupGate>();
        services.AddScoped<InstanceSetup>();
        services.AddAntiforgery(o => o.Cookie.Name = "rapport.af");
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Say when to come back: the limiter knows when its window ends.
            o.OnRejected = (ctx, _) =>
            {
                var wait = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                ctx.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            o.AddPolicy(SignInService.RateLimitPolicy, ctx =>
            {
                var limits = ctx.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RapportOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    ctx.Connection.RemoteIpAddress?.ToString() ?? "local",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.SignInAttempts, Window = limits.SignInWindow, QueueLimit = 0 });
            });
            o.AddPolicy(SurveyRateLimit, ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.Connection.RemoteIpAddress?.ToString() ?? "local",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

        services.AddProblemDetails();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o =>
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.Configure<KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestBodySize = 10 * 1024 * 1024;
            // Above the API's own limit, which answers with problem details where Kestrel's bare 414 could not.
            o.Limits.MaxRequestLineSize = Api.RequestLineLimit.KestrelMaxRequestLine;
        });

        services.AddLocalization();
        // A form field's whole text travels in one circuit message: a 100,000-character article or reply, written in
        // three-byte characters, needs more than SignalR's default 32 KB, which would drop the circuit and the text.
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 512 * 1024);
        services.AddCascadingAuthenticationState();
        services.AddMudServices();
        services.AddTransient<MudBlazor.MudLocalizer, Resources.MudText>();
        services.AddScoped<Components.Shared.WorkspaceSession>();
        services.AddSingleton<Conversations.AnalysisWords>();
        services.AddSingleton<Audit.AuditWords>();
        services.AddSingleton<Resources.StoredText>();

        services.AddSingleton<Learning.WorkspaceAnalyzers>();
        services.AddScoped<Learning.WorkspaceTraining>();
        services.AddSingleton<Learning.RetrainWorker>();
        services.AddScoped<IngestService>();
        Listening.ListeningSetup.AddListening(services);
        Commitments.CommitmentsSetup.AddCommitments(services);
        Content.ContentSetup.AddContent(services);
        services.AddScoped<Reprocessing>();
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IngestSignal>();
        services.AddSingleton<IngestWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestWorker>());
        services.AddScoped<WorkspaceService>();
        services.AddScoped<TeamsAndLabels>();
        services.AddScoped<Automation.AutomationRuleService>();
        services.AddScoped<ApiTokenService>();
        services.AddScoped<MemberService>();
        services.AddScoped<Demo.DemoSeeder>();
        services.AddScoped<Channels.Import.ImportService>();
        services.AddOptions<Channels.Import.ImportOptions>().BindConfiguration(Channels.Import.ImportOptions.Section).ValidateDataAnnotations();
        services.AddSingleton<Channels.Import.ImportRuns>();
        services.AddHostedService(sp => sp.GetRequiredService<Channels.Import.ImportRuns>());
        services.AddFeeds();
        services.AddEmailChannel();
        services.AddBlueskyChannel();
        services.AddScoped<ChannelConnectionTest>();
        services.AddScoped<ChannelChanges>();
        services.AddScoped<Conversations.ConversationActions>();
        services.AddScoped<Learning.AnalysisCorrections>();
        services.AddScoped<Conversations.ConversationNotes>();
        services.AddScoped<Conversations.ConversationMerge>();
        services.AddSingleton(sp => new Conversations.Live.ConversationPresence(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Conversations.Live.NodeBus>()));
        services.AddOutbox();
        services.AddEvents();
        services.AddOutgoingWebhooks();
        services.AddWebhookChannel();
        services.AddChatChannel();
        services.AddMastodonChannel();
        services.AddScoped<Automation.AutomationEngine>();
        services.AddOptions<Sla.SlaOptions>().BindConfiguration(Sla.SlaOptions.Section).ValidateDataAnnotations();
        services.AddSingleton<Sla.SlaWorker>();
        services.AddOptions<Satisfaction.SurveyOptions>().BindConfiguration(Satisfaction.SurveyOptions.Section);
        services.AddOptions<Notifications.MailOptions>().BindConfiguration(Notifications.MailOptions.Section);
        services.AddSingleton<Notifications.SystemMail>();
        services.AddSingleton<Reports.WeeklyDigests>();
        services.AddSingleton<Satisfaction.SurveyLinks>();
        services.AddScoped<Satisfaction.SurveyService>();
        services.AddKnowledgeBase();
        services.AddRapportScheduler(configuration);
        Links.LinksSetup.AddLinks(services);
        services.AddScoped<Conversions.ConversionService>();
        services.AddSingleton<Export.ExportService>();
        services.AddSingleton<Performance.PostMetricsFetcher>();
    }

    public const string SurveyRateLimit = "survey";

    public static void UsePipeline(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Behind a TLS-terminating proxy: the client's scheme and address, from proxies we trust only
        // (loopback by default, plus Rapport:TrustedProxies), so cookies stay Secure and limits stay per client.
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost };
        foreach (var proxy in (app.Configuration["Rapport:TrustedProxies"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        }
        app.UseForwardedHeaders(forwarded);
        // Short links answer before anything else runs: they need no session, no language and no route (docs/links.md).
        app.UseMiddleware<Links.LinkRedirect>();
        app.UseMiddleware<SecurityHeaders>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Bad requests (malformed bodies, oversized bodies) keep their status; anything else is a 500.
            StatusCodeSelector = ex => ex is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments("/api"), api =>
        {
            api.UseStatusCodePages();
            api.UseMiddleware<Api.RequestLineLimit>();
            api.UseMiddleware<RequestSizeLimit>();
        });
        app.UseRequestLocalization(o =>
        {
            o.SetDefaultCulture("en");
            o.SupportedCultures = SupportedCultures;
            o.SupportedUICultures = SupportedCultures;
            o.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        });
        app.UseAuthentication();
        app.UseMiddleware<SameOriginWrites>();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapOpenApi();
        app.MapHealthChecks();
        app.MapRapportApi();
        Commitments.TransparencyPage.MapFeed(app);
        app.MapChatWidget();
        app.MapAccountEndpoints();
        app.MapProfileEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }

    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api"))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    private static void MapHealthChecks(this WebApplication app) =>
        app.MapGet("/healthz", async (RapportDbContext db, CancellationToken ct) =>
            await db.Database.CanConnectAsync(ct)
                ? Results.Ok(new { status = "healthy" })
                : Results.Problem("The database cannot be reached.", statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous()
            .ExcludeFromDescription();
}
