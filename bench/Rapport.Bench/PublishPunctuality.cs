using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rapport.Channels;
using Rapport.Channels.Mastodon;
using Rapport.Content;
using Rapport.Data;
using Rapport.Workspaces;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// publish-punctuality [--count N] [--minutes M] [--keep]: N posts (1,000) scheduled evenly over M minutes (10) on a
/// Mastodon channel, published by a real `rapport serve` process (SQLite, in a throwaway folder) to a Mastodon-like
/// server in this process, which keeps idempotency keys as Mastodon does. The process is killed and started again at a
/// third and at two thirds of the time. Each post's lateness is the time the server got it minus its scheduled time.
/// A post the server created twice (two statuses with the same text) is doubled; one it never got a minute after the
/// last is missed. Target: p95 ≤ 5 s, none doubled, none missed. Ends with
/// `publish-punctuality: P95 s late, N doubled, N missed`.
/// </summary>
internal static class PublishPunctuality
{
    public static int Run(string[] args)
    {
        var count = Option(args, "--count", 1000);
        var minutes = Option(args, "--minutes", 10);
        return RunAsync(count, minutes, args.Contains("--keep")).GetAwaiter().GetResult();
    }

    /// <summary>What the Mastodon-like server got: each status it created (by text) with when, and the keys it has seen.</summary>
    private sealed class Network
    {
        public ConcurrentDictionary<string, List<DateTime>> Created { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);
        private long next = 110_000_000_000_000_000;

        public async Task HandleAsync(HttpContext context)
        {
            var path = context.Request.Path.Value ?? "";
            context.Response.ContentType = "application/json; charset=utf-8";
            if (context.Request.Method == "POST" && path == "/api/v1/statuses")
            {
                var form = await context.Request.ReadFormAsync();
                var text = form["status"].ToString();
                var key = context.Request.Headers["Idempotency-Key"].ToString();
                // Mastodon answers the same key with the status it already made: that is not a second post.
                var fresh = Interlocked.Increment(ref next).ToString(CultureInfo.InvariantCulture);
                var id = key.Length > 0 ? Keys.GetOrAdd(key, fresh) : fresh;
                if (id == fresh)
                {
                    var times = Created.GetOrAdd(text, _ => []);
                    lock (times)
                    {
                        times.Add(DateTime.UtcNow);
                    }
                }
                await context.Response.WriteAsync(JsonSerializer.Serialize(new { id, content = $"<p>{text}</p>", visibility = "public", created_at = DateTime.UtcNow.ToString("O") }));
                return;
            }
            if (path == "/api/v1/accounts/verify_credentials")
            {
                await context.Response.WriteAsync("""{"id":"1","username":"brand","acct":"brand","display_name":"Brand","followers_count":100}""");
                return;
            }
            if (path.StartsWith("/api/v1/notifications", StringComparison.Ordinal) || path.StartsWith("/api/v1/accounts/1/statuses", StringComparison.Ordinal))
            {
                await context.Response.WriteAsync("[]");
                return;
            }
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("""{"error":"Record not found"}""");
        }
    }

