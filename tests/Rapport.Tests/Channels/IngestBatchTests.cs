using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Automation;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Ingest;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>Ingest in batches (the import) must store exactly what the same messages store one by one.</summary>
public class IngestBatchTests
{
    private static readonly DateTime Start = new(2026, 3, 2, 9, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Before: "pre" from Dave and "emma-1" from Emma. The batch: a reply to its own first message, a thread written to
    /// twice, a new customer writing twice, the same message twice, a reply to "pre", and Emma writing again.
    /// </summary>
    private static List<InboundItem> Items(Guid channelId) =>
    [
        Item(channelId, "1", "ana@example.test", "Where is my parcel? Order 1182, it is late."),
        Item(channelId, "2", "bob@example.test", "My invoice is wrong, I was charged twice.") with { ThreadId = "T-bob", Subject = "Invoice" },
        Item(channelId, "3", "Ana@Example.test", "Any news? I still have nothing.") with { InReplyToExternalId = "1" },
        Item(channelId, "4", "bob@example.test", "Hello? Please refund me.") with { ThreadId = "T-bob" },
        Item(channelId, "5", "@carl", "Votre application plante à chaque ouverture, c'est insupportable."),
        Item(channelId, "6", "@carl", "Toujours en panne ce matin, merci de répondre."),
        Item(channelId, "1", "ana@example.test", "Where is my parcel? Order 1182, it is late."),
        Item(channelId, "8", "dave@example.test", "Thanks, but it still does not work.") with { InReplyToExternalId = "pre" },
        Item(channelId, "9", "emma@example.test", "ok"),
    ];

    private static InboundItem Item(Guid channelId, string id, string author, string text) => new()
    {
        ChannelId = channelId,
        ExternalId = id,
        AuthorHandle = author,
        Text = text,
        CreatedAt = Start.AddMinutes(int.TryParse(id, CultureInfo.InvariantCulture, out var n) ? n : 0),
    };

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ABatch_StoresWhatTheSameMessagesStoreOneByOne(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var batched = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Batched");
        var single = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "One by one");
        await using var scope = factory.Services.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        await using var db = factory.OpenDb();
        // As the import's pipeline does, the batch is analysed ahead, here before Dave and Emma are even known: their
        // contacts' languages as stored change before the batch is ingested, and what was analysed from none is redone:
        // Emma's "ok" is French once her first message, in French, is stored.
        IngestService.AnalysedAhead ahead;
        await using (var aheadDb = factory.OpenDb())
        {
            ahead = await ingest.AnalyseAheadAsync(aheadDb, workspace.Id, Items(batched.Id));
        }
        foreach (var channel in new[] { batched, single })
        {
            await ingest.IngestAsync(db, workspace.Id, Item(channel.Id, "pre", "dave@example.test", "The app does not start on my phone."));
            await ingest.IngestAsync(db, workspace.Id, Item(channel.Id, "emma-1", "emma@example.test", "Un article de ma commande est arrivé cassé."));
        }
        db.ChangeTracker.Clear();

        var results = await ingest.IngestBatchAsync(db, workspace.Id, Items(batched.Id), ahead);
        db.ChangeTracker.Clear();
        var one = new List<IngestResult>();
        foreach (var item in Items(single.Id))
        {
            one.Add(await ingest.IngestAsync(db, workspace.Id, item));
            db.ChangeTracker.Clear();
        }

        Assert.Equal([true, true, true, true, true, true, false, true, true], results.Select(r => r.Created));
        Assert.Equal(one.Select(r => r.Created), results.Select(r => r.Created));
        Assert.Equal(results[0].MessageId, results[6].MessageId);
        var batchedShape = await ShapeAsync(factory, batched.Id);
        Assert.Equal(await ShapeAsync(factory, single.Id), batchedShape);
        // Threads as a person reads them: Ana's reply joins her question, Bob's thread holds both, Carl writes on, Dave's
        // reply joins his earlier message, Emma's next message continues her open conversation.
        Assert.Equal(
            ["1: 1 3", "2: 2 4", "5: 5 6", "emma-1: 9 emma-1", "pre: 8 pre"],
            batchedShape.Conversations.Select(c => c.Split(" | ")[0]));
    }

