using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rapport.Accounts;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// cluster-load [--seconds S] [--rate R] [--agents A] [--sync] [--keep]: two real `rapport serve` nodes on one PostgreSQL
/// (RAPPORT_BENCH_POSTGRES; a throwaway database), R inbound messages a second (500) sent for S seconds (600) through
/// the API, alternately to each node, each answered once accepted (<c>Prefer: respond-async</c>; with --sync, once
/// processed, as a client that wants the conversation's id at once), while A agents (50), each on one node, loop over inbox → conversation → reply →
/// resolve. Then it waits for the pipeline to drain and checks every accepted message was stored and processed exactly
/// once. Prints the inbox p95, the processing lag (accepted → processed) p95, errors, and the load average. Targets:
/// inbox p95 ≤ 200 ms, lag p95 ≤ 5 s, nothing lost or doubled. Ends with `cluster-load: P95 ms, N lost, N doubled`.
/// </summary>
internal static class ClusterLoad
{
    /// <summary>Inbound requests open at once: the senders of a busy network, not an unbounded crowd.</summary>
    private const int MaxInFlight = 64;

    /// <summary>Whether inbound messages ask to be answered once accepted, and are processed by the nodes' ingest workers.</summary>
    private static bool respondAsync = true;

    /// <summary>Batches the nodes' ingest workers saw refused (a concurrent write) and processed again one by one.</summary>
    private static int refusedBatches;

    public static int Run(string[] args)
    {
        var seconds = Option(args, "--seconds", 600);
        var rate = Option(args, "--rate", 500);
        var agents = Option(args, "--agents", 50);
        if (Environment.GetEnvironmentVariable("RAPPORT_BENCH_POSTGRES") is not { Length: > 0 } server)
        {
            Console.Error.WriteLine("cluster-load needs RAPPORT_BENCH_POSTGRES (a PostgreSQL server's connection string): the nodes share one database.");
            return 2;
        }
        respondAsync = !args.Contains("--sync");
        return RunAsync(server, seconds, rate, agents, args.Contains("--keep")).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string server, int seconds, int rate, int agentCount, bool keep)
    {
        var database = "rapport_bench_" + Guid.NewGuid().ToString("N")[..8];
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        var folders = new[] { Temp("a"), Temp("b") };
        var processes = new List<Process>();
        try
        {
            var (workspaceId, channelId, tokens) = await SetUpAsync(connection, folders[0], agentCount);
            var urls = new[] { $"http://127.0.0.1:{FreePort()}", $"http://127.0.0.1:{FreePort()}" };
            for (var n = 0; n < 2; n++)
            {
                processes.Add(StartNode(urls[n], folders[n], connection, $"node-{(char)('a' + n)}"));
            }
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(15) };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
            foreach (var url in urls)
            {
                await WaitReadyAsync(http, url);
            }
            Console.WriteLine($"cluster-load: 2 nodes on PostgreSQL, {rate} inbound messages/s for {seconds} s, {agentCount} agents; "
                + $"{Environment.ProcessorCount} cores; load average at start {LoadAverages()}");

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var errors = new ConcurrentBag<string>();
            var inbox = new ConcurrentBag<double>();
            var accepted = new ConcurrentDictionary<string, bool>();
            var agentsWork = Enumerable.Range(0, agentCount)
                .Select(i => AgentAsync(http, urls[i % 2], workspaceId, tokens[i], i, inbox, errors, stop.Token)).ToList();
            var sw = Stopwatch.StartNew();
            await InboundAsync(http, urls, workspaceId, channelId, tokens[0], rate, accepted, errors, stop.Token);
            await Task.WhenAll(agentsWork);
            var sent = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"sent for {sent:F0} s: {accepted.Count:N0} messages accepted ({accepted.Count / sent:F0}/s), {inbox.Count:N0} inbox reads; "
                + $"load average {LoadAverages()}");

