using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Listening;
using Rapport.Workspaces;
using static Rapport.Bench.Machine;

namespace Rapport.Bench;

/// <summary>
/// listening-dashboard [--scale S] [--runs N] [--keep] [--no-sqlite] [--reuse-sqlite FOLDER] [--reuse-postgres DATABASE] [--profile]: 1,000,000 mentions (times S) over 90 days and 50
/// topics of one workspace in Europe/Paris, bulk-loaded, then the p95 of a topic's 30-day dashboard (by day, with the 30
/// days before) and of the share of voice of the brand against its competitors, as the API runs them (a fresh context
/// per query). SQLite always; PostgreSQL too when RAPPORT_BENCH_POSTGRES holds a server's connection string. Target:
/// 300 ms for both. --reuse-… runs on a store an earlier --keep left; --profile prints what each SQL statement cost.
/// </summary>
internal static class ListeningDashboardLatency
{
    private const int Mentions = 1_000_000;
    private const int Topics = 50;
    private const int Days = 90;

    private static readonly string[] Phrases =
    [
        "batterie", "battery", "service client", "customer service", "livraison", "delivery", "prix", "price", "vélo cargo", "cargo bike",
        "application", "app", "réparation", "repair", "selle cassée", "broken saddle", "conditions de travail", "working conditions",
        "fabriqué en france", "made locally", "atelier gratuit", "free workshop", "panne", "breakdown", "trop cher", "too expensive",
        "remboursement", "refund", "garantie", "warranty",
    ];

    private static readonly string[] Texts =
    [
        "Franchement le nouveau vélo électrique est une tuerie, la batterie tient longtemps",
        "Livré avec la selle cassée, service client aux abonnés absents",
        "Anyone tried the cargo bikes? Comparing brands before buying",
        "Battery died again, three days without a bike #fail",
        "Kudos for the free repair workshop in Lyon",
        "Les prix ont encore augmenté, c'est trop cher pour des étudiants",
    ];

    public static int Run(string[] args)
    {
        var scale = Option(args, "--scale", 1.0);
        var runs = (int)Option(args, "--runs", 100);
        var keep = args.Contains("--keep");
        var mentions = Math.Max(1000, (int)(Mentions * scale));
        Console.WriteLine($"listening-dashboard: {mentions:N0} mentions over {Days} days, {Topics} topics, {runs} runs per query; "
            + $"load average (1, 5, 15 min) at start: {LoadAverages()}; {Environment.ProcessorCount} cores");
        var p95s = new List<double>();
        using var profile = QueryProfile.For(args);
        if (!args.Contains("--no-sqlite"))
        {
            p95s.Add(RunOn(null, mentions, runs, keep, OutcomeReport.Text(args, "--reuse-sqlite"), profile));
        }
        if (Environment.GetEnvironmentVariable("RAPPORT_BENCH_POSTGRES") is { Length: > 0 } server)
        {
            p95s.Add(RunOn(server, mentions, runs, keep, OutcomeReport.Text(args, "--reuse-postgres"), profile));
        }
        if (p95s.Count == 0)
        {
            Console.Error.WriteLine("--no-sqlite needs RAPPORT_BENCH_POSTGRES (a PostgreSQL server's connection string).");
            return 2;
        }
        Console.WriteLine($"load average at the end: {LoadAverages()}");
        Console.WriteLine($"listening-dashboard: {p95s.Max():F0} ms");
        return 0;
    }

