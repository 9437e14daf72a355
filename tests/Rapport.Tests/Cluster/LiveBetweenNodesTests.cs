using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels.Chat;
using Rapport.Conversations.Live;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Cluster;

/// <summary>
/// Several nodes on one PostgreSQL: what one node hears live (a message, who is on a conversation, who can answer the
/// chat) reaches the pages and streams connected to another, on PostgreSQL's LISTEN/NOTIFY (decision 0074).
/// </summary>
public sealed class LiveBetweenNodesTests
{
    private const string Site = "https://www.velo-vert.example";

    [Fact]
    public async Task TwoNodes_ShareChanges_WhoIsOnAConversation_AndWhetherSomeoneCanAnswerTheChat_OnPostgres()
    {
        var postgres = Databases.NewMigratedPostgresDatabase();
        void Shared(IDictionary<string, string?> s) => s["Rapport:Postgres"] = postgres;
        try
        {
            await using var a = new RapportFactory(Databases.Postgres, Shared);
            await using var b = new RapportFactory(Databases.Postgres, Shared);
            var (user, workspace) = await a.CreateOwnerAsync();
            // Both started and listening, so node B hears what node A announces from now on.
            await Task.WhenAll(a.Services.GetRequiredService<NodeBus>().Listening, b.Services.GetRequiredService<NodeBus>().Listening);

            // A message accepted by node A: a page open on node B hears it.
            var heard = new List<ConversationChange>();
            using var page = b.Services.GetRequiredService<ConversationEvents>().Subscribe(workspace.Id, changes =>
            {
                lock (heard)
                {
                    heard.AddRange(changes);
                }
            });
            var channel = await a.CreateChannelAsync(workspace.Id);
            var agent = await a.TokenClientAsync(workspace.Id, Role.Admin);
            var accepted = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
                new { externalId = "ext-1", authorHandle = "@camille", authorName = "Camille", text = "My bike's brake squeaks, can you help?" });
            Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync());
            Guid conversationId;
            await using (var db = a.OpenDb())
            {
                await Eventually.Until(async () => await db.Conversations.AnyAsync(c => c.WorkspaceId == workspace.Id));
                conversationId = await db.Conversations.Where(c => c.WorkspaceId == workspace.Id).Select(c => c.Id).SingleAsync();
            }
            await Eventually.Until(() => Task.FromResult(Contains(heard, conversationId)));

            // An agent opens the conversation on node A and types a reply: an agent on node B sees both.
            var presenceA = a.Services.GetRequiredService<ConversationPresence>();
            var presenceB = b.Services.GetRequiredService<ConversationPresence>();
            var viewId = Guid.NewGuid();
            var seen = 0;
            using var colleague = presenceB.Join(conversationId, Guid.NewGuid(), Guid.NewGuid(), "Bastien", () => Interlocked.Increment(ref seen));
            using (presenceA.Join(conversationId, viewId, user.Id, "Amélie", () => { }))
            {
                await Eventually.Until(() => Task.FromResult(presenceB.Present(conversationId).Any(p => p.DisplayName == "Amélie" && !p.IsTyping)));
                presenceA.Typing(conversationId, viewId, replying: true);
                await Eventually.Until(() => Task.FromResult(presenceB.Present(conversationId).Any(p => p.DisplayName == "Amélie" && p.IsReplying)));
                Assert.True(Volatile.Read(ref seen) > 0, "Node B's page was not told to redraw.");
                // And node A sees node B's agent.
                await Eventually.Until(() => Task.FromResult(presenceA.Present(conversationId).Any(p => p.DisplayName == "Bastien")));
            }
            // Amélie closed the page on node A: node B stops showing her.
            await Eventually.Until(() => Task.FromResult(presenceB.Present(conversationId).All(p => p.DisplayName != "Amélie")));

