using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Conversations;
using Rapport.Conversations.Live;
using Rapport.Ingest;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class LiveUpdatesTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task OpenPages_HearOfNewMessagesAndAgentsActions_InTheirWorkspaceOnly(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var events = factory.Services.GetRequiredService<ConversationEvents>();
        var heard = new ConcurrentQueue<ConversationChange>();
        var heardElsewhere = new ConcurrentQueue<ConversationChange>();
        using var subscription = events.Subscribe(workspace.Id, batch => { foreach (var c in batch) { heard.Enqueue(c); } });
        using var elsewhere = events.Subscribe(other.Id, batch => { foreach (var c in batch) { heardElsewhere.Enqueue(c); } });

        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var created = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "live-1", authorHandle = "ana@example.test", text = "Mon colis n'est jamais arrivé." });
        var conversationId = (await created.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;
        Assert.Contains(heard, c => c.ConversationId == conversationId && c.Kind == ConversationChangeKind.Message);

        heard.Clear();
        var resolved = await client.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}", new { status = "Resolved" });
        resolved.EnsureSuccessStatusCode();
        Assert.Contains(heard, c => c.ConversationId == conversationId && c.Kind == ConversationChangeKind.Updated);

        // A refused change (stale version) announces nothing.
        heard.Clear();
        var stale = await client.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}", new { version = 0, status = "Open" });
        Assert.Equal(System.Net.HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Empty(heard);

        subscription.Dispose();
        await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "live-2", authorHandle = "ana@example.test", text = "Toujours rien." });
        Assert.Empty(heard);
        Assert.Empty(heardElsewhere);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task InsideATransaction_ChangesAreAnnouncedOnCommit_AndNeverOnRollback(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var heard = new ConcurrentQueue<ConversationChange>();
        using var subscription = factory.Services.GetRequiredService<ConversationEvents>()
            .Subscribe(workspace.Id, batch => { foreach (var c in batch) { heard.Enqueue(c); } });
        await using var scope = factory.Services.CreateAsyncScope();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        await using var db = factory.OpenDb();

        await using (var batch = await db.Database.BeginTransactionAsync())
        {
            var kept = await ingest.IngestAsync(db, workspace.Id, new InboundItem { ChannelId = channel.Id, ExternalId = "t-1", AuthorHandle = "ana@example.test", Text = "Kept" });
            Assert.Empty(heard);
            await batch.CommitAsync();
            Assert.Contains(heard, c => c.ConversationId == kept.ConversationId);
        }

        heard.Clear();
        await using (var batch = await db.Database.BeginTransactionAsync())
        {
            await ingest.IngestAsync(db, workspace.Id, new InboundItem { ChannelId = channel.Id, ExternalId = "t-2", AuthorHandle = "bob@example.test", Text = "Rolled back" });
            await batch.RollbackAsync();
        }
        Assert.Empty(heard);
    }
}