    private static double RunOn(string? postgresServer, int mentions, int runs, bool keep, string? reuse, QueryProfile? profile)
    {
        keep |= reuse is not null;
        var folder = postgresServer is null && reuse is not null ? reuse : Path.Combine(Path.GetTempPath(), "rapport-bench-" + Guid.NewGuid().ToString("N")[..8]);
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
            var (workspaceId, topics) = reuse is null ? Load(factory, mentions) : Reused(factory);
            using (var db = factory.CreateDbContext())
            {
                db.Database.SetCommandTimeout(600);
                db.Database.ExecuteSqlRaw("ANALYZE");
            }
            Console.WriteLine($"[{name}] loaded in {sw.Elapsed.TotalSeconds:F1} s; load average {LoadAverages()}");

            var dashboards = new ListeningDashboard(TimeProvider.System);
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var period = new DashboardPeriod(today.AddDays(-29), today, DashboardStep.Day);
            var random = new Random(7);
            var topic = InboxLatency.Measure(runs, () =>
            {
                using var db = Scoped(factory, workspaceId);
                var d = dashboards.ForTopicAsync(db, workspaceId, topics[random.Next(topics.Count)], period).GetAwaiter().GetResult()!;
                if (d.Totals.Mentions == 0)
                {
                    throw new InvalidOperationException("A topic's dashboard came back empty: the generated data is wrong.");
                }
            });
            Console.WriteLine($"[{name}] a topic's 30-day dashboard (any of the {topics.Count}): {topic}");
            profile?.Print($"{name}, topic dashboards");
            profile?.Clear();
            var brand = InboxLatency.Measure(Math.Max(5, runs / 5), () =>
            {
                using var db = Scoped(factory, workspaceId);
                dashboards.ForTopicAsync(db, workspaceId, topics[0], period).GetAwaiter().GetResult();
            });
            Console.WriteLine($"[{name}] the brand topic's 30-day dashboard (the busiest, ~{BrandShare:P0} of mentions): {brand}");
            var share = InboxLatency.Measure(runs, () =>
            {
                using var db = Scoped(factory, workspaceId);
                dashboards.ShareOfVoiceAsync(db, workspaceId, null, period).GetAwaiter().GetResult();
            });
            Console.WriteLine($"[{name}] share of voice, brand and competitors, 30 days: {share}");
            profile?.Print($"{name}, share of voice (and the brand topic's dashboards)");
            profile?.Clear();
            var across = InboxLatency.Measure(Math.Max(5, runs / 10), () =>
            {
                using var db = Scoped(factory, workspaceId);
                dashboards.AcrossTopicsAsync(db, workspaceId, period).GetAwaiter().GetResult();
            });
            Console.WriteLine($"[{name}] the across-topics 30-day dashboard (every mention; no target): {across}");
            var worst = Math.Max(topic.P95, share.P95);
            Console.WriteLine($"[{name}] target {(worst <= 300 ? "met" : "MISSED")}: p95 {worst:F0} ≤ 300 ms; load average {LoadAverages()}");
            return worst;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            NpgsqlConnection.ClearAllPools();
            if (keep)
            {
                Console.WriteLine($"[{name}] kept: {(database is null ? Path.Combine(folder, "rapport.db") : database)}");
            }
            else
            {
                if (database is not null)
                {
                    using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgresServer) { Database = "postgres" }.ConnectionString);
                    admin.Open();
                    using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
                    drop.ExecuteNonQuery();
                }
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>The part of all mentions that name the brand (topic 0), on top of each mention's own topic.</summary>
    private const double BrandShare = 0.1;

