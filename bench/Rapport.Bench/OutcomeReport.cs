using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Reports;
using Rapport.Workspaces;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// outcome-report [--scale S] [--runs N] [--keep] [--no-sqlite] [--reuse-sqlite FOLDER] [--reuse-postgres DATABASE] [--profile]: a year of one workspace's history bulk-loaded (prepared
/// statements on SQLite, binary COPY on PostgreSQL): 1,000,000 messages in 200,000 conversations (half of them from
/// customers, each analysed), 10,000 posts with a tracked link each, 1,000,000 clicks, 50,000 conversions in two
/// currencies, and the reporting events (surveys, NPS answers, recommendations) that go with them; all times S. Then the
/// 90-day outcome report (and its previous 90 days) as the page runs it, N times, with a fresh context each time. SQLite
/// always; PostgreSQL too when RAPPORT_BENCH_POSTGRES holds a server's connection string. Target: p95 ≤ 1 s on both.
/// Ends with `outcome-report: P95 ms` (the worse database). --reuse-… runs on a store an earlier --keep left (migrated,
/// roll-ups rebuilt, not loaded again); --profile prints what each SQL statement cost.
/// </summary>
internal static class OutcomeReport
{
    private const int Messages = 1_000_000;
    private const int MessagesPerConversation = 5;
    private const int Posts = 10_000;
    private const int Clicks = 1_000_000;
    private const int Conversions = 50_000;
    private const int Days = 365;

    private static readonly string[] Campaigns = [.. Enumerable.Range(1, 20).Select(i => $"campaign-{i}")];
    private static readonly string[] Sentiments = ["Positive", "Neutral", "Negative"];
    private static readonly string[] Intents = ["Question", "Complaint", "Request", "Feedback", "Praise", "PurchaseIntent", "Chatter"];

    public static int Run(string[] args)
    {
        var scale = Option(args, "--scale", 1.0);
        var runs = (int)Option(args, "--runs", 30);
        var keep = args.Contains("--keep");
        var messages = Math.Max(1000, (int)(Messages * scale));
        Console.WriteLine($"outcome-report: {messages:N0} messages, {Scaled(Posts, scale):N0} posts, {Scaled(Clicks, scale):N0} clicks, "
            + $"{Scaled(Conversions, scale):N0} conversions over {Days} days; {runs} reports of 90 days; {Environment.ProcessorCount} cores; load average {LoadAverages()}");
        var p95s = new List<double>();
        using var profile = QueryProfile.For(args);
        if (!args.Contains("--no-sqlite"))
        {
            p95s.Add(RunOn(null, scale, runs, keep, Text(args, "--reuse-sqlite"), profile));
        }
        if (Environment.GetEnvironmentVariable("RAPPORT_BENCH_POSTGRES") is { Length: > 0 } server)
        {
            p95s.Add(RunOn(server, scale, runs, keep, Text(args, "--reuse-postgres"), profile));
        }
        if (p95s.Count == 0)
        {
            Console.Error.WriteLine("--no-sqlite needs RAPPORT_BENCH_POSTGRES (a PostgreSQL server's connection string).");
            return 2;
        }
        Console.WriteLine($"outcome-report: {p95s.Max():F0} ms");
        return 0;
    }

    private static int Scaled(int count, double scale) => Math.Max(10, (int)(count * scale));

