using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rapport.Accounts;
using Rapport.Analysis;
using Rapport.Channels;
using Rapport.Conversations;
using Rapport.Conversations.Inbox;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Reports;
using Rapport.Workspaces;

namespace Rapport.Bench;

/// <summary>
/// inbox-latency [--scale S] [--runs N] [--keep] [--no-sqlite]: 1,000,000 messages in 200,000 conversations (times S), bulk-loaded, then the
/// p95 of the default inbox view, a filtered view and a full-text search, as the API runs them (a fresh context per
/// query). SQLite always; PostgreSQL too when RAPPORT_BENCH_POSTGRES holds a server's connection string (a throwaway
/// database is created on it and dropped after). Targets: 50 ms for the views, 150 ms for the search.
/// </summary>
internal static class InboxLatency
{
    private const int Conversations = 200_000;
    private const int MessagesPerConversation = 5;

    /// <summary>--keep: leave the SQLite database (and the PostgreSQL one) in place to look at query plans.</summary>
    private static bool keep;

    private static readonly string[] Openings =
    [
        "Bonjour, mon colis n'est toujours pas arrivé", "Hello, my parcel has not arrived yet", "Ma commande est arrivée abîmée",
        "My order arrived damaged", "Je voudrais un remboursement", "I would like a refund", "Le site est en panne depuis ce matin",
        "The app has been down since this morning", "Merci pour votre aide", "Thanks for your help", "Comment changer mon mot de passe ?",
        "How do I change my password?", "Facture incorrecte, j'ai été débité deux fois", "Wrong invoice, I was charged twice",
        "Super produit, bravo à l'équipe", "Great product, well done team", "Où est la livraison prévue ?", "Where is the delivery scheduled?",
        "Problème de connexion à mon compte", "Problem logging into my account",
    ];

    private static readonly string[] Details =
    [
        "numéro de suivi", "tracking number", "depuis trois jours", "for three days", "c'est inadmissible", "this is unacceptable",
        "pouvez-vous m'aider", "can you help", "adresse de livraison", "shipping address", "garantie", "warranty", "abonnement",
        "subscription", "carte cadeau", "gift card", "retard", "delay", "échange", "exchange",
    ];

    private static readonly string[] Searches = ["colis", "refund", "probleme", "livraison abimee", "password", "facture", "warranty", "retard", "subscription", "remboursement"];

    public static int Run(string[] args)
    {
        var scale = Option(args, "--scale", 1.0);
        var runs = (int)Option(args, "--runs", 200);
        keep = args.Contains("--keep");
        var conversations = Math.Max(100, (int)(Conversations * scale));
        Console.WriteLine($"inbox-latency: {conversations:N0} conversations, {conversations * MessagesPerConversation:N0} messages, {runs} runs per query");
        var p95s = new List<double>();
        if (!args.Contains("--no-sqlite"))
        {
            p95s.Add(RunOn(null, conversations, runs));
        }
        if (Environment.GetEnvironmentVariable("RAPPORT_BENCH_POSTGRES") is { Length: > 0 } server)
        {
            p95s.Add(RunOn(server, conversations, runs));
        }
        if (p95s.Count == 0)
        {
            Console.Error.WriteLine("--no-sqlite needs RAPPORT_BENCH_POSTGRES (a PostgreSQL server's connection string).");
            return 2;
        }
        Console.WriteLine($"inbox-latency: {p95s.Max():F1} ms");
        return 0;
    }