    /// <summary>
    /// A workspace with 4 listening channels and 50 topics (5 brands, 5 products, 10 competitors, 10 campaigns, 20 themes)
    /// through EF; mentions and their matches in bulk: each mention has one topic, three in ten a second, one in ten also
    /// the brand; 3% are spam; authors are many, a few of them loud.
    /// </summary>
    private static (Guid WorkspaceId, List<Guid> Topics) Load(RapportDbContextFactory factory, int count)
    {
        var now = DateTime.UtcNow;
        var workspace = new Workspace { Name = "Bench", Slug = "bench-" + Guid.NewGuid().ToString("N")[..6], CreatedAt = now, TimeZone = "Europe/Paris" };
        var channels = new[] { ChannelKind.Feed, ChannelKind.Mastodon, ChannelKind.Bluesky, ChannelKind.Api }
            .Select((k, i) => new Channel { WorkspaceId = workspace.Id, Name = $"Source {i}", Kind = k, Direction = ChannelDirection.Listening, CreatedAt = now }).ToList();
        var topics = Enumerable.Range(0, Topics).Select(i => new Topic
        {
            WorkspaceId = workspace.Id,
            Name = $"Topic {i}",
            Kind = i switch { < 5 => TopicKind.Brand, < 10 => TopicKind.Product, < 20 => TopicKind.Competitor, < 30 => TopicKind.Campaign, _ => TopicKind.Theme },
            Query = $"topic{i}",
            CreatedAt = now,
            UpdatedAt = now,
        }).ToList();
        using (var db = factory.CreateDbContext())
        {
            db.Workspaces.Add(workspace);
            db.Channels.AddRange(channels);
            db.AddRange(topics);
            db.SaveChanges();
        }
        var start = now.AddDays(-Days);
        var sentiments = new[] { "Negative", "Neutral", "Neutral", "Positive" };
        var sw = Stopwatch.StartNew();
        // Two passes over the same seeded generator: mentions first, then their matches (which refer to them).
        foreach (var table in new[] { "Mentions", "MentionTopics" })
        {
            using var bulk = Bulk.For(factory, table, table == "Mentions"
                ? ["Id", "WorkspaceId", "ChannelId", "ExternalId", "AuthorHandle", "AuthorName", "Text", "IsPublic", "CreatedAt", "ReceivedAt", "Language",
                    "Intent", "IntentConfidence", "NeedsAnswer", "SentimentScore", "Sentiment", "Urgency", "Toxicity", "Themes", "KeyPhrases", "ModelVersion", "SearchText"]
                : ["TopicId", "MentionId", "WorkspaceId", "MentionCreatedAt", "Sentiment", "Language", "ChannelId", "AuthorHandle", "IsNoise"]);
            var random = new Random(42);
            for (var i = 0; i < count; i++)
            {
                var id = new Guid(i, 11, 0x7000, 0, 0, 0, 0, 0, 0, 0, 0);
                var created = start.AddSeconds(i * (Days * 86400.0 / count));
                var channel = channels[random.Next(channels.Count)].Id;
                var author = random.Next(10) == 0 ? random.Next(50) : random.Next(200_000);
                var sentiment = sentiments[random.Next(sentiments.Length)];
                var spam = random.Next(100) < 3;
                var text = Texts[random.Next(Texts.Length)];
                var phrases = string.Join(", ", Enumerable.Range(0, random.Next(4)).Select(_ => Phrases[random.Next(Phrases.Length)]).Distinct());
                var first = random.Next(Topics);
                var second = random.Next(10) < 3 ? random.Next(Topics) : -1;
                var brand = random.NextDouble() < BrandShare;
                var language = random.Next(2) == 0 ? "fr" : "en";
                if (table == "Mentions")
                {
                    bulk.Row(id, workspace.Id, channel, $"bench-{i}", $"@author{author}", $"Author {author}", text, true, created, created,
                        language, spam ? "Spam" : "Question", spam ? 0.9 : 0.6, 0.1, 0.0, sentiment, "", "", "", phrases, "bench", text.ToLowerInvariant());
                    continue;
                }
                foreach (var t in new[] { first, second, brand ? 0 : -1 }.Where(t => t >= 0).Distinct())
                {
                    bulk.Row(topics[t].Id, id, workspace.Id, created, sentiment, language, channel, $"@author{author}", spam);
                }
            }
            bulk.Complete();
            Console.WriteLine($"  {table}: {sw.Elapsed.TotalSeconds:F1} s");
        }
        return (workspace.Id, topics.Select(t => t.Id).ToList());
    }

    private static (Guid WorkspaceId, List<Guid> Topics) Reused(RapportDbContextFactory factory)
    {
        var workspaceId = OutcomeReport.Reused(factory);
        using var db = factory.CreateDbContext();
        var topics = db.Set<Topic>().IgnoreQueryFilters().Where(t => t.WorkspaceId == workspaceId).AsEnumerable()
            .OrderBy(t => t.Name.Length).ThenBy(t => t.Name, StringComparer.Ordinal).Select(t => t.Id).ToList();
        return (workspaceId, topics);
    }

    private static RapportDbContext Scoped(RapportDbContextFactory factory, Guid workspaceId)
    {
        var db = factory.CreateDbContext();
        db.ScopedWorkspaceId = workspaceId;
        return db;
    }

    private static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
    }
}