    private static double RunOn(string? postgresServer, double scale, int runs, bool keep, string? reuse, QueryProfile? profile)
    {
        keep |= reuse is not null;
        var folder = postgresServer is null && reuse is not null ? reuse : Path.Combine(Path.GetTempPath(), "rapport-bench-outcomes-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new RapportOptions { DataFolder = folder };
        string? database = null;
        if (postgresServer is not null)
        {
            var builder = new NpgsqlConnectionStringBuilder(postgresServer) { Database = reuse ?? "rapport_bench_" + Guid.NewGuid().ToString("N")[..8] };
            database = builder.Database;
            options.Postgres = builder.ConnectionString;
        }
        var factory = new RapportDbContextFactory(options);
        var name = factory.Provider.ToString();
        try
        {
            DatabaseSetup.MigrateAsync(factory).GetAwaiter().GetResult();
            var sw = Stopwatch.StartNew();
            var workspaceId = reuse is null ? Load(factory, scale) : Reused(factory);
            using (var db = factory.CreateDbContext())
            {
                // What a maintenance job would do after a large import: fresh statistics for the planner.
                // On PostgreSQL, VACUUM too (as autovacuum soon would): index-only scans need the visibility map.
                db.Database.SetCommandTimeout(600);
                db.Database.ExecuteSqlRaw(db.Database.IsNpgsql() ? "VACUUM ANALYZE" : "ANALYZE");
            }
            Console.WriteLine($"[{name}] loaded in {sw.Elapsed.TotalSeconds:F1} s; load average {LoadAverages()}");
            var to = DateTime.UtcNow;
            Check(factory, workspaceId, to);
            profile?.Clear();
            var times = new List<double>(runs);
            for (var i = -3; i < runs; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var db = factory.CreateDbContext();
                db.ScopedWorkspaceId = workspaceId;
                OutcomeReports.ComputeAsync(db, workspaceId, to.AddDays(-90), to).GetAwaiter().GetResult();
                if (i >= 0)
                {
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds); // the first three warm up: compiled queries, page cache
                }
            }
            var figures = InboxLatency.Figures.Of(times);
            profile?.Print($"{name}, {runs + 3} reports");
            profile?.Clear();
            Console.WriteLine($"[{name}] 90-day outcome report with its previous 90 days: {figures}; load average {LoadAverages()}");
            Console.WriteLine($"[{name}] target {(figures.P95 <= 1000 ? "met" : "MISSED")} (p95 {figures.P95:F0} ≤ 1000 ms)");
            return figures.P95;
        }
        finally
        {
            ThrowawayStore.Remove(name, keep, folder, database, postgresServer);
        }
    }

    /// <summary>The report must find what was loaded, or the timing measures an empty query.</summary>
    private static void Check(RapportDbContextFactory factory, Guid workspaceId, DateTime to)
    {
        using var db = factory.CreateDbContext();
        db.ScopedWorkspaceId = workspaceId;
        var report = OutcomeReports.ComputeAsync(db, workspaceId, to.AddDays(-90), to).GetAwaiter().GetResult();
        var t = report.Current.Total;
        Console.WriteLine($"  90 days: {t.PostsPublished:N0} posts, {t.RepliesDelivered:N0} replies, {t.PositiveMessages + t.NeutralMessages + t.NegativeMessages:N0} messages, "
            + $"{t.Clicks:N0} clicks, {t.Conversions:N0} conversions ({string.Join(", ", t.Revenue.Select(m => $"{m.Amount:N0} {m.Currency}"))}), NPS {t.Nps}, "
            + $"{t.Complaints:N0} complaints, {t.ThreatenedToLeave:N0} threatened to leave; {report.Current.Channels.Count} channels, {report.Current.Campaigns.Count} campaigns");
        if (t.PostsPublished == 0 || t.Clicks == 0 || t.Conversions == 0 || t.RepliesDelivered == 0 || t.Promoters == 0)
        {
            throw new InvalidOperationException("The outcome report came back empty: the generated data is wrong.");
        }
    }

