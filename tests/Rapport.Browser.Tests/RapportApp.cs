using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Data;

namespace Rapport.Browser.Tests;

/// <summary>
/// The real app on a free loopback port with its own empty SQLite folder, and Debian's Chromium driven by Playwright.
/// One per test class, so each class starts from a fresh database.
/// </summary>
public sealed class RapportApp : IAsyncLifetime
{
    /// <summary>Debian's package; RAPPORT_CHROMIUM points elsewhere. Never downloaded: this machine has no browser download.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("RAPPORT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private readonly string dataFolder = Path.Combine(Path.GetTempPath(), "rapport-browser-" + Guid.NewGuid().ToString("N"));
    private WebApplication? app;
    private IPlaywright? playwright;

    public string BaseUrl { get; } = $"http://127.0.0.1:{FreePort()}";

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>The running app's services, for tests that put data in place the way a channel would.</summary>
    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>
    /// How long a step may wait for the page. Generous because CI and this machine share two cores among several
    /// processes (load above 20 is common); it bounds waiting only, and no test asserts a duration.
    /// </summary>
    public const int Wait = 30_000;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(Wait);
        if (!File.Exists(ChromiumPath))
        {
            // Fail, never skip: CI installs chromium (apt-get install -y chromium), and a silent skip hides a broken UI.
            throw new InvalidOperationException(
                $"Chromium was not found at {ChromiumPath}. Install it with `apt-get install -y chromium`, or set RAPPORT_CHROMIUM to a Chromium executable.");
        }
        Directory.CreateDirectory(dataFolder);
        app = RapportHost.Build([
            "--urls", BaseUrl,
            "--Rapport:DataFolder=" + dataFolder,
            // The test's feed and webhook servers listen on loopback.
            "--Rapport:Network:AllowPrivateAddresses=true",
            // The test's Mastodon instance speaks plain HTTP, and is only asked what a test asks it (no polling, no streaming).
            "--Rapport:Mastodon:AllowInsecureHttp=true",
            "--Rapport:Mastodon:CheckEvery=00:00:00",
            "--Rapport:Mastodon:Streaming=false",
            // As a newcomer's `dotnet run` starts it: Production, where the static web assets must still be served.
            "--environment", "Production",
            "--applicationName", "rapport",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await DatabaseSetup.MigrateAsync(app.Services.GetRequiredService<IDbContextFactory<RapportDbContext>>());
        await app.StartAsync();

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser profile (no cookies) that speaks <paramref name="locale"/>.</summary>
    public async Task<IPage> NewPageAsync(string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
        });
        context.SetDefaultTimeout(Wait);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        playwright?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