    private static async Task<int> RunAsync(int count, int minutes, bool keep)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"rapport-bench-publish-{Guid.NewGuid():N}"[..44]);
        Directory.CreateDirectory(folder);
        var network = new Network();
        var builder = WebApplication.CreateSlimBuilder();
        var networkUrl = $"http://127.0.0.1:{FreePort()}";
        builder.WebHost.UseUrls(networkUrl);
        builder.Logging.ClearProviders();
        await using var server = builder.Build();
        server.Run(network.HandleAsync);
        await server.StartAsync();
        Process? node = null;
        try
        {
            var duration = TimeSpan.FromMinutes(minutes);
            var url = $"http://127.0.0.1:{FreePort()}";
            // The first post is due once the node has had time to start; the rest evenly over the duration.
            var first = DateTime.UtcNow.AddSeconds(30);
            var schedule = Enumerable.Range(0, count).Select(i => first + duration * i / count).ToList();
            await SetUpAsync(folder, networkUrl, schedule);
            Console.WriteLine($"publish-punctuality: {count} posts over {minutes} min to a Mastodon-like server, one `rapport serve` node on SQLite, "
                + $"restarted at 1/3 and 2/3; {Environment.ProcessorCount} cores; load average at start {LoadAverages()}");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            node = StartNode(url, folder);
            await WaitReadyAsync(http, url);
            var restarts = new List<string>();
            foreach (var third in new[] { 1, 2 })
            {
                var at = first + duration * third / 3;
                if (at > DateTime.UtcNow)
                {
                    await Task.Delay(at - DateTime.UtcNow);
                }
                // A crash, not a polite stop: whatever it was doing is cut short.
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
                var down = Stopwatch.StartNew();
                node = StartNode(url, folder);
                await WaitReadyAsync(http, url);
                restarts.Add($"{down.Elapsed.TotalSeconds:F1} s");
                Console.WriteLine($"restarted at {third}/3 ({DateTime.UtcNow:HH:mm:ss}); back in {down.Elapsed.TotalSeconds:F1} s; {network.Created.Count:N0} posts so far; load average {LoadAverages()}");
            }
            // Until the last post is due and a minute more, or every post is in.
            var end = schedule[^1].AddMinutes(1);
            while (DateTime.UtcNow < end && network.Created.Count < count)
            {
                await Task.Delay(1000);
            }

            var late = new List<double>();
            var doubled = 0;
            var missed = 0;
            for (var i = 0; i < count; i++)
            {
                if (!network.Created.TryGetValue(Text(i), out var times))
                {
                    missed++;
                    continue;
                }
                lock (times)
                {
                    doubled += times.Count > 1 ? 1 : 0;
                    late.Add(Math.Max(0, (times.Min() - schedule[i]).TotalSeconds));
                }
            }
            late.Sort();
            double Percentile(double p) => late.Count == 0 ? double.NaN : late[Math.Min(late.Count - 1, (int)Math.Ceiling(p * late.Count) - 1)];
            var p95 = Percentile(0.95);
            Console.WriteLine($"lateness: p50 {Percentile(0.5):F1} s, p95 {p95:F1} s, max {(late.Count == 0 ? double.NaN : late[^1]):F1} s over {late.Count} posts "
                + $"(target p95 ≤ 5 s: {(p95 <= 5 ? "met" : "MISSED")}); restarts took {string.Join(", ", restarts)}");
            Console.WriteLine($"load average at the end {LoadAverages()}");
            Console.WriteLine($"publish-punctuality: {p95:F1} s late, {doubled} doubled, {missed} missed");
            return doubled == 0 && missed == 0 ? 0 : 1;
        }
        finally
        {
            if (node is { HasExited: false })
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
            }
            ThrowawayStore.Remove("publish-punctuality", keep, folder, null, null);
        }
    }

    private static string Text(int i) => $"Post {i:D5} of the punctuality benchmark: our shop is open on Sunday.";

    /// <summary>The workspace, its Mastodon channel and the scheduled drafts, made through the product's own host.</summary>
    private static async Task SetUpAsync(string folder, string networkUrl, List<DateTime> schedule)
    {
        var app = RapportHost.Build(["--Rapport:DataFolder=" + folder, "--applicationName", "rapport", "--Logging:LogLevel:Default=Warning"]);
        try
        {
            var factory = app.Services.GetRequiredService<RapportDbContextFactory>();
            await DatabaseSetup.MigrateAsync(factory);
            await using var scope = app.Services.CreateAsyncScope();
            var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var (owner, problems) = await workspaces.CreateUserAsync("owner@publish.test", "Owner", "publish test password 1");
            if (owner is null)
            {
                throw new InvalidOperationException(string.Join(" ", problems));
            }
            var workspace = await workspaces.CreateWorkspaceAsync("Publish", owner.Id);
            var secrets = app.Services.GetRequiredService<ChannelSecrets>();
            await using var db = factory.CreateDbContext();
            var channel = new Channel
            {
                WorkspaceId = workspace.Id,
                Name = "Mastodon",
                Kind = ChannelKind.Mastodon,
                Direction = ChannelDirection.Inbox,
                Settings = JsonSerializer.Serialize(new { instanceUrl = networkUrl }),
                ProtectedSecrets = secrets.Protect(new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = "bench-token" }),
                CreatedAt = DateTime.UtcNow,
            };
            db.Channels.Add(channel);
            var now = DateTime.UtcNow;
            for (var i = 0; i < schedule.Count; i++)
            {
                var draft = new Draft
                {
                    WorkspaceId = workspace.Id,
                    Title = $"Post {i}",
                    AuthorUserId = owner.Id,
                    AuthorName = "Owner",
                    Status = DraftStatus.Scheduled,
                    ScheduledAt = schedule[i],
                    ApprovedByUserId = owner.Id,
                    UsefulnessScore = 80,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                draft.Variants.Add(new DraftVariant { WorkspaceId = workspace.Id, DraftId = draft.Id, ChannelId = channel.Id, Text = Text(i) });
                db.Add(draft);
            }
            await db.SaveChangesAsync();
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static Process StartNode(string url, string folder)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "rapport.dll"), "serve", "--urls", url, "--Rapport:DataFolder=" + folder,
            "--Logging:LogLevel:Default=Warning", "--Rapport:Network:AllowPrivateAddresses=true", "--Rapport:Mastodon:AllowInsecureHttp=true",
            "--Rapport:Mastodon:Streaming=false", "--Rapport:Mastodon:CheckEvery=00:00:00",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("rapport could not be started.");
        var shown = 0;
        void Show(object _, DataReceivedEventArgs e)
        {
            if (e.Data is { Length: > 0 } line && (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
                && Interlocked.Increment(ref shown) <= 20)
            {
                Console.Error.WriteLine($"[node] {line}");
            }
        }
        process.OutputDataReceived += Show;
        process.ErrorDataReceived += Show;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(HttpClient http, string url)
    {
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            try
            {
                using var response = await http.GetAsync($"{url}/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Starting.
            }
            await Task.Delay(200);
        }
        throw new InvalidOperationException($"{url} did not start.");
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }
}
