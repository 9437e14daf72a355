using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Data;
using Rapport.Links;
using Rapport.Workspaces;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// link-redirect [--requests N] [--concurrency C] [--postgres CONNECTION]: the public short-link redirect on the real
/// app (Kestrel on loopback; SQLite, or PostgreSQL when given). C clients send N GET /l/{code} over 100 links, as 2,000
/// browsers (each link once or more per browser: repeats) and 5 % link-preview robots. Prints redirects per second,
/// p50/p95 latency and the load average, then waits for the click writer and checks that the database holds exactly one
/// click per browser and link, and the robots and repeats as counters. Ends with `link-redirect: N redirects/s`.
/// </summary>
internal static class LinkRedirect
{
    private const int Links = 100;
    private const int Browsers = 2000;

    public static int Run(string[] args)
    {
        var requests = args.SkipWhile(a => a != "--requests").Skip(1).Select(int.Parse).FirstOrDefault(100_000);
        var concurrency = args.SkipWhile(a => a != "--concurrency").Skip(1).Select(int.Parse).FirstOrDefault(8);
        var postgres = args.SkipWhile(a => a != "--postgres").Skip(1).FirstOrDefault();
        return RunAsync(requests, concurrency, postgres).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int requests, int concurrency, string? postgres)
    {
        var folder = Path.Combine(Path.GetTempPath(), "rapport-bench-links-" + Guid.NewGuid().ToString("N")[..8]);
        var url = $"http://127.0.0.1:{FreePort()}";
        string[] settings = ["--urls", url, "--Rapport:DataFolder=" + folder, "--applicationName", "rapport", "--Logging:LogLevel:Default=Warning"];
        if (postgres is not null)
        {
            settings = [.. settings, "--Rapport:Postgres=" + postgres];
        }
        var app = RapportHost.Build(settings);
        try
        {
            var factory = app.Services.GetRequiredService<RapportDbContextFactory>();
            await DatabaseSetup.MigrateAsync(factory);
            await app.StartAsync();
            var codes = await SetUpAsync(app.Services);
            Console.WriteLine($"link-redirect: {requests:N0} requests, {concurrency} clients, {Links} links, {Browsers:N0} browsers, {factory.Provider}; "
                + $"{Environment.ProcessorCount} cores; load average at start {LoadAverages()}");

            using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = concurrency, UseCookies = false };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(url) };
            // Warm-up: JIT, connections, and each code into the cache; these clicks are counted too.
            var plan = Plan(requests + 2000, codes);
            await SendAllAsync(http, plan[..2000], concurrency, null);

            var latencies = new double[requests];
            var sw = Stopwatch.StartNew();
            await SendAllAsync(http, plan[2000..], concurrency, latencies);
            var seconds = sw.Elapsed.TotalSeconds;
            var figures = InboxLatency.Figures.Of([.. latencies]);
            var perSecond = requests / seconds;
            Console.WriteLine($"{requests:N0} redirects in {seconds:F2} s: {perSecond:F0}/s; latency p50 {figures.P50:F2} ms, p95 {figures.P95:F2} ms, max {figures.Max:F1} ms; "
                + $"load average {LoadAverages()}");

            // Every click written: the database must hold one click per browser and link, and the rest as counters.
            sw.Restart();
            await app.Services.GetRequiredService<ClickQueue>().FlushAsync();
            var expectedClicks = plan.Where(p => !p.Robot).Select(p => (p.Code, p.Agent)).Distinct().LongCount();
            var expectedRobots = plan.LongCount(p => p.Robot);
            var expectedRepeats = plan.LongCount(p => !p.Robot) - expectedClicks;
            await using var db = factory.CreateDbContext();
            var clicks = await db.Set<LinkClick>().LongCountAsync();
            var robots = await db.Set<TrackedLink>().SumAsync(l => l.BotRequests);
            var repeats = await db.Set<TrackedLink>().SumAsync(l => l.RepeatedClicks);
            var exact = clicks == expectedClicks && robots == expectedRobots && repeats == expectedRepeats;
            Console.WriteLine($"written {sw.Elapsed.TotalMilliseconds:F0} ms after the last redirect: {clicks:N0} clicks (expected {expectedClicks:N0}), "
                + $"{robots:N0} robot requests (expected {expectedRobots:N0}), {repeats:N0} repeats (expected {expectedRepeats:N0}): {(exact ? "exact" : "MISMATCH")}");
            Console.WriteLine($"link-redirect: {perSecond:F0} redirects/s, p95 {figures.P95:F2} ms");
            return exact ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private readonly record struct Visit(string Code, string Agent, bool Robot);

    /// <summary>Who asks for what, decided up front (seeded) so the expected counts are known exactly.</summary>
    private static Visit[] Plan(int count, List<string> codes)
    {
        var random = new Random(42);
        var visits = new Visit[count];
        for (var i = 0; i < count; i++)
        {
            var code = codes[random.Next(codes.Count)];
            visits[i] = random.NextDouble() < 0.05
                ? new Visit(code, "Mozilla/5.0 (compatible; Twitterbot/1.0)", true)
                : new Visit(code, $"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0 visitor-{random.Next(Browsers)}", false);
        }
        return visits;
    }

    private static async Task SendAllAsync(HttpClient http, Visit[] visits, int concurrency, double[]? latencies)
    {
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < visits.Length)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/l/" + visits[i].Code);
                request.Headers.TryAddWithoutValidation("User-Agent", visits[i].Agent);
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != HttpStatusCode.Redirect)
                {
                    throw new InvalidOperationException($"/l/{visits[i].Code} answered {(int)response.StatusCode}.");
                }
                if (latencies is not null)
                {
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
    }

    private static async Task<List<string>> SetUpAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
        var (user, _) = await workspaces.CreateUserAsync("owner@bench.test", "Owner", "correct horse battery");
        var workspace = await workspaces.CreateWorkspaceAsync("Bench", user!.Id);
        var db = scope.ServiceProvider.GetRequiredService<RapportDbContext>();
        var links = scope.ServiceProvider.GetRequiredService<LinkService>();
        var codes = new List<string>(Links);
        for (var i = 0; i < Links; i++)
        {
            var (link, _) = await links.CreateAsync(db, new LinkActor(workspace.Id, user.Id, "Bench"),
                new CreateLinkRequest($"https://shop.example/product/{i}?ref=bench", "mastodon", "social", "spring", $"post-{i}"));
            codes.Add(link!.Code);
        }
        return codes;
    }
}
