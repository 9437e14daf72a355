using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;
using Rapport.Webhooks;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// Outgoing webhooks end to end: an admin subscribes a real HTTP listener on loopback, a conversation is resolved through
/// the API, and the listener receives the event signed as docs/webhooks-outgoing.md says; a failure is retried through
/// the outbox and logged with its response code; a logged delivery is sent again.
/// </summary>
public class OutgoingWebhookTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ResolvedConversation_IsPostedSigned_RetriedAfterA500_Logged_AndReplayed(string provider)
    {
        await using var listener = await EventListener.StartAsync(500, 200, 200);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var factory = new RapportFactory(provider, s => s["Rapport:Outbox:PollInterval"] = "00:00:00") { Clock = clock };
        var (_, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var subscriptions = $"/api/v1/workspaces/{workspace.Id}/webhook-subscriptions";

        var response = await admin.PostAsJsonAsync(subscriptions, new { url = listener.Url, eventTypes = new[] { "conversation.resolved" }, description = "CRM" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<CreatedWebhookSubscriptionDto>(Json.Options))!;
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        // Shown once: never listed again, and stored encrypted.
        Assert.DoesNotContain(created.Secret, await admin.GetStringAsync(subscriptions), StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            var stored = await db.Set<WebhookSubscription>().SingleAsync();
            Assert.DoesNotContain(created.Secret, stored.ProtectedSecret, StringComparison.Ordinal);
            Assert.Contains(await db.AuditEntries.Select(a => a.Action).ToListAsync(), a => a == "webhook.created");
        }

        // A real event: an agent resolves a conversation through the API.
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var inbound = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "m-1", authorHandle = "ana@example.test", text = "My invoice is wrong, I was charged twice." });
        var conversationId = (await inbound.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("conversationId").GetGuid();
        var resolved = await agent.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}", new { status = "Resolved" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);

        var worker = factory.Services.GetRequiredService<OutboxWorker>();
        await worker.RunOnceAsync();
        var first = Assert.Single(listener.Requests);
        var log = await LogAsync(admin, subscriptions, created.Id);
        var failed = Assert.Single(log);
        Assert.Equal((500, "conversation.resolved"), (failed.StatusCode, failed.EventType));
        Assert.Contains("500", failed.Error, StringComparison.Ordinal);

        // The outbox tries again after its backoff, and the listener accepts it this time.
        clock.Advance(TimeSpan.FromHours(2));
        await worker.RunOnceAsync();
        Assert.Equal(2, listener.Requests.Count);
        var delivered = listener.Requests.Last();
        log = await LogAsync(admin, subscriptions, created.Id);
        Assert.Equal([200, 500], log.Select(a => a.StatusCode ?? 0));
        Assert.Null(log[0].Error);

        // Verified as the documentation says: HMAC-SHA256 of "timestamp.body" with the secret, hex, after "v1=".
        Assert.True(Verify(created.Secret, delivered), "The signature matches the documented algorithm.");
        Assert.False(Verify("whsec_someone-else", delivered), "Another secret does not verify.");
        using var body = JsonDocument.Parse(delivered.Body);
        Assert.Equal("conversation.resolved", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(conversationId, body.RootElement.GetProperty("data").GetProperty("conversationId").GetGuid());
        Assert.Equal(workspace.Id, body.RootElement.GetProperty("workspaceId").GetGuid());
        Assert.Equal(body.RootElement.GetProperty("id").GetGuid().ToString(), delivered.EventId);
        Assert.Equal(first.EventId, delivered.EventId);
        Assert.DoesNotContain(created.Secret, delivered.Body, StringComparison.Ordinal);

        // Replay from the log: the same event and body, signed again.
        var replay = await admin.PostAsync($"{subscriptions}/{created.Id}/deliveries/{log[0].Id}/replay", null);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        await worker.RunOnceAsync();
        Assert.Equal(3, listener.Requests.Count);
        var replayed = listener.Requests.Last();
        Assert.Equal((delivered.EventId, delivered.Body), (replayed.EventId, replayed.Body));
        Assert.True(Verify(created.Secret, replayed));
        log = await LogAsync(admin, subscriptions, created.Id);
        Assert.Equal(3, log.Count);
        Assert.True(log[0].Replay);
        Assert.Equal(200, log[0].StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AdminsOnly_OwnWorkspaceOnly_AndPrivateAddressesRefused(string provider)
    {
        await using var factory = new RapportFactory(provider, s => s["Rapport:Network:AllowPrivateAddresses"] = "false");
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var subscriptions = $"/api/v1/workspaces/{workspace.Id}/webhook-subscriptions";

        foreach (var url in new[] { "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://169.254.169.254/latest", "http://[::1]/hook", "http://10.1.2.3/x" })
        {
            var refused = await admin.PostAsJsonAsync(subscriptions, new { url, eventTypes = new[] { "message.processed" } });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("private or local address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var unknownType = await admin.PostAsJsonAsync(subscriptions, new { url = "https://93.184.215.14/hook", eventTypes = new[] { "everything" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownType.StatusCode);
        var created = await admin.PostAsJsonAsync(subscriptions, new { url = "https://93.184.215.14/hook", eventTypes = new[] { "message.processed" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<CreatedWebhookSubscriptionDto>(Json.Options))!.Id;
        var toPrivate = await admin.PatchAsJsonAsync($"{subscriptions}/{id}", new { url = "http://192.168.1.10/hook" });
        Assert.Equal(HttpStatusCode.BadRequest, toPrivate.StatusCode);

        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync(subscriptions)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync(subscriptions, new { url = "https://93.184.215.14/a", eventTypes = new[] { "message.processed" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"{subscriptions}/{id}/deliveries")).StatusCode);

        // Another workspace's admin sees none of it, by its own workspace's address.
        var stranger = await factory.TokenClientAsync(other.Id, Role.Admin);
        var theirs = $"/api/v1/workspaces/{other.Id}/webhook-subscriptions";
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"{theirs}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"{theirs}/{id}/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PatchAsJsonAsync($"{theirs}/{id}", new { enabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DeleteAsync($"{theirs}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"{theirs}/{id}/deliveries/{Guid.NewGuid()}/replay", null)).StatusCode);
        Assert.Equal("[]", await stranger.GetStringAsync(theirs));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"{subscriptions}/{id}")).StatusCode);
    }

    /// <summary>The receiver's check, written from the documentation rather than from Rapport's code.</summary>
    private static bool Verify(string secret, ReceivedEvent request)
    {
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(request.Timestamp + "." + request.Body)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(request.Signature));
    }

    private static async Task<List<WebhookAttemptDto>> LogAsync(HttpClient admin, string subscriptions, Guid id) =>
        (await admin.GetFromJsonAsync<List<WebhookAttemptDto>>($"{subscriptions}/{id}/deliveries", Json.Options))!;

    internal sealed record ReceivedEvent(string Body, string Signature, string Timestamp, string EventId, string EventType);

    /// <summary>A receiver on loopback answering the statuses given in turn (then 200), keeping what it received.</summary>
    internal sealed class EventListener : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly ConcurrentQueue<int> script;

        private EventListener(WebApplication app, IEnumerable<int> statuses)
        {
            this.app = app;
            script = new ConcurrentQueue<int>(statuses);
        }

        public ConcurrentQueue<ReceivedEvent> Requests { get; } = new();

        public string Url { get; private set; } = "";

        public static async Task<EventListener> StartAsync(params int[] statuses)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var listener = new EventListener(app, statuses);
            app.MapPost("/events", async (HttpContext http) =>
            {
                using var reader = new StreamReader(http.Request.Body);
                var body = await reader.ReadToEndAsync();
                listener.Requests.Enqueue(new ReceivedEvent(body, http.Request.Headers["Rapport-Signature"].ToString(), http.Request.Headers["Rapport-Timestamp"].ToString(),
                    http.Request.Headers["Rapport-Event-Id"].ToString(), http.Request.Headers["Rapport-Event-Type"].ToString()));
                return Results.StatusCode(listener.script.TryDequeue(out var status) ? status : 200);
            });
            await app.StartAsync();
            listener.Url = app.Urls.Single() + "/events";
            return listener;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