    /// <summary>
    /// A batch's rows are written in bulk (COPY, a reused SQLite statement): each column must hold exactly what EF Core
    /// stores for the same value, or EF Core's own queries (by id, by time) would miss them. Each row is copied through
    /// EF Core under a new key and the two rows are compared column by column, as the database holds them.
    /// </summary>
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RowsWrittenInBulk_AreStoredAsEfCoreStoresThem(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Import");
        await using var scope = factory.Services.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        await using var db = factory.OpenDb();
        await ingest.IngestBatchAsync(db, workspace.Id,
        [
            Item(channel.Id, "1", "ana@example.test", "Où est mon colis ? Commande 1182, elle est en retard.") with { Subject = "Colis", ThreadId = "T-1", RawPayload = "{\"a\":1}" },
            Item(channel.Id, "2", "ana@example.test", "Toujours rien, répondez-moi.") with { ThreadId = "T-1", InReplyToExternalId = "1" },
        ]);
        db.ChangeTracker.Clear();

        var message = await db.Messages.AsNoTracking().SingleAsync(m => m.ExternalId == "2");
        var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == message.ConversationId);
        var analysis = await db.MessageAnalyses.AsNoTracking().SingleAsync(a => a.MessageId == message.Id);
        var reportingEvent = await db.ReportingEvents.AsNoTracking().SingleAsync(e => e.Name == ReportingEventNames.MessageReceived && e.StartedAt == message.CreatedAt);
        var conversationCopy = Copy(db, conversation, c => { c.Id = Guid.CreateVersion7(); c.ExternalThreadId = "copy"; });
        var messageCopy = Copy(db, message, m => { m.Id = Guid.CreateVersion7(); m.ExternalId = "copy"; });
        var analysisCopy = Copy(db, analysis, a => a.MessageId = messageCopy.Id);
        var eventCopy = Copy(db, reportingEvent, e => { e.Id = 0; e.Name = "copy"; });
        db.ChangeTracker.Clear();
        db.AddRange(conversationCopy, messageCopy, analysisCopy, eventCopy);
        await db.SaveChangesAsync();

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var pairs = new (string Table, string Key, string Original, string Copy, string[] Differing)[]
        {
            ("Conversations", "Id", conversation.Id.ToString(), conversationCopy.Id.ToString(), ["ExternalThreadId"]),
            ("Messages", "Id", message.Id.ToString(), messageCopy.Id.ToString(), ["ExternalId"]),
            ("MessageAnalyses", "MessageId", analysis.MessageId.ToString(), analysisCopy.MessageId.ToString(), []),
            ("ReportingEvents", "Id", reportingEvent.Id.ToString(CultureInfo.InvariantCulture), eventCopy.Id.ToString(CultureInfo.InvariantCulture), ["Name"]),
        };
        foreach (var (table, key, original, copy, differing) in pairs)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new Dictionary<string, Dictionary<string, object>>(StringComparer.OrdinalIgnoreCase);
            while (await reader.ReadAsync())
            {
                var row = Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue);
                rows[Convert.ToString(row[key], CultureInfo.InvariantCulture)!] = row;
            }
            var (bulk, efCore) = (rows[original], rows[copy]);
            foreach (var column in bulk.Keys.Where(c => c != key && !differing.Contains(c)))
            {
                // The same value in the same stored form: the same type (SQLite stores by value) and the same text for ids and times.
                Assert.True(Equals(bulk[column], efCore[column]) && bulk[column].GetType() == efCore[column].GetType(),
                    $"{table}.{column}: written in bulk as {Describe(bulk[column])}, by EF Core as {Describe(efCore[column])}");
            }
        }
    }

    private static T Copy<T>(Rapport.Data.RapportDbContext db, T entity, Action<T> change)
        where T : class
    {
        var copy = (T)db.Entry(entity).CurrentValues.ToObject();
        change(copy);
        return copy;
    }

    private static string Describe(object value) => $"{value} ({value.GetType().Name})";

    /// <summary>Everything a member would see of a channel's messages, without the ids that differ between channels.</summary>
    private static async Task<Shape> ShapeAsync(RapportFactory factory, Guid channelId)
    {
        await using var db = factory.OpenDb();
        var messages = await db.Messages.Include(m => m.Analysis).Where(m => m.ChannelId == channelId).ToListAsync();
        var conversations = await db.Conversations.Include(c => c.Contact).Where(c => c.ChannelId == channelId).ToListAsync();
        var events = await db.ReportingEvents.Where(e => e.ChannelId == channelId).ToListAsync();
        var first = conversations.ToDictionary(c => c.Id, c => messages.Where(m => m.ConversationId == c.Id).OrderBy(m => m.CreatedAt).First().ExternalId);
        return new Shape(
            [.. conversations.Select(c => $"{first[c.Id]}: {string.Join(' ', messages.Where(m => m.ConversationId == c.Id).Select(m => m.ExternalId).Order(StringComparer.Ordinal))}"
                + $" | {c.Contact!.DisplayName} {c.Contact.Language} {c.Status} {c.Language} {c.Intent} {c.NeedsAnswer:F3} {c.Urgency} {c.Sentiment:F3} {c.InboxRank} {c.InboxDueAt:O}"
                + $" {c.LastMessageAt:O} {c.LastInboundAt:O} {c.ExternalThreadId} {c.Subject} {c.Version}")
                .Order(StringComparer.Ordinal)],
            [.. messages.Select(m => $"{m.ExternalId} {m.AuthorName} {m.Text} {m.InReplyToExternalId} {m.Analysis!.Language} {m.Analysis.Intent} {m.Analysis.Sentiment}")
                .Order(StringComparer.Ordinal)],
            [.. events.Select(e => $"{e.Name} {first[e.ConversationId!.Value]} {e.Value:F3} {e.StartedAt:O} {e.BusinessDurationSeconds is not null}").Order(StringComparer.Ordinal)],
            await db.ContactIdentities.CountAsync(i => i.ChannelId == channelId));
    }

    private sealed record Shape(List<string> Conversations, List<string> Messages, List<string> Events, int Identities)
    {
        public bool Equals(Shape? other) => other is not null && Conversations.SequenceEqual(other.Conversations) && Messages.SequenceEqual(other.Messages)
            && Events.SequenceEqual(other.Events) && Identities == other.Identities;

        public override int GetHashCode() => Identities;

        public override string ToString() => string.Join('\n', [.. Conversations, .. Messages, .. Events, $"identities {Identities}"]);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RulesInABatch_CountTheConversationsAssignedEarlierInIt(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Archive");
        await using (var setup = factory.OpenDb())
        {
            setup.AutomationRules.Add(new AutomationRule
            {
                WorkspaceId = workspace.Id,
                Name = "To Alex, two at a time",
                Trigger = RuleTrigger.ConversationCreated,
                Actions = new RuleActions { AssignToUserId = agent.Id, Capacity = 2 },
                CreatedAt = Start,
            });
            await setup.SaveChangesAsync();
        }
        await using var scope = factory.Services.CreateAsyncScope();
        await using var db = factory.OpenDb();

        var results = await scope.ServiceProvider.GetRequiredService<IngestService>().IngestBatchAsync(db, workspace.Id,
            [.. Enumerable.Range(1, 4).Select(i => Item(channel.Id, $"{i}", $"customer{i}@example.test", "Where is my parcel?"))]);

        await using var check = factory.OpenDb();
        var assigned = await check.Conversations.Where(c => c.AssigneeId == agent.Id).Select(c => c.Id).ToListAsync();
        Assert.Equal([results[0].ConversationId, results[1].ConversationId], assigned.Order());
        Assert.Equal(2, await check.Notifications.CountAsync(n => n.UserId == agent.Id));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Import_ARowTheDatabaseRefuses_IsReportedWithItsLine_AndTheRestOfItsBatchIsStored(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Archive");
        await using (var db = factory.OpenDb())
        {
            // A database rule the application does not know about: the row is refused by the database itself.
            string[] refuse = provider == Databases.Sqlite
                ? ["""CREATE TRIGGER "RefuseTest" BEFORE INSERT ON "Messages" WHEN NEW."Text" LIKE '%refuse me%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"""]
                : ["""CREATE FUNCTION refuse_test() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW."Text" LIKE '%refuse me%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$""",
                    """CREATE TRIGGER "RefuseTest" BEFORE INSERT ON "Messages" FOR EACH ROW EXECUTE FUNCTION refuse_test()"""];
            foreach (var sql in refuse)
            {
                await db.Database.ExecuteSqlRawAsync(sql);
            }
        }
        const string File = """
            external_id,author,text,created_at,in_reply_to
            1,ana@example.test,Where is my parcel?,2026-03-02T09:00:00Z,
            2,bob@example.test,My invoice is wrong.,2026-03-02T09:01:00Z,
            3,carl@example.test,"<script>alert(1)</script> refuse me",2026-03-02T09:02:00Z,
            4,ana@example.test,Any news?,2026-03-02T09:03:00Z,1
            5,dave@example.test,Hello,not a date,
            """;

        var summary = await ImportAsync(factory, workspace.Id, channel.Id, File, "archive.csv");

        Assert.Equal((3L, 0L, 2L), (summary.Imported, summary.AlreadyThere, summary.ErrorCount));
        Assert.Collection(summary.Errors,
            e => Assert.Equal(4L, e.Line),
            e => Assert.Equal((6L, "created_at \"not a date\" is not a date."), (e.Line, e.Error)));
        // Our own words for the user; the database's exception text goes to the log, never to the report.
        Assert.Equal("The row could not be stored: one of its values is refused by the database.", summary.Errors[0].Error);
        await using var check = factory.OpenDb();
        var stored = await check.Messages.OrderBy(m => m.ExternalId).ToListAsync();
        Assert.Equal(["1", "2", "4"], stored.Select(m => m.ExternalId));
        Assert.Equal(stored[0].ConversationId, stored[2].ConversationId);
        Assert.Equal(2, await check.Conversations.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Import_OfSeveralBatches_ThreadsAcrossThem_ReportsProgress_AndIsIdempotent(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Archive");
        // Customer n writes row 2n-1 and answers it on row 2n, two rows later for odd n (across a batch's end at 500 and 1000).
        var rows = ImportService.RowsPerBatch * 2 + 100;
        var csv = new StringBuilder("external_id,author,text,created_at,in_reply_to\n");
        for (var row = 1; row <= rows; row++)
        {
            var customer = (row + 1) / 2;
            var replying = row % 2 == 0;
            csv.Append(CultureInfo.InvariantCulture, $"{row},customer{customer}@example.test,{(replying ? "Any news?" : "Where is my parcel?")},{Start.AddSeconds(row):O},{(replying ? row - 1 : "")}\n");
        }
        var progress = new List<ImportProgress>();

        var first = await ImportAsync(factory, workspace.Id, channel.Id, csv.ToString(), "archive.csv", new Recorder(progress));
        var second = await ImportAsync(factory, workspace.Id, channel.Id, csv.ToString(), "archive.csv");

        Assert.Equal((rows, 0L, 0L), (first.Imported, first.AlreadyThere, first.ErrorCount));
        Assert.Equal((0L, rows, 0L), (second.Imported, second.AlreadyThere, second.ErrorCount));
        Assert.True(progress.Count >= 3, $"{progress.Count} progress reports");
        Assert.Equal(progress.Select(p => p.Rows).Order(), progress.Select(p => p.Rows));
        Assert.Equal(rows, progress[^1].Rows);
        Assert.Equal(progress[^1].TotalBytes, progress[^1].BytesRead);
        await using var check = factory.OpenDb();
        Assert.Equal(rows / 2, await check.Conversations.CountAsync());
        Assert.Equal(rows / 2, await check.Contacts.CountAsync());
        var byConversation = await check.Messages.GroupBy(m => m.ConversationId).Select(g => g.Count()).ToListAsync();
        Assert.All(byConversation, count => Assert.Equal(2, count));
    }

    private static async Task<ImportSummary> ImportAsync(RapportFactory factory, Guid workspaceId, Guid channelId, string content, string fileName,
        IProgress<ImportProgress>? progress = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var import = ActivatorUtilities.CreateInstance<ImportService>(scope.ServiceProvider);
        await using var file = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return await import.ImportAsync(workspaceId, channelId, file, fileName, progress);
    }

    /// <summary>Records progress as it is reported, on the importing thread.</summary>
    private sealed class Recorder(List<ImportProgress> into) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => into.Add(value);
    }
}
