using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Ingest;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// Accept, then process (docs/decisions/0056-accept-then-process.md): what arrives is stored as received first, once,
/// then processed into a message by whoever holds its lease, and by the worker when nobody does any more.
/// </summary>
public class AcceptThenProcessTests
{
    private static RapportFactory Factory(string provider, int maxAttempts = 5) => new(provider, s =>
    {
        // The tests run the worker's rounds themselves, so each round's effect is seen alone.
        s["Rapport:Ingest:PollInterval"] = "00:00:00";
        s["Rapport:Ingest:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
    });

    private static InboundItem Item(Guid channelId, string id, string text, string author = "julie@example.test") => new()
    {
        ChannelId = channelId,
        ExternalId = id,
        AuthorHandle = author,
        AuthorName = "Julie",
        Text = text,
        CreatedAt = new DateTime(2026, 11, 2, 9, 0, 0, DateTimeKind.Utc),
    };

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheApi_AcceptsOnceAndAnswersWithTheProcessedMessage(string provider)
    {
        await using var factory = Factory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var url = $"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages";
        var message = new { externalId = "msg-1", authorHandle = "@julie", text = "Mon colis n'est toujours pas arrivé, vous pouvez m'aider ?" };

        var first = await client.PostAsJsonAsync(url, message);
        var again = await client.PostAsJsonAsync(url, message);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await using var db = factory.OpenDb();
        var received = await db.ReceivedItems.IgnoreQueryFilters().SingleAsync();
        Assert.Equal(ReceivedItemState.Processed, received.State);
        Assert.Equal("msg-1", received.ExternalId);
        Assert.Contains("toujours pas arriv", received.Payload, StringComparison.Ordinal);
        Assert.Null(received.Error);
        Assert.Equal(1, await db.Messages.IgnoreQueryFilters().CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AnItemAcceptedAlone_IsProcessedByTheWorkerAsAtOnce(string provider)
    {
        await using var factory = Factory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var atOnce = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "At once");
        var later = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "Later");
        await using var scope = factory.Services.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        const string text = "My invoice is wrong, I was charged twice! Please refund me today.";
        await using (var db = factory.OpenDb())
        {
            await ingest.IngestAsync(db, workspace.Id, Item(atOnce.Id, "inv-1", text));
            Assert.Equal(1, await ingest.AcceptAsync(db, workspace.Id, [Item(later.Id, "inv-1", text)], claim: false));
            // The same delivery again, and twice in one batch: accepted once.
            Assert.Equal(0, await ingest.AcceptAsync(db, workspace.Id, [Item(later.Id, "inv-1", text), Item(later.Id, "inv-1", text)], claim: false));
            Assert.Equal(1, await db.ReceivedItems.IgnoreQueryFilters().CountAsync(r => r.ChannelId == later.Id));
            Assert.False(await db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ChannelId == later.Id));
        }

        Assert.Equal(1, await factory.Services.GetRequiredService<IngestWorker>().DrainAsync());

        await using var check = factory.OpenDb();
        var messages = await check.Messages.IgnoreQueryFilters().Include(m => m.Analysis).ToListAsync();
        var expected = messages.Single(m => m.ChannelId == atOnce.Id);
        var actual = messages.Single(m => m.ChannelId == later.Id);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Analysis!.Intent, actual.Analysis!.Intent);
        Assert.Equal(expected.Analysis.NeedsAnswer, actual.Analysis.NeedsAnswer);
        Assert.Equal(expected.Analysis.Sentiment, actual.Analysis.Sentiment);
        Assert.Equal(expected.Analysis.Urgency, actual.Analysis.Urgency);
        var conversations = await check.Conversations.IgnoreQueryFilters().ToListAsync();
        var one = conversations.Single(c => c.ChannelId == atOnce.Id);
        var other = conversations.Single(c => c.ChannelId == later.Id);
        Assert.Equal((one.Intent, one.NeedsAnswer, one.Sentiment, one.Urgency, one.Language), (other.Intent, other.NeedsAnswer, other.Sentiment, other.Urgency, other.Language));
        Assert.Equal(1, await check.ReportingEvents.IgnoreQueryFilters().CountAsync(e => e.ChannelId == later.Id && e.Name == ReportingEventNames.MessageReceived));
        Assert.All(await check.ReceivedItems.IgnoreQueryFilters().ToListAsync(), r => Assert.Equal(ReceivedItemState.Processed, r.State));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AFailingItem_IsMarkedFailedWithItsErrorAndTheOthersGoOn(string provider)
    {
        await using var factory = Factory(provider, maxAttempts: 2);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        await using var scope = factory.Services.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        var worker = factory.Services.GetRequiredService<IngestWorker>();
        await using var db = factory.OpenDb();
        db.ReceivedItems.Add(new ReceivedItem
        {
            WorkspaceId = workspace.Id,
            ChannelId = channel.Id,
            ExternalId = "broken",
            Payload = "{ not json",
            AcceptedAt = DateTime.UtcNow.AddMinutes(-1),
        });
        await db.SaveChangesAsync();
        await ingest.AcceptAsync(db, workspace.Id, [Item(channel.Id, "ok-1", "Where is my parcel?"), Item(channel.Id, "ok-2", "Still nothing.", "sam@example.test")], claim: false);

        await worker.DrainAsync();

        Assert.Equal(2, await db.Messages.IgnoreQueryFilters().CountAsync());
        var broken = await db.ReceivedItems.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.ExternalId == "broken");
        Assert.Equal(ReceivedItemState.Accepted, broken.State); // tried again once its lease is over
        Assert.Equal(1, broken.Attempts);
        Assert.Equal("The accepted item cannot be read.", broken.Error);