    private static double RunOn(string? postgresServer, int conversations, int runs)
    {
        var folder = Path.Combine(Path.GetTempPath(), "rapport-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new RapportOptions { DataFolder = folder };
        string? database = null;
        if (postgresServer is not null)
        {
            var builder = new NpgsqlConnectionStringBuilder(postgresServer) { Database = "rapport_bench_" + Guid.NewGuid().ToString("N")[..8] };
            database = builder.Database;
            options.Postgres = builder.ConnectionString;
        }
        var factory = new RapportDbContextFactory(options);
        var name = factory.Provider.ToString();
        try
        {
            DatabaseSetup.MigrateAsync(factory).GetAwaiter().GetResult();
            var sw = Stopwatch.StartNew();
            var (workspaceId, agents) = Load(factory, conversations);
            Console.WriteLine($"[{name}] loaded in {sw.Elapsed.TotalSeconds:F1} s");
            using (var db = factory.CreateDbContext())
            {
                // What a maintenance job would do after a large import: fresh statistics for the planner.
                db.Database.ExecuteSqlRaw("ANALYZE");
            }
            var random = new Random(7);
            var defaultView = Measure(runs, () => List(factory, workspaceId, agents[random.Next(agents.Count)], new InboxFilter()));
            var filtered = Measure(runs, () => List(factory, workspaceId, agents[random.Next(agents.Count)], new InboxFilter
            {
                View = random.Next(2) == 0 ? InboxView.NeedsAnswer : InboxView.Mine,
                Language = random.Next(2) == 0 ? "fr" : "en",
                Sentiment = random.Next(3) == 0 ? SentimentLabel.Negative : null,
            }));
            var search = Measure(runs, () => List(factory, workspaceId, agents[random.Next(agents.Count)], new InboxFilter { Search = Searches[random.Next(Searches.Length)] }));
            var counts = Measure(Math.Max(5, runs / 10), () =>
            {
                using var db = Scoped(factory, workspaceId);
                InboxQuery.CountsAsync(db, workspaceId, agents[0], new InboxFilter()).GetAwaiter().GetResult();
            });
            Console.WriteLine($"[{name}] default view: {defaultView}");
            Console.WriteLine($"[{name}] filtered view (needs answer or mine, language, sentiment): {filtered}");
            Console.WriteLine($"[{name}] full-text search: {search}");
            Console.WriteLine($"[{name}] counts of all six views: {counts}");
            var report = Measure(Math.Max(5, runs / 10), () =>
            {
                using var db = Scoped(factory, workspaceId);
                var to = DateTime.UtcNow;
                CareReports.ComputeAsync(db, workspaceId, to.AddDays(-90), to, ReportGrouping.Day).GetAwaiter().GetResult();
            });
            Console.WriteLine($"[{name}] 90-day care report by day: {report}");
            LoadOutbox(factory, workspaceId, conversations);
            var backlog = Measure(Math.Max(5, runs / 10), () =>
            {
                using var db = Scoped(factory, workspaceId);
                ChannelBacklog.ForChannelsAsync(db, DateTime.UtcNow, default).GetAwaiter().GetResult();
            });
            Console.WriteLine($"[{name}] channel backlog of all channels (outbox and waiting conversations, {conversations:N0} outbox items): {backlog}");
            var worst = Math.Max(defaultView.P95, filtered.P95);
            Console.WriteLine($"[{name}] targets: views {(worst <= 50 ? "met" : "MISSED")} (p95 {worst:F1} ≤ 50 ms), search {(search.P95 <= 150 ? "met" : "MISSED")} (p95 {search.P95:F1} ≤ 150 ms), "
                + $"care report {(report.P95 <= 1000 ? "met" : "MISSED")} (p95 {report.P95:F0} ≤ 1000 ms)");
            return worst;
        }
        finally
        {
            ThrowawayStore.Remove(name, keep, folder, database, postgresServer);
        }
    }

    /// <summary>
    /// One outbox item per conversation, as a year of replies leaves it: most sent, some waiting (due, retrying or
    /// scheduled for later), a few failed; then fresh statistics, as after the conversations.
    /// </summary>
    private static void LoadOutbox(RapportDbContextFactory factory, Guid workspaceId, int count)
    {
        List<Guid> channels;
        using (var db = Scoped(factory, workspaceId))
        {
            channels = db.Channels.OrderBy(c => c.Name).Select(c => c.Id).ToList();
        }
        var now = DateTime.UtcNow;
        using (var bulk = Bulk.For(factory, "OutboxItems",
            ["Id", "WorkspaceId", "ChannelId", "IdempotencyKey", "Payload", "Status", "Attempts", "NextAttemptAt", "CreatedAt"]))
        {
            for (var i = 0; i < count; i++)
            {
                var created = now.AddMinutes(-i);
                var (status, attempts, next) = (i % 50) switch
                {
                    0 or 1 or 2 => (OutboxStatus.Pending, 0, created),
                    3 => (OutboxStatus.Pending, 0, now.AddDays(3)),
                    4 => (OutboxStatus.Pending, 2, now.AddMinutes(5)),
                    5 => (OutboxStatus.Failed, 8, created),
                    _ => (OutboxStatus.Sent, 1, created),
                };
                bulk.Row(Id(9, i), workspaceId, channels[i % channels.Count], $"bench-{i}", "{}", status.ToString(), attempts, next, created);
            }
            bulk.Complete();
        }
        using var analyze = factory.CreateDbContext();
        analyze.Database.ExecuteSqlRaw("ANALYZE");
    }

    private static void List(RapportDbContextFactory factory, Guid workspaceId, Guid userId, InboxFilter filter)
    {
        using var db = Scoped(factory, workspaceId);
        var page = InboxQuery.ListAsync(db, workspaceId, userId, filter, null, Api.Cursor.DefaultLimit).GetAwaiter().GetResult();
        if (page.Items.Count == 0 && filter.Search is null)
        {
            throw new InvalidOperationException("The inbox came back empty: the generated data is wrong.");
        }
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

    private static RapportDbContext Scoped(RapportDbContextFactory factory, Guid workspaceId)
    {
        var db = factory.CreateDbContext();
        db.ScopedWorkspaceId = workspaceId;
        return db;
    }

    internal sealed record Figures(double P50, double P95, double Max)
    {
        public static Figures Of(List<double> milliseconds)
        {
            milliseconds.Sort();
            return new Figures(milliseconds[milliseconds.Count / 2], milliseconds[(int)Math.Ceiling(milliseconds.Count * 0.95) - 1], milliseconds[^1]);
        }

        public override string ToString() => $"p50 {P50:F1} ms, p95 {P95:F1} ms, max {Max:F1} ms";
    }

    internal static Figures Measure(int runs, Action query)
    {
        for (var i = 0; i < 5; i++)
        {
            query(); // warm-up: compiled queries, page cache
        }
        var times = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            query();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        return Figures.Of(times);
    }

    /// <summary>A workspace, its agents, channels and teams through EF; contacts, conversations and messages in bulk.</summary>
    private static (Guid WorkspaceId, List<Guid> Agents) Load(RapportDbContextFactory factory, int conversationCount)
    {
        var now = DateTime.UtcNow;
        var loading = Stopwatch.StartNew();
        string sw(string table) => $"{loading.Elapsed.TotalSeconds:F1} s";
        var workspace = new Workspace { Name = "Bench", Slug = "bench-" + Guid.NewGuid().ToString("N")[..6], CreatedAt = now };
        var agents = Enumerable.Range(1, 20).Select(i => new User { UserName = $"agent{i}@bench.test", Email = $"agent{i}@bench.test", DisplayName = $"Agent {i}", CreatedAt = now }).ToList();
        var channels = new[] { ChannelKind.Email, ChannelKind.Api, ChannelKind.Api, ChannelKind.Email }
            .Select((k, i) => new Channel { WorkspaceId = workspace.Id, Name = $"Channel {i}", Kind = k, Direction = ChannelDirection.Inbox, CreatedAt = now }).ToList();
        var teams = Enumerable.Range(1, 3).Select(i => new Team { WorkspaceId = workspace.Id, Name = $"Team {i}" }).ToList();
        using (var db = factory.CreateDbContext())
        {
            db.Workspaces.Add(workspace);
            db.Users.AddRange(agents);
            db.Memberships.AddRange(agents.Select(a => new Membership { WorkspaceId = workspace.Id, UserId = a.Id, Role = Role.Agent, CreatedAt = now }));
            db.Channels.AddRange(channels);
            db.Teams.AddRange(teams);
            db.SaveChanges();
        }

        var start = now.AddDays(-365);
        var intents = Enum.GetNames<Intent>();
        // Three passes over the same seeded generator, one table each: PostgreSQL's COPY takes one table at a time,
        // and each table's rows must be in before the rows that refer to them.
        foreach (var table in new[] { "Contacts", "Conversations", "Messages", "ReportingEvents" })
        {
            using var bulk = Bulk.For(factory, table, table switch
            {
                "Contacts" => ["Id", "WorkspaceId", "DisplayName", "Email", "IsVip", "CreatedAt"],
                "Conversations" =>
                [
                    "Id", "WorkspaceId", "ChannelId", "ContactId", "Subject", "Status", "Priority", "AssigneeId", "TeamId", "IsPublic", "IsNoise",
                    "Language", "NeedsAnswer", "Sentiment", "Urgency", "Intent", "CreatedAt", "LastMessageAt", "LastInboundAt", "FirstResponseAt",
                    "LastResponseAt", "ResolvedAt", "FirstResponseDueAt", "NextResponseDueAt", "InboxRank", "InboxDueAt", "Version",
                ],
                "Messages" => ["Id", "WorkspaceId", "ConversationId", "ChannelId", "Direction", "ExternalId", "AuthorContactId", "AuthorName", "Text", "CreatedAt",
                    "ReceivedAt", "DeliveryStatus"],
                _ => ["WorkspaceId", "Name", "ConversationId", "ChannelId", "ActorUserId", "TeamId", "StartedAt", "EndedAt", "DurationSeconds",
                    "BusinessDurationSeconds", "Value"],
            });
            var random = new Random(42);
            var messageNumber = 0;
            var contactId = Guid.Empty;
            for (var c = 0; c < conversationCount; c++)
            {
                var created = start.AddSeconds(c * (365.0 * 86400 / conversationCount));
                var conversationId = Id(2, c);
                var channelId = channels[c % channels.Count].Id;
                if (c % 2 == 0)
                {
                    // Contacts write twice on average.
                    contactId = Id(1, c);
                    if (table == "Contacts")
                    {
                        bulk.Row(contactId, workspace.Id, $"Contact {c}", $"contact{c}@example.test", false, start);
                    }
                }
                var french = random.Next(2) == 0;
                var roll = random.NextDouble();
                var status = roll < 0.25 ? ConversationStatus.Open : roll < 0.32 ? ConversationStatus.Pending : roll < 0.35 ? ConversationStatus.Snoozed : ConversationStatus.Resolved;
                var needsAnswer = status == ConversationStatus.Resolved ? 0 : Math.Round(random.NextDouble(), 2);
                var urgency = random.Next(10) == 0 ? random.Next(1, 3) : 0;
                var sentiment = Math.Round(random.NextDouble() * 2 - 1, 2);
                var priority = (Priority)random.Next(4);
                var count = random.Next(1, 2 * MessagesPerConversation);
                var last = created.AddMinutes(count * 30);
                var answered = status == ConversationStatus.Resolved || random.Next(3) == 0;
                var lastInbound = answered ? last.AddMinutes(-30) : last;
                DateTime? firstResponseAt = answered ? created.AddMinutes(30) : null;
                DateTime? firstDue = random.Next(2) == 0 ? created.AddHours(4) : null;
                Guid? assignee = random.Next(3) == 0 ? null : agents[random.Next(agents.Count)].Id;
                Guid? team = random.Next(2) == 0 ? null : teams[random.Next(teams.Count)].Id;
                var noise = random.Next(30) == 0;
                var intent = intents[random.Next(intents.Length)];
                if (table == "Conversations")
                {
                    bulk.Row(conversationId, workspace.Id, channelId, contactId, null, status.ToString(), priority.ToString(), assignee, team, false, noise,
                        french ? "fr" : "en", needsAnswer, sentiment, urgency, intent, created, last, lastInbound, firstResponseAt,
                        answered ? last : null, status == ConversationStatus.Resolved ? last : null, firstDue, null,
                        InboxRank.Of(status, priority, needsAnswer, urgency, sentiment), InboxRank.DueAt(firstDue, firstResponseAt, null, lastInbound, created), 0);
                }
                if (table == "ReportingEvents")
                {
                    // What ingest, replies, resolutions and surveys append: the only source of the care report.
                    void Event(string eventName, DateTime from, DateTime to, double? value = null) =>
                        bulk.Row(workspace.Id, eventName, conversationId, channelId, assignee, team, from, to,
                            eventName.StartsWith("conversation.", StringComparison.Ordinal) && to > from ? (to - from).TotalSeconds : null,
                            eventName.StartsWith("conversation.", StringComparison.Ordinal) && to > from ? (to - from).TotalSeconds / 3 : null, value);
                    Event(ReportingEventNames.ConversationCreated, created, created, needsAnswer > 0 ? needsAnswer : c % 10 / 10.0);
                    Event(ReportingEventNames.SentimentAtOpening, created, created, SentimentScale.Of(sentiment));
                    if (firstResponseAt is { } responded)
                    {
                        Event(ReportingEventNames.FirstResponse, created, responded);
                    }
                    if (status == ConversationStatus.Resolved)
                    {
                        Event(ReportingEventNames.ConversationResolved, created, last);
                        Event(ReportingEventNames.SentimentAtResolution, last, last, SentimentScale.Of(Math.Min(1, sentiment + 0.5)));
                        if (c % 5 == 0)
                        {
                            Event(ReportingEventNames.SurveyCsat, last, last, 1 + (c % 5));
                            Event(ReportingEventNames.SurveyEffort, last, last, 1 + (c % 4));
                        }
                    }
                }
                for (var m = 0; m < count; m++)
                {
                    var inbound = m % 2 == 0;
                    var opening = Openings[(random.Next(Openings.Length) / 2 * 2) + (french ? 0 : 1)];
                    var detail = Details[random.Next(Details.Length)];
                    if (table != "Messages")
                    {
                        continue;
                    }
                    var text = inbound
                        ? $"{opening}, {detail} ({c}-{m})."
                        : french ? "Merci pour votre message, nous regardons cela tout de suite." : "Thanks for your message, we are looking into it right away.";
                    var at = created.AddMinutes(m * 30);
                    bulk.Row(Id(3, messageNumber++), workspace.Id, conversationId, channelId, inbound ? "Inbound" : "Outbound",
                        $"bench-{c}-{m}", inbound ? contactId : null, inbound ? $"Contact {c}" : "Agent", text, at, at, inbound ? "None" : "Sent");
                }
            }
            bulk.Complete();
            Console.WriteLine($"  {table}: {sw(table)}");
        }
        return (workspace.Id, agents.Select(a => a.Id).ToList());

    }
}