            // Drain: every accepted message processed, then counted.
            var drain = Stopwatch.StartNew();
            await using var dataSource = NpgsqlDataSource.Create(connection);
            long waiting;
            do
            {
                await Task.Delay(1000);
                waiting = await ScalarAsync(dataSource, $"SELECT count(*) FROM \"ReceivedItems\" WHERE \"State\" = '{ReceivedItemState.Accepted}'");
            }
            while (waiting > 0 && drain.Elapsed < TimeSpan.FromMinutes(10));
            var failed = await ScalarAsync(dataSource, $"SELECT count(*) FROM \"ReceivedItems\" WHERE \"State\" = '{ReceivedItemState.Failed}'");
            // Lost: answered as accepted but not stored. A request that timed out on the client may still have been stored: not counted either way.
            var storedIds = new HashSet<string>();
            long rows = 0;
            await using (var command = dataSource.CreateCommand($"SELECT \"ExternalId\" FROM \"Messages\" WHERE \"ChannelId\" = '{channelId}' AND \"ExternalId\" LIKE 'load-%'"))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    storedIds.Add(reader.GetString(0));
                    rows++;
                }
            }
            var lag = await LagAsync(dataSource);
            var lost = accepted.Keys.Count(id => !storedIds.Contains(id));
            var doubled = rows - storedIds.Count;
            var figures = InboxLatency.Figures.Of([.. inbox]);
            Console.WriteLine($"drained {drain.Elapsed.TotalSeconds:F0} s after the last message; {waiting:N0} still waiting, {failed:N0} failed processing");
            Console.WriteLine($"inbox: p50 {figures.P50:F0} ms, p95 {figures.P95:F0} ms, max {figures.Max:F0} ms (target p95 ≤ 200 ms: {(figures.P95 <= 200 ? "met" : "MISSED")})");
            Console.WriteLine($"processing lag (accepted → processed): p50 {lag.P50:F2} s, p95 {lag.P95:F2} s (target p95 ≤ 5 s: {(lag.P95 <= 5 ? "met" : "MISSED")})");
            Console.WriteLine($"ingest batches refused and processed again one by one: {refusedBatches}");
            Console.WriteLine($"errors: {errors.Count:N0}{(errors.IsEmpty ? "" : " — first: " + string.Join(" | ", errors.Take(5)))}");
            Console.WriteLine($"load average at the end {LoadAverages()}");
            Console.WriteLine($"cluster-load: {figures.P95:F0} ms, {lost} lost, {doubled} doubled");
            return lost == 0 && doubled == 0 && failed == 0 && errors.IsEmpty ? 0 : 1;
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            foreach (var folder in folders)
            {
                ThrowawayStore.Remove("cluster-load", keep, folder, keep ? null : database, server);
            }
        }
    }

    /// <summary>The workspace, its API channel and one API token per agent, made through the product's own services.</summary>
    private static async Task<(Guid Workspace, Guid Channel, List<string> Tokens)> SetUpAsync(string connection, string folder, int agents)
    {
        var app = RapportHost.Build(["--Rapport:DataFolder=" + folder, "--Rapport:Postgres=" + connection, "--applicationName", "rapport", "--Logging:LogLevel:Default=Warning"]);
        try
        {
            var factory = app.Services.GetRequiredService<RapportDbContextFactory>();
            await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connection) { Database = "postgres" }.ConnectionString))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{new NpgsqlConnectionStringBuilder(connection).Database}\"", admin);
                await create.ExecuteNonQueryAsync();
            }
            await DatabaseSetup.MigrateAsync(factory);
            await using var scope = app.Services.CreateAsyncScope();
            var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var (owner, problems) = await workspaces.CreateUserAsync("owner@load.test", "Owner", "load test password 1");
            if (owner is null)
            {
                throw new InvalidOperationException(string.Join(" ", problems));
            }
            var workspace = await workspaces.CreateWorkspaceAsync("Load", owner.Id);
            await using var db = factory.CreateDbContext();
            var channel = new Channels.Channel { WorkspaceId = workspace.Id, Name = "API", Kind = Channels.ChannelKind.Api, Direction = Channels.ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow };
            db.Channels.Add(channel);
            var tokens = new List<string>();
            for (var i = 0; i < agents; i++)
            {
                var (user, errors) = await workspaces.CreateUserAsync($"agent{i}@load.test", $"Agent {i}", "load test password 1");
                if (user is null)
                {
                    throw new InvalidOperationException(string.Join(" ", errors));
                }
                await workspaces.AddMemberAsync(workspace.Id, user.Id, Role.Agent, null);
                var secret = TokenHasher.NewToken(ApiTokenAuthenticationHandler.TokenPrefix);
                db.ApiTokens.Add(new ApiToken
                {
                    WorkspaceId = workspace.Id,
                    Name = $"agent {i}",
                    Prefix = secret[..10],
                    TokenHash = TokenHasher.Hash(secret),
                    Role = Role.Agent,
                    CreatedByUserId = user.Id,
                    CreatedAt = DateTime.UtcNow,
                });
                tokens.Add(secret);
            }
            await db.SaveChangesAsync();
            return (workspace.Id, channel.Id, tokens);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static Process StartNode(string url, string folder, string connection, string name)
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
            "--Rapport:Postgres=" + connection, "--Rapport:Scheduling:NodeName=" + name, "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("rapport could not be started.");
        // The console logger writes to standard output: its errors (and the lines after, the exception) are shown.
        var shownLines = 0;
        var showNext = 0;
        void Show(object _, DataReceivedEventArgs e)
        {
            if (e.Data is not { Length: > 0 } line)
            {
                return;
            }
            if (line.Contains("A batch of accepted items was refused", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref refusedBatches);
            }
            var failure = line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal);
            if ((failure || showNext > 0) && Interlocked.Increment(ref shownLines) <= 40)
            {
                Console.Error.WriteLine($"[{name}] {line}");
            }
            showNext = failure ? 3 : showNext - 1;
        }
        process.OutputDataReceived += Show;
        process.ErrorDataReceived += Show;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// R messages a second, paced by the clock, alternately to each node, at most <see cref="MaxInFlight"/> at once: a
    /// cluster slower than the rate gets fewer messages (the achieved rate is printed), not a pile of time-outs.
    /// </summary>
    private static async Task InboundAsync(HttpClient http, string[] urls, Guid workspaceId, Guid channelId, string token, int rate,
        ConcurrentDictionary<string, bool> accepted, ConcurrentBag<string> errors, CancellationToken stop)
    {
        var sent = 0L;
        var sw = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        using var slots = new SemaphoreSlim(MaxInFlight);
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(sw.Elapsed.TotalSeconds * rate);
            for (; sent < due && slots.Wait(0); sent++)
            {
                var n = sent;
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await SendAsync(http, urls[n % 2], workspaceId, channelId, token, n, accepted, errors);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }));
            }
            inFlight.RemoveAll(t => t.IsCompleted);
            await Task.Delay(10, CancellationToken.None);
        }
        await Task.WhenAll(inFlight);
        Console.WriteLine($"offered {rate}/s; sent {sent:N0} in {sw.Elapsed.TotalSeconds:F0} s ({sent / sw.Elapsed.TotalSeconds:F0}/s) with at most {MaxInFlight} at once, answered {(respondAsync ? "once accepted (Prefer: respond-async)" : "once processed")}");
    }

    private static readonly string[] Texts =
    [
        "Bonjour, ma commande {0} n'est toujours pas arrivée, pouvez-vous m'aider ?", "Hello, order {0} arrived damaged, what can I do?",
        "Je voudrais être remboursé pour la commande {0}.", "I was charged twice for order {0}.", "Merci, tout est réglé pour {0} !",
    ];

    private static async Task SendAsync(HttpClient http, string url, Guid workspaceId, Guid channelId, string token, long n,
        ConcurrentDictionary<string, bool> accepted, ConcurrentBag<string> errors)
    {
        var externalId = $"load-{n}";
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{url}/api/v1/workspaces/{workspaceId}/channels/{channelId}/messages")
            {
                Content = JsonContent.Create(new
                {
                    externalId,
                    authorHandle = $"customer{n % 5000}@example.test",
                    authorName = $"Customer {n % 5000}",
                    text = string.Format(CultureInfo.InvariantCulture, Texts[n % Texts.Length], n),
                    inReplyToExternalId = n >= 5000 && n % 3 == 0 ? $"load-{n - 5000}" : null,
                }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (respondAsync)
            {
                request.Headers.Add("Prefer", "respond-async");
            }
            using var response = await http.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                accepted[externalId] = true;
            }
            else
            {
                errors.Add($"inbound {(int)response.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            errors.Add("inbound " + e.GetType().Name);
        }
    }

    /// <summary>One agent: the inbox (timed), the first conversation needing an answer, its messages, a reply, resolve; a second to think.</summary>
    private static async Task AgentAsync(HttpClient http, string url, Guid workspaceId, string token, int seed, ConcurrentBag<double> inbox,
        ConcurrentBag<string> errors, CancellationToken stop)
    {
        var random = new Random(seed);
        var auth = new AuthenticationHeaderValue("Bearer", token);
        var workspace = $"{url}/api/v1/workspaces/{workspaceId}";
        await Task.Delay(random.Next(1000), CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var sw = Stopwatch.StartNew();
                using var list = await SendAsync(http, auth, HttpMethod.Get, $"{workspace}/inbox?view=NeedsAnswer", null);
                inbox.Add(sw.Elapsed.TotalMilliseconds);
                if (!list.IsSuccessStatusCode)
                {
                    errors.Add($"inbox {(int)list.StatusCode}");
                    continue;
                }
                var items = (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
                if (items.GetArrayLength() > 0)
                {
                    var conversation = items[random.Next(Math.Min(10, items.GetArrayLength()))];
                    var id = conversation.GetProperty("id").GetGuid();
                    using var messages = await SendAsync(http, auth, HttpMethod.Get, $"{workspace}/conversations/{id}/messages", null);
                    Check(messages, "messages", errors);
                    using var reply = await SendAsync(http, auth, HttpMethod.Post, $"{workspace}/conversations/{id}/replies",
                        new { text = "Merci pour votre message, nous regardons votre commande tout de suite. / Thanks, we are looking into it now." });
                    Check(reply, "reply", errors);
                    using var current = await SendAsync(http, auth, HttpMethod.Get, $"{workspace}/conversations/{id}", null);
                    if (Check(current, "conversation", errors))
                    {
                        var version = (await current.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
                        using var resolve = await SendAsync(http, auth, HttpMethod.Patch, $"{workspace}/conversations/{id}", new { status = "Resolved", version });
                        // Two agents on one conversation: the second is told it changed (409), as the page would tell them.
                        if (resolve.StatusCode != HttpStatusCode.Conflict)
                        {
                            Check(resolve, "resolve", errors);
                        }
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                errors.Add("agent " + e.GetType().Name);
            }
            await Task.Delay(500 + random.Next(1000), CancellationToken.None);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, AuthenticationHeaderValue auth, HttpMethod method, string url, object? body)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = auth;
        return await http.SendAsync(request);
    }

    private static bool Check(HttpResponseMessage response, string what, ConcurrentBag<string> errors)
    {
        if (response.IsSuccessStatusCode)
        {
            return true;
        }
        errors.Add($"{what} {(int)response.StatusCode}");
        return false;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<(double P50, double P95)> LagAsync(NpgsqlDataSource source)
    {
        await using var command = source.CreateCommand("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "ProcessedAt" - "AcceptedAt")),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "ProcessedAt" - "AcceptedAt"))
            FROM "ReceivedItems" WHERE "ProcessedAt" IS NOT NULL AND "ExternalId" LIKE 'load-%'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.IsDBNull(0) ? double.NaN : reader.GetDouble(0), reader.IsDBNull(1) ? double.NaN : reader.GetDouble(1));
    }

    private static async Task WaitReadyAsync(HttpClient http, string url)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            try
            {
                using var response = await http.GetAsync($"{url}/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Starting.
            }
            await Task.Delay(200);
        }
        throw new InvalidOperationException($"{url} did not start.");
    }

    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"rapport-bench-cluster-{name}-{Guid.NewGuid():N}"[..48]);

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }
}