        await ExpireLeasesAsync(db);
        await worker.DrainAsync();

        broken = await db.ReceivedItems.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.ExternalId == "broken");
        Assert.Equal(ReceivedItemState.Failed, broken.State);
        Assert.Equal(2, broken.Attempts);
        Assert.Equal("The accepted item cannot be read.", broken.Error);
        Assert.Equal(2, await db.ReceivedItems.IgnoreQueryFilters().CountAsync(r => r.State == ReceivedItemState.Processed));
        // A failed item is not claimed again.
        await ExpireLeasesAsync(db);
        Assert.Equal(0, await worker.DrainAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AnItemWhoseLeaseExpired_IsProcessedExactlyOnce(string provider)
    {
        await using var factory = Factory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        await using var scope = factory.Services.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        var worker = factory.Services.GetRequiredService<IngestWorker>();
        await using var db = factory.OpenDb();

        // A node accepted "a" and died before processing it; it processed "b" and died before recording so.
        await ingest.AcceptAsync(db, workspace.Id, [Item(channel.Id, "a", "My order never arrived.")], claim: true);
        await ingest.IngestAsync(db, workspace.Id, Item(channel.Id, "b", "And the refund?"));
        await db.ReceivedItems.IgnoreQueryFilters().Where(r => r.ExternalId == "b")
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.State, ReceivedItemState.Accepted).SetProperty(r => r.ClaimedUntil, DateTime.UtcNow.AddMinutes(1)));

        // Their leases hold: nobody else takes them.
        Assert.Equal(0, await worker.DrainAsync());
        Assert.Equal(1, await db.Messages.IgnoreQueryFilters().CountAsync());

        await ExpireLeasesAsync(db);
        Assert.Equal(2, await worker.DrainAsync());
        Assert.Equal(0, await worker.DrainAsync());

        Assert.Equal(2, await db.Messages.IgnoreQueryFilters().CountAsync());
        Assert.Equal(2, await db.ReportingEvents.IgnoreQueryFilters().CountAsync(e => e.Name == ReportingEventNames.MessageReceived));
        Assert.Equal(1, await db.Conversations.IgnoreQueryFilters().CountAsync());
        Assert.All(await db.ReceivedItems.IgnoreQueryFilters().AsNoTracking().ToListAsync(), r => Assert.Equal(ReceivedItemState.Processed, r.State));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reprocessing_ChangesTheAnalysisWithoutNewRepliesOrNotifications(string provider)
    {
        await using var factory = Factory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        await using var scope = factory.Services.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        await using var db = factory.OpenDb();
        var result = await ingest.IngestAsync(db, workspace.Id, Item(channel.Id, "r-1", "Your app crashes every time I open it, this is unacceptable, fix it now!"));
        var fresh = await db.MessageAnalyses.IgnoreQueryFilters().AsNoTracking().SingleAsync();
        // As an older model might have understood it.
        await db.MessageAnalyses.IgnoreQueryFilters().ExecuteUpdateAsync(s => s
            .SetProperty(a => a.Intent, "Other").SetProperty(a => a.NeedsAnswer, 0).SetProperty(a => a.Sentiment, "Neutral").SetProperty(a => a.ModelVersion, "old"));
        await db.Conversations.IgnoreQueryFilters().ExecuteUpdateAsync(s => s.SetProperty(c => c.Intent, "Other").SetProperty(c => c.NeedsAnswer, 0));
        var before = await CountsAsync(db);

        ReprocessSummary summary;
        await using (var reprocessDb = factory.OpenDb())
        {
            summary = await scope.ServiceProvider.GetRequiredService<Reprocessing>().ReprocessAsync(reprocessDb, workspace.Id, new DateTime(2026, 11, 1));
        }

        Assert.Equal((1, 1, 1), (summary.Messages, summary.Changed, summary.Conversations));
        var analysis = await db.MessageAnalyses.IgnoreQueryFilters().AsNoTracking().SingleAsync();
        Assert.Equal((fresh.Intent, fresh.NeedsAnswer, fresh.Sentiment, fresh.ModelVersion), (analysis.Intent, analysis.NeedsAnswer, analysis.Sentiment, analysis.ModelVersion));
        var conversation = await db.Conversations.IgnoreQueryFilters().AsNoTracking().SingleAsync(c => c.Id == result.ConversationId);
        Assert.Equal(fresh.Intent, conversation.Intent);
        Assert.Equal(fresh.NeedsAnswer, conversation.NeedsAnswer);
        Assert.Equal(before, await CountsAsync(db));
        // Messages written before the date are left as they are.
        Assert.Equal(0, (await scope.ServiceProvider.GetRequiredService<Reprocessing>().ReprocessAsync(factory.OpenDb(), workspace.Id, new DateTime(2026, 12, 1))).Messages);
    }

    private static async Task<(int Messages, int Outbox, int Notifications, int Events, int Received)> CountsAsync(Rapport.Data.RapportDbContext db) => (
        await db.Messages.IgnoreQueryFilters().CountAsync(), await db.OutboxItems.IgnoreQueryFilters().CountAsync(),
        await db.Notifications.IgnoreQueryFilters().CountAsync(), await db.ReportingEvents.IgnoreQueryFilters().CountAsync(),
        await db.ReceivedItems.IgnoreQueryFilters().CountAsync());

    private static Task<int> ExpireLeasesAsync(Rapport.Data.RapportDbContext db) =>
        db.ReceivedItems.IgnoreQueryFilters().Where(r => r.ClaimedUntil != null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ClaimedUntil, DateTime.UtcNow.AddSeconds(-1)));
}