    /// <summary>A workspace and its channels through EF; everything else in bulk, one table at a time, parents first.</summary>
    private static Guid Load(RapportDbContextFactory factory, double scale)
    {
        var now = DateTime.UtcNow;
        var start = now.AddDays(-Days);
        var seconds = Days * 86400.0;
        var loading = Stopwatch.StartNew();
        var workspace = new Workspace { Name = "Bench", Slug = "bench-" + Guid.NewGuid().ToString("N")[..6], CreatedAt = now };
        var channels = new[] { ChannelKind.Email, ChannelKind.Mastodon, ChannelKind.Bluesky, ChannelKind.Api }
            .Select((k, i) => new Channel { WorkspaceId = workspace.Id, Name = $"Channel {i}", Kind = k, Direction = ChannelDirection.Inbox, CreatedAt = now }).ToList();
        using (var db = factory.CreateDbContext())
        {
            db.Workspaces.Add(workspace);
            db.Channels.AddRange(channels);
            db.SaveChanges();
        }
        var ws = workspace.Id;
        Guid Channel(int i) => channels[i % channels.Count].Id;
        var conversations = Math.Max(200, (int)(Messages * scale) / MessagesPerConversation);
        var posts = Scaled(Posts, scale);
        var clicks = Scaled(Clicks, scale);
        var conversions = Scaled(Conversions, scale);
        DateTime At(int i, int count) => start.AddSeconds(i * (seconds / count));
        void Table(string table, string[] columns, int count, Action<Bulk, int> row)
        {
            using var bulk = Bulk.For(factory, table, columns);
            for (var i = 0; i < count; i++)
            {
                row(bulk, i);
            }
            bulk.Complete();
            Console.WriteLine($"  {table}: {count:N0} rows, {loading.Elapsed.TotalSeconds:F1} s");
        }

        // Each contact writes two conversations; a tenth are complaints, one in 25 threatens to leave.
        Table("Contacts", ["Id", "WorkspaceId", "DisplayName", "Email", "IsVip", "CreatedAt"], (conversations + 1) / 2,
            (b, i) => b.Row(Id(1, i), ws, $"Contact {i}", $"contact{i}@example.test", false, start));
        Table("Conversations", ["Id", "WorkspaceId", "ChannelId", "ContactId", "Status", "Priority", "IsPublic", "IsNoise", "NeedsAnswer", "Urgency",
            "CreatedAt", "LastMessageAt", "InboxRank", "InboxDueAt", "Version"], conversations,
            (b, c) => b.Row(Id(2, c), ws, Channel(c), Id(1, c / 2), c % 3 == 0 ? "Open" : "Resolved", "Normal", false, false, 0.0, 0,
                At(c, conversations), At(c, conversations).AddHours(2), 0, At(c, conversations), 0));
        // Three customer messages and two replies per conversation; one reply in 20 failed to leave.
        Table("Messages", ["Id", "WorkspaceId", "ConversationId", "ChannelId", "Direction", "ExternalId", "AuthorContactId", "AuthorName", "Text", "CreatedAt",
            "ReceivedAt", "DeliveryStatus"], conversations * MessagesPerConversation, (b, m) =>
            {
                var c = m / MessagesPerConversation;
                var inbound = m % MessagesPerConversation % 2 == 0;
                var at = At(c, conversations).AddMinutes(m % MessagesPerConversation * 20);
                b.Row(Id(3, m), ws, Id(2, c), Channel(c), inbound ? "Inbound" : "Outbound", $"bench-{m}", inbound ? Id(1, c / 2) : null,
                    inbound ? "Customer" : "Agent", inbound ? "Bonjour, ma commande n'est pas arrivée." : "Merci, nous regardons cela.", at, at,
                    inbound ? "None" : m % 20 == 1 ? "Failed" : "Sent");
            });
        Table("MessageAnalyses", ["MessageId", "WorkspaceId", "Language", "Intent", "IntentConfidence", "NeedsAnswer", "SentimentScore", "Sentiment", "Urgency",
            "Toxicity", "Themes", "KeyPhrases", "Explanation", "ModelVersion", "AnalyzedAt", "Recommendation", "RecommendationEvidence"], conversations * 3, (b, a) =>
            {
                var c = a / 3;
                var m = c * MessagesPerConversation + a % 3 * 2;
                var sentiment = Sentiments[(c + a) % 3];
                b.Row(Id(3, m), ws, "fr", c % 10 == 0 ? "Complaint" : Intents[a % Intents.Length], 0.8, 0.7, sentiment == "Negative" ? -0.6 : sentiment == "Positive" ? 0.6 : 0.0,
                    sentiment, c % 25 == 0 && a % 3 == 0 ? "ChurnThreat" : "", "", "", "", "{}", "bench", At(c, conversations),
                    // One customer in thirty recommends the brand or advises against it.
                    a % 30 == 0 ? "Recommends" : a % 30 == 15 ? "AdvisesAgainst" : "", a % 15 == 0 ? "je recommande" : "");
            });
        // Opening and closing sentiment, resolutions and reopenings, surveys and NPS answers.
        Table("ReportingEvents", ["WorkspaceId", "Name", "ConversationId", "ChannelId", "StartedAt", "EndedAt", "Value"], conversations * 3, (b, e) =>
        {
            var c = e / 3;
            var created = At(c, conversations);
            var resolved = c % 3 != 0;
            var (name, value, ended) = (e % 3, c % 5) switch
            {
                (0, _) => (ReportingEventNames.SentimentAtOpening, (double)(c % 3 - 1), created),
                (1, _) when resolved => (ReportingEventNames.ConversationResolved, 0.0, created.AddHours(2)),
                (1, _) => (ReportingEventNames.ConversationReopened, 0.0, created.AddHours(1)),
                (_, 0) => (ReportingEventNames.SurveyCsat, 1.0 + c % 5, created.AddHours(3)),
                (_, 1) => (ReportingEventNames.SurveyRecommend, (double)(c % 11), created.AddHours(3)),
                (_, 2) => (ReportingEventNames.SurveyEffort, 1.0 + c % 4, created.AddHours(3)),
                _ => (ReportingEventNames.SentimentAtResolution, resolved ? (double)(c % 2) : -1.0, created.AddHours(2)),
            };
            b.Row(ws, name, Id(2, c), Channel(c), created, ended, value);
        });
        Table("OutboxItems", ["Id", "WorkspaceId", "ChannelId", "IdempotencyKey", "Payload", "Status", "Attempts", "NextAttemptAt", "CreatedAt", "SentAt"], posts,
            (b, p) => b.Row(Id(4, p), ws, Channel(p), $"post-{p}", "{}", "Sent", 1, At(p, posts), At(p, posts), At(p, posts)));
        Table("TrackedLinks", ["Id", "WorkspaceId", "Code", "TargetUrl", "UtmCampaign", "PostId", "Campaign", "ChannelId", "CreatedAt", "BotRequests", "RepeatedClicks"], posts,
            (b, l) => b.Row(Id(5, l), ws, $"b{l:x8}", "https://shop.example/", Campaigns[l % Campaigns.Length], Id(4, l), Campaigns[l % Campaigns.Length], Channel(l),
                At(l, posts), 0L, 0L));
        // Clicks fall on the links published in the week before them, as clicks follow a post.
        Table("LinkClicks", ["Id", "WorkspaceId", "LinkId", "At", "Visitor"], clicks, (b, k) =>
        {
            var at = At(k, clicks);
            var link = Math.Max(0, (int)((at - start).TotalSeconds / seconds * posts) - k % 50);
            b.Row(Id(6, k), ws, Id(5, link), at, $"{k:x32}");
        });
        Table("Conversions", ["Id", "WorkspaceId", "OrderId", "Value", "Currency", "OccurredAt", "ReceivedAt", "LinkId", "Campaign", "ChannelId"], conversions, (b, v) =>
        {
            var at = At(v, conversions);
            var link = Math.Max(0, (int)((at - start).TotalSeconds / seconds * posts) - v % 50);
            b.Row(Id(7, v), ws, $"order-{v}", 10m + v % 90, v % 4 == 0 ? "USD" : "EUR", at, at, Id(5, link), Campaigns[link % Campaigns.Length], Channel(link));
        });
        return ws;
    }

    /// <summary>The workspace an earlier run loaded and kept.</summary>
    internal static Guid Reused(RapportDbContextFactory factory)
    {
        using var db = factory.CreateDbContext();
        return db.Workspaces.IgnoreQueryFilters().Where(w => w.Slug.StartsWith("bench-")).Select(w => w.Id).Single();
    }

    internal static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Ids in insertion order (as version 7 GUIDs would be), the same on every pass.</summary>
    private static Guid Id(short kind, int number) => new(number, kind, 0x7000, 0, 0, 0, 0, 0, 0, 0, 0);

    private static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
    }
}
