using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Channels.Chat;
using Rapport.Conversations.Live;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Workspaces;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// chat-latency [--runs N]: the website chat's real-time path on the real app (Kestrel on loopback, SQLite), as the
/// widget uses it. For each of N new visitors: the first message (POST, through ingest and analysis), then an agent's
/// reply queued through the outbox, timed until it arrives on the visitor's event stream; then an agent starting to
/// type a reply, timed until the visitor's stream says so. Prints p50/p95 of each; the last line is the reply's p95.
/// </summary>
internal static class ChatLatency
{
    private const string Origin = "https://bench.example";

    public static int Run(string[] args)
    {
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(int.Parse).FirstOrDefault(100);
        return RunAsync(runs).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int runs)
    {
        var folder = Path.Combine(Path.GetTempPath(), "rapport-bench-chat-" + Guid.NewGuid().ToString("N")[..8]);
        var url = $"http://127.0.0.1:{FreePort()}";
        // The app is Rapport, not the bench: its static assets manifest is found by its name.
        var app = RapportHost.Build(["--urls", url, "--Rapport:DataFolder=" + folder, "--applicationName", "rapport", "--Logging:LogLevel:Default=Warning",
            // One client makes every visitor's requests here; in production each visitor has their own address.
            "--Rapport:Chat:RequestsPerMinute=1000000"]);
        try
        {
            await DatabaseSetup.MigrateAsync(app.Services.GetRequiredService<IDbContextFactory<RapportDbContext>>());
            await app.StartAsync();
            var (workspaceId, key) = await SetUpAsync(app.Services);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            http.DefaultRequestHeaders.Add("Origin", Origin);
            var chat = $"/api/v1/chat/{key}";

            // Warm-up: the workspace's first message trains its text model; JIT and connection pools fill.
            for (var i = 0; i < 3; i++)
            {
                await VisitAsync(app.Services, http, chat);
            }
            var messages = new List<double>(runs);
            var replies = new List<double>(runs);
            var typings = new List<double>(runs);
            for (var i = 0; i < runs; i++)
            {
                var (message, reply, typing) = await VisitAsync(app.Services, http, chat);
                messages.Add(message);
                replies.Add(reply);
                typings.Add(typing);
            }
            Console.WriteLine($"chat-latency: {runs} visitors on {workspaceId}");
            Console.WriteLine($"visitor's message stored (POST): {InboxLatency.Figures.Of(messages)}");
            var replyFigures = InboxLatency.Figures.Of(replies);
            Console.WriteLine($"agent's reply on the visitor's stream (outbox → SSE): {replyFigures}");
            Console.WriteLine($"agent typing a reply, on the visitor's stream (presence → SSE): {InboxLatency.Figures.Of(typings)}");
            Console.WriteLine($"chat-latency: {replyFigures.P95:F1} ms");
            return 0;
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

    /// <summary>One visitor: their message, an agent's reply read back from their stream, then an agent typing. Returns the times in ms.</summary>
    private static async Task<(double Message, double Reply, double Typing)> VisitAsync(IServiceProvider services, HttpClient http, string chat)
    {
        var sw = Stopwatch.StartNew();
        var posted = await http.PostAsJsonAsync($"{chat}/messages", new { text = "Hello, is my order 4411 on its way?" });
        posted.EnsureSuccessStatusCode();
        var message = sw.Elapsed.TotalMilliseconds;
        var body = await posted.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        var messageId = body.GetProperty("message").GetProperty("id").GetGuid();

        // As the widget reads it: the token in a header, never in the URL.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{chat}/stream");
        request.Headers.Add(ChatApi.VisitorHeader, token);
        using var stream = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        await NextEventAsync(reader, "line"); // the visitor's own message, sent on connecting

        Guid conversationId;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RapportDbContext>();
            conversationId = await db.Messages.Where(m => m.Id == messageId).Select(m => m.ConversationId).FirstAsync();
            sw.Restart();
            await scope.ServiceProvider.GetRequiredService<OutboxService>().EnqueueReplyAsync(db, conversationId, null, "Camille", "Yes, it leaves today.");
        }
        var reply = await NextEventAsync(reader, "line") ? sw.Elapsed.TotalMilliseconds : double.NaN;

        var presence = services.GetRequiredService<ConversationPresence>();
        var view = Guid.NewGuid();
        using var page = presence.Join(conversationId, view, Guid.NewGuid(), "Camille", () => { });
        sw.Restart();
        presence.Typing(conversationId, view, replying: true);
        var typing = await NextEventAsync(reader, "typing") ? sw.Elapsed.TotalMilliseconds : double.NaN;
        return (message, reply, typing);
    }

    private static async Task<bool> NextEventAsync(StreamReader reader, string name)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? current = null;
        while (await reader.ReadLineAsync(guard.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                current = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && current == name)
            {
                return true;
            }
        }
        return false;
    }

    private static async Task<(Guid WorkspaceId, string Key)> SetUpAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
        var (user, _) = await workspaces.CreateUserAsync("owner@bench.test", "Owner", "correct horse battery");
        var workspace = await workspaces.CreateWorkspaceAsync("Bench", user!.Id);
        var db = scope.ServiceProvider.GetRequiredService<RapportDbContext>();
        var channel = new Channel
        {
            WorkspaceId = workspace.Id,
            Name = "Website chat",
            Kind = ChannelKind.Chat,
            Settings = ChannelRules.OwnSettings(ChannelKind.Chat, "{}", $$"""{"allowedOrigins": ["{{Origin}}"]}"""),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return (workspace.Id, ChatSettings.Read(channel.Settings).PublicKey!);
    }
}