            // An agent with Rapport open on node A: a chat visitor served by node B is told someone can answer.
            var availabilityA = a.Services.GetRequiredService<ChatAvailability>();
            var availabilityB = b.Services.GetRequiredService<ChatAvailability>();
            Assert.False(availabilityB.IsAvailable(workspace.Id));
            using (availabilityA.Open(workspace.Id))
            {
                await Eventually.Until(() => Task.FromResult(availabilityB.IsAvailable(workspace.Id)));
            }
            await Eventually.Until(() => Task.FromResult(!availabilityB.IsAvailable(workspace.Id)));
        }
        finally
        {
            await Databases.DropPostgresDatabaseAsync(postgres);
        }
    }

    [Fact]
    public async Task TwoRealNodes_AVisitorsChatOnNodeB_ShowsLiveWhatNodeAAccepted_AndTheAgentsReplySentThroughNodeA_OnPostgres()
    {
        var postgres = Databases.NewMigratedPostgresDatabase();
        void Shared(IDictionary<string, string?> s) => s["Rapport:Postgres"] = postgres;
        try
        {
            string key;
            Guid workspaceId;
            System.Net.Http.Headers.AuthenticationHeaderValue agentToken;
            // The workspace, its chat channel and an agent's token, made through the product; then this setup node stops.
            await using (var setup = new RapportFactory(Databases.Postgres, Shared))
            {
                var (_, workspace) = await setup.CreateOwnerAsync();
                workspaceId = workspace.Id;
                var admin = await setup.TokenClientAsync(workspace.Id, Role.Admin);
                agentToken = admin.DefaultRequestHeaders.Authorization!;
                var created = await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels", new
                {
                    name = "Website chat",
                    kind = "Chat",
                    settings = new { publicKey = "pk_two-nodes-chat", allowedOrigins = new[] { Site } },
                });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                key = (await created.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("settings").GetProperty("publicKey").GetString()!;

                // The stream's safety-net re-read is pushed far away: only a live signal can bring a line within the test's guard.
                string[] settings = ["Rapport:Outbox:PollInterval=00:00:00.250", "Rapport:Chat:StreamRecheck=00:30:00"];
                using var nodeA = RapportProcess.Start(setup, settings);
                using var nodeB = RapportProcess.Start(setup, settings);
                await Task.WhenAll(nodeA.WaitUntilReadyAsync(), nodeB.WaitUntilReadyAsync());
                using var visitorOnA = new HttpClient { BaseAddress = nodeA.Url };
                using var visitorOnB = new HttpClient { BaseAddress = nodeB.Url };
                using var agentOnA = new HttpClient { BaseAddress = nodeA.Url };
                agentOnA.DefaultRequestHeaders.Authorization = agentToken;

                // The visitor starts the chat; their stream is connected to node B.
                var first = await ChatPostAsync(visitorOnB, key, null, "Hello, is my order 4512 on its way?");
                var token = first.GetProperty("token").GetString()!;
                using var stream = await OpenStreamAsync(visitorOnB, key, token);
                Assert.Equal("Hello, is my order 4512 on its way?", (await NextLineAsync(stream)).GetProperty("text").GetString());

                // Their next message lands on node A (another tab, a load balancer's choice): node B's stream shows it live.
                await ChatPostAsync(visitorOnA, key, token, "It was due yesterday.");
                Assert.Equal("It was due yesterday.", (await NextLineAsync(stream)).GetProperty("text").GetString());

                // The agent answers through node A: the visitor, on node B, reads it once it is delivered.
                Guid conversationId;
                await using (var db = setup.OpenDb())
                {
                    conversationId = await db.Conversations.Where(c => c.WorkspaceId == workspaceId).Select(c => c.Id).SingleAsync();
                }
                var reply = await agentOnA.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/replies", new { text = "It left this morning, arriving tomorrow." });
                Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
                var replyId = (await reply.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!.MessageId;
                var delivered = await NextLineAsync(stream);
                Assert.Equal(replyId, delivered.GetProperty("id").GetGuid());
                Assert.Equal("It left this morning, arriving tomorrow.", delivered.GetProperty("text").GetString());

                // The same two nodes behind Debian's nginx, configured as the deployment guide ships it.
                using var proxy = await NginxProxy.StartAsync(nodeA.Url, nodeB.Url);
                // A live page's connection is negotiated, then upgraded to a WebSocket: both reach the same node, every time.
                for (var i = 0; i < 5; i++)
                {
                    await AssertLivePageConnectsAsync(proxy);
                }
                // The chat's event stream passes through unbuffered: replies sent through either node reach it at once.
                using var visitorThroughProxy = new HttpClient { BaseAddress = proxy.Url };
                using var proxied = await OpenStreamAsync(visitorThroughProxy, key, token);
                using var agentOnB = new HttpClient { BaseAddress = nodeB.Url };
                agentOnB.DefaultRequestHeaders.Authorization = agentToken;
                foreach (var (agent, text) in new[] { (agentOnA, "Tracking number: 8812."), (agentOnB, "Anything else I can do?") })
                {
                    var sent = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/replies", new { text });
                    Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
                    var sentId = (await sent.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!.MessageId;
                    JsonElement line;
                    do
                    {
                        line = await NextLineAsync(proxied); // The stream first repeats the conversation so far.
                    }
                    while (line.GetProperty("id").GetGuid() != sentId);
                    Assert.Equal(text, line.GetProperty("text").GetString());
                }
                Assert.DoesNotContain("[error]", proxy.Errors(), StringComparison.Ordinal);
            }
        }
        finally
        {
            await Databases.DropPostgresDatabaseAsync(postgres);
        }
    }

    /// <summary>
    /// What a browser does to open a live page: negotiate the connection, open it as a WebSocket (which only the node
    /// that negotiated it knows) and complete SignalR's handshake.
    /// </summary>
    private static async Task AssertLivePageConnectsAsync(NginxProxy proxy)
    {
        using var client = new HttpClient { BaseAddress = proxy.Url };
        var negotiated = await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);
        Assert.True(negotiated.IsSuccessStatusCode, $"negotiate: {(int)negotiated.StatusCode} {proxy.Errors()}");
        var connection = (await negotiated.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("connectionToken").GetString();
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{proxy.Url.Authority}/_blazor?id={connection}"), CancellationToken.None);
        await socket.SendAsync("{\"protocol\":\"blazorpack\",\"version\":1}\u001e"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var answer = await socket.ReceiveAsync(buffer, CancellationToken.None);
        // SignalR answers an accepted handshake with an empty object; another node would have closed the socket.
        Assert.Equal("{}\u001e", System.Text.Encoding.UTF8.GetString(buffer, 0, answer.Count));
    }

    private static bool Contains(List<ConversationChange> heard, Guid conversationId)
    {
        lock (heard)
        {
            return heard.Any(c => c.ConversationId == conversationId);
        }
    }

    private static async Task<JsonElement> ChatPostAsync(HttpClient client, string key, string? token, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/chat/{key}/messages") { Content = JsonContent.Create(new { text }) };
        request.Headers.Add("Origin", Site);
        if (token is not null)
        {
            request.Headers.Add(ChatApi.VisitorHeader, token);
        }
        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json.Options);
    }

    private static async Task<StreamReader> OpenStreamAsync(HttpClient client, string key, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/chat/{key}/stream");
        request.Headers.Add("Origin", Site);
        request.Headers.Add(ChatApi.VisitorHeader, token);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new StreamReader(await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The stream's next <c>line</c> event (typing events skipped).</summary>
    private static async Task<JsonElement> NextLineAsync(StreamReader reader)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        string? name = null;
        while (await reader.ReadLineAsync(guard.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name == "line")
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }
        throw new InvalidOperationException("The stream ended.");
    }
}
