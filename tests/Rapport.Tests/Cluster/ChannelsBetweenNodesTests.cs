using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Rapport.Channels;
using Rapport.Channels.Mastodon;
using Rapport.Conversations;
using Rapport.Ingest;
using Rapport.Outbox;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Cluster;

/// <summary>
/// A Mastodon channel served by two real nodes sharing one PostgreSQL: one node at a time polls it (the scheduler's
/// clustered store), and a node killed outright in the middle of a poll or of a send leaves the other to finish it, with
/// nothing lost and nothing doubled, on the network or in Rapport.
/// </summary>
public sealed class ChannelsBetweenNodesTests
{
    private const string Notifications = "/api/v1/notifications";
    private const string Statuses = "/api/v1/statuses";

    [Fact]
    public async Task ANodeKilledInTheMiddleOfAPoll_AndOfASend_TheOtherFinishesEach_NothingLostOrDoubled_OnPostgres()
    {
        var postgres = Databases.NewMigratedPostgresDatabase();
        await using var mastodon = await MastodonServer.StartAsync();
        try
        {
            await using var setup = new RapportFactory(Databases.Postgres, s =>
            {
                s["Rapport:Postgres"] = postgres;
                s["Rapport:Mastodon:Streaming"] = "false";
                s["Rapport:Mastodon:AllowInsecureHttp"] = "true";
                s["Rapport:Outbox:PollInterval"] = "00:00:00";
            });
            // The in-process node only sets up and reads: its scheduler stands by, so only the two processes poll.
            // (The host starts it once the app has started, so it is put on standby after that.)
            var scheduler = await setup.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            await Eventually.Until(async () => await scheduler.GetStatus() == SchedulerStatus.Running, "The in-process node's scheduler did not start.");
            await scheduler.Standby();
            var (_, workspace) = await setup.CreateOwnerAsync();
            var agent = await setup.TokenClientAsync(workspace.Id, Role.Admin);
            var channel = await CreateChannelAsync(setup, workspace.Id, mastodon.BaseUrl);
            // Sixty mentions since the last poll: a poll reads them in two pages (40, then 20).
            for (var i = 1; i <= 60; i++)
            {
                mastodon.AddMention(100 + i, $"status-{i}", $"client{i}@mastodon.example", $"<p>@velovert ma commande {i} n'est pas arrivée, pouvez-vous vérifier ?</p>");
            }

            string[] settings =
            [
                "Rapport:Mastodon:CheckEvery=00:00:01", "Rapport:Outbox:PollInterval=00:00:00.250", "Rapport:Outbox:Lease=00:00:03",
            ];
            var secondPage = mastodon.Hold("GET", Notifications, skip: 1);
            var nodeA = RapportProcess.Start(setup, [.. settings, "Rapport:Scheduling:NodeName=node-a"]);
            var nodeB = RapportProcess.Start(setup, [.. settings, "Rapport:Scheduling:NodeName=node-b"]);
            RapportProcess? nodeC = null;
            try
            {
                await Task.WhenAll(nodeA.WaitUntilReadyAsync(), nodeB.WaitUntilReadyAsync());

                // The poller stored the first page and saved its place, then waits for the second page's answer.
                var poller = Sender(await Within(secondPage.Arrived, "No node asked for the second page."), nodeA, nodeB);
                Assert.Equal(40, await StoredAsync(setup, channel.Id));
                // One node polls the channel at a time: while the poll is held, nobody else asks (three rounds' worth).
                await Task.Delay(TimeSpan.FromSeconds(3));
                Assert.Equal(2, mastodon.Requests.Count(r => r.PathAndQuery.StartsWith(Notifications, StringComparison.Ordinal)));

                poller.Kill();
                await poller.WaitForExitAsync();
                secondPage.Release();
                var survivor = poller == nodeA ? nodeB : nodeA;

                // The survivor polls once the cluster has seen the killed node go, from the place the killed node saved.
                await Eventually.Until(async () => await StoredAsync(setup, channel.Id) == 60, "The surviving node did not read the rest of the mentions.");
                await using (var db = setup.OpenDb())
                {
                    var ids = await db.Messages.Where(m => m.ChannelId == channel.Id).Select(m => m.ExternalId).ToListAsync();
                    Assert.Equal(60, ids.Distinct().Count());
                    Assert.Equal(60, await db.ReceivedItems.IgnoreQueryFilters().CountAsync(r => r.ChannelId == channel.Id && r.State == ReceivedItemState.Processed));
                }
                var afterKill = mastodon.Requests.Where(r => r.PathAndQuery.StartsWith(Notifications, StringComparison.Ordinal)).Skip(2).First();
                Assert.Contains("min_id=140", afterKill.PathAndQuery, StringComparison.Ordinal);

                // Two nodes again: the killed one comes back as a new process.
                nodeC = RapportProcess.Start(setup, [.. settings, "Rapport:Scheduling:NodeName=node-c"]);
                await nodeC.WaitUntilReadyAsync();

                // A reply: the network posts it, and the node that sent it dies before it hears the answer.
                var posting = mastodon.Hold("POST", Statuses);
                Guid conversationId;
                await using (var db = setup.OpenDb())
                {
                    conversationId = await db.Messages.Where(m => m.ExternalId == "status-7").Select(m => m.ConversationId).SingleAsync();
                }
                var replied = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}/replies",
                    new { text = "Bonjour, votre commande 7 part aujourd'hui. Toutes nos excuses pour l'attente." });
                Assert.Equal(HttpStatusCode.Accepted, replied.StatusCode);
                var replyId = (await replied.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!.MessageId;
                var sender = Sender(await Within(posting.Arrived, "No node sent the reply."), survivor, nodeC);
                Assert.Single(mastodon.Posted);
                sender.Kill();
                await sender.WaitForExitAsync();
                posting.Release();

                // The other node sends it again once the lease is over, with the same idempotency key: the instance answers
                // with the status it already posted, and the reply is delivered once.
                await Eventually.Until(async () =>
                {
                    await using var db = setup.OpenDb();
                    return await db.Messages.AnyAsync(m => m.Id == replyId && m.DeliveryStatus == DeliveryStatus.Sent);
                }, "The other node did not deliver the reply.");
                var posts = mastodon.Requests.Where(r => r.Method == "POST" && r.PathAndQuery == Statuses).ToList();
                Assert.Equal(2, posts.Count);
                Assert.Single(posts.Select(p => p.IdempotencyKey).Distinct());
                var posted = Assert.Single(mastodon.Posted);
                await using (var db = setup.OpenDb())
                {
                    var reply = await db.Messages.SingleAsync(m => m.Id == replyId);
                    Assert.Equal((string?)posted["id"], reply.ExternalId);
                    Assert.Equal(OutboxStatus.Sent, (await db.OutboxItems.IgnoreQueryFilters().SingleAsync(o => o.MessageId == replyId)).Status);
                    Assert.Equal(1, await db.ReportingEvents.IgnoreQueryFilters()
                        .CountAsync(e => e.ConversationId == conversationId && e.Name == ReportingEventNames.FirstResponse));
                }
            }
            finally
            {
                secondPage.Release();
                nodeA.Dispose();
                nodeB.Dispose();
                nodeC?.Dispose();
            }
        }
        finally
        {
            await Databases.DropPostgresDatabaseAsync(postgres);
        }
    }

    private static async Task<Channel> CreateChannelAsync(RapportFactory setup, Guid workspaceId, string instanceUrl)
    {
        await using var db = setup.OpenDb();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = "Mastodon",
            Kind = ChannelKind.Mastodon,
            Direction = ChannelDirection.Inbox,
            Settings = JsonSerializer.Serialize(new { instanceUrl, pollMinutes = 1 }),
            ProtectedSecrets = setup.Services.GetRequiredService<ChannelSecrets>()
                .Protect(new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = MastodonServer.Token }),
            // Polled before, up to notification 100.
            State = new MastodonChannelState { Instance = MastodonChannelSettings.Instance(instanceUrl, allowHttp: true).AbsoluteUri, LastNotificationId = "100" }.Write(),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    private static async Task<int> StoredAsync(RapportFactory setup, Guid channelId)
    {
        await using var db = setup.OpenDb();
        return await db.Messages.CountAsync(m => m.ChannelId == channelId);
    }

    /// <summary>The node whose connection the instance saw.</summary>
    private static RapportProcess Sender(int clientPort, params RapportProcess[] nodes) =>
        nodes.SingleOrDefault(n => n.Owns(clientPort)) ?? throw new Xunit.Sdk.XunitException($"No node owns the connection from port {clientPort} (this process is {Environment.ProcessId}): {RapportProcess.Sockets(clientPort)}");

    /// <summary>A guard against a hang on a loaded machine (the cluster notices a dead node in seconds), not a timing assertion.</summary>
    private static async Task<T> Within<T>(Task<T> task, string failure)
    {
        var done = await Task.WhenAny(task, Task.Delay(TimeSpan.FromMinutes(3)));
        Assert.True(done == task, failure);
        return await task;
    }
}
