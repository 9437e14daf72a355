using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Rapport.Channels.Webhook;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

/// <summary>The outbox against a real HTTP receiver on loopback, with a fake clock driving the backoff.</summary>
public class OutboxTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_RetriedOn503And429_HonoursRetryAfter_ThenSentOnceSignedWithItsIdempotencyKey(string provider)
    {
        await using var receiver = await CallbackReceiver.StartAsync(503, 429, 200);
        await using var setup = await Setup.StartAsync(provider, receiver.Url);

        var reply = await setup.ReplyAsync("Sorry about that, a new parcel leaves today.");
        Assert.Equal(DeliveryStatus.Queued, reply.DeliveryStatus);

        await setup.Worker.RunOnceAsync();
        var afterFirst = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Pending, 1), (afterFirst.Status, afterFirst.Attempts));
        Assert.Contains("503", afterFirst.LastError, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatus.Queued, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);

        // Nothing is due before the backoff ends.
        Assert.Equal(0, await setup.Worker.RunOnceAsync());
        setup.AdvanceTo(afterFirst.NextAttemptAt);
        await setup.Worker.RunOnceAsync();
        var afterSecond = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Pending, 2), (afterSecond.Status, afterSecond.Attempts));
        Assert.Contains("429", afterSecond.LastError, StringComparison.Ordinal);
        Assert.True(afterSecond.NextAttemptAt - setup.Now >= TimeSpan.FromSeconds(1), "Retry-After: 1 is honoured.");

        setup.AdvanceTo(afterSecond.NextAttemptAt);
        await setup.Worker.RunOnceAsync();
        var sent = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Sent, 3), (sent.Status, sent.Attempts));
        var message = await setup.MessageAsync(reply.MessageId);
        Assert.Equal(DeliveryStatus.Sent, message.DeliveryStatus);
        Assert.Null(message.DeliveryError);
        Assert.Equal("net-3", message.ExternalId);

        Assert.Equal(3, receiver.Requests.Count);
        Assert.All(receiver.Requests, r =>
        {
            Assert.Equal(sent.IdempotencyKey, r.IdempotencyKey);
            Assert.True(WebhookSignature.Verify(WebhookTests.Secret, Encoding.UTF8.GetBytes(r.Body), r.Signature), "X-Rapport-Signature is the body's HMAC.");
            Assert.Equal(r.Signature, r.MetaSignature);
        });
        using var body = JsonDocument.Parse(receiver.Requests.Last().Body);
        Assert.Equal("Sorry about that, a new parcel leaves today.", body.RootElement.GetProperty("text").GetString());
        Assert.Equal("m-1", body.RootElement.GetProperty("inReplyToExternalId").GetString());
        Assert.Equal(sent.IdempotencyKey, body.RootElement.GetProperty("id").GetString());
        Assert.Equal(1, receiver.EffectiveDeliveries);

        // The reply counted as the first response once, when the agent answered.
        await using var db = setup.Factory.OpenDb();
        Assert.Equal(1, await db.ReportingEvents.CountAsync(e => e.Name == ReportingEventNames.FirstResponse));
        Assert.NotNull((await db.Conversations.SingleAsync()).FirstResponseAt);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_RefusedWith400_FailsAtOnceWithTheReason_AndCanBeRetried(string provider)
    {
        await using var receiver = await CallbackReceiver.StartAsync(400, 200);
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var reply = await setup.ReplyAsync("Here is a link the network refuses.");

        await setup.Worker.RunOnceAsync();

        var item = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Failed, 1), (item.Status, item.Attempts));
        var message = await setup.MessageAsync(reply.MessageId);
        Assert.Equal(DeliveryStatus.Failed, message.DeliveryStatus);
        Assert.Contains("400", message.DeliveryError, StringComparison.Ordinal);
        Assert.Contains("links are not allowed", message.DeliveryError, StringComparison.Ordinal);
        var messages = await setup.Agent.GetFromJsonAsync<Api.Page<MessageDto>>($"{setup.ConversationUrl}/messages", Json.Options);
        Assert.Equal(DeliveryStatus.Failed, messages!.Items.Single(m => m.Id == reply.MessageId).DeliveryStatus);

        var retry = await setup.Agent.PostAsync($"{setup.ConversationUrl}/messages/{reply.MessageId}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(DeliveryStatus.Queued, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);
        setup.CatchUp();
        await setup.Worker.RunOnceAsync();
        Assert.Equal(DeliveryStatus.Sent, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);
        Assert.Equal(HttpStatusCode.Conflict, (await setup.Agent.PostAsync($"{setup.ConversationUrl}/messages/{reply.MessageId}/retry", null)).StatusCode);
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_ToAReceiverThatIsDown_IsRetriedWithGrowingDelays_ThenFailsAfterMaxAttempts(string provider)
    {
        await using var setup = await Setup.StartAsync(provider, ClosedPort());
        var reply = await setup.ReplyAsync("Are you there?");
        var delays = new List<TimeSpan>();

        for (var round = 1; round <= 8; round++)
        {
            Assert.Equal(1, await setup.Worker.RunOnceAsync());
            var item = await setup.ItemAsync(reply.MessageId);
            Assert.Equal(round, item.Attempts);
            if (round < 8)
            {
                Assert.Equal(OutboxStatus.Pending, item.Status);
                delays.Add(item.NextAttemptAt - setup.Now);
                setup.AdvanceTo(item.NextAttemptAt);
            }
        }

        var failed = await setup.ItemAsync(reply.MessageId);
        Assert.Equal(OutboxStatus.Failed, failed.Status);
        var message = await setup.MessageAsync(reply.MessageId);
        Assert.Equal(DeliveryStatus.Failed, message.DeliveryStatus);
        Assert.Contains("Gave up after 8 attempts", message.DeliveryError, StringComparison.Ordinal);
        Assert.Contains("could not be reached", message.DeliveryError, StringComparison.Ordinal);
        // Exponential with jitter: each delay is within [half, full] of base × 2^(n-1).
        for (var i = 0; i < delays.Count; i++)
        {
            var full = TimeSpan.FromSeconds(10 * Math.Pow(2, i));
            Assert.InRange(delays[i], full / 2 - TimeSpan.FromMilliseconds(1), full + TimeSpan.FromMilliseconds(1));
        }
        await using var db = setup.Factory.OpenDb();
        Assert.Contains("could not be reached", (await db.Channels.SingleAsync()).LastError, StringComparison.Ordinal);
        Assert.Equal(0, await setup.Worker.RunOnceAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task WorkerKilledBetweenSendingAndRecording_TheItemIsSentAgainAfterTheLease_WithTheSameKey_AndTheReceiverDedupes(string provider)
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var reply = await setup.ReplyAsync("This one must arrive once.");

        // The receiver has the reply when the process dies, before the worker records anything.
        using var kill = new CancellationTokenSource();
        receiver.OnReceived = kill.Cancel;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => setup.Worker.RunOnceAsync(kill.Token));
        receiver.OnReceived = null;
        var stuck = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Sending, 1), (stuck.Status, stuck.Attempts));
        Assert.Equal(DeliveryStatus.Queued, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);

        // A restarted worker leaves it alone while the lease runs, then sends it again.
        var restarted = setup.NewWorker();
        Assert.Equal(0, await restarted.RunOnceAsync());
        Assert.Single(receiver.Requests);
        setup.AdvanceTo(stuck.NextAttemptAt);
        Assert.Equal(1, await restarted.RunOnceAsync());

        var sent = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Sent, 2), (sent.Status, sent.Attempts));
        Assert.Equal(DeliveryStatus.Sent, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);
        Assert.Equal(2, receiver.Requests.Count);
        Assert.Single(receiver.Requests.Select(r => r.IdempotencyKey).Distinct());
        Assert.Equal(1, receiver.EffectiveDeliveries);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RapportProcessKilledBetweenSendingAndRecording_TheRestartedProcessSendsItAgainWithTheSameKey_ReceivedOnce(string provider)
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var reply = await setup.ReplyAsync("Your new parcel left this morning.");
        // A short lease, so the restarted process takes the interrupted item back within seconds.
        string[] settings = ["Rapport:Outbox:Lease=00:00:03", "Rapport:Outbox:PollInterval=00:00:00.250"];

        using (var first = RapportProcess.Start(setup.Factory, settings))
        {
            // The receiver has the reply; the process dies before it can record that it was sent.
            receiver.OnReceived = first.Kill;
            await first.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            receiver.OnReceived = null;
        }
        var stuck = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Sending, 1), (stuck.Status, stuck.Attempts));
        Assert.Equal(DeliveryStatus.Queued, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);
        Assert.Single(receiver.Requests);

        using (RapportProcess.Start(setup.Factory, settings))
        {
            for (var wait = 0; (await setup.ItemAsync(reply.MessageId)).Status != OutboxStatus.Sent; wait++)
            {
                Assert.True(wait < 1200, "The restarted process did not send the interrupted reply within 4 minutes.");
                await Task.Delay(200);
            }
        }

        var sent = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Sent, 2), (sent.Status, sent.Attempts));
        Assert.Equal(DeliveryStatus.Sent, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);
        Assert.Equal(2, receiver.Requests.Count);
        Assert.Single(receiver.Requests.Select(r => r.IdempotencyKey).Distinct());
        Assert.Equal(1, receiver.EffectiveDeliveries);
        await using var db = setup.Factory.OpenDb();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.Direction == MessageDirection.Outbound));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TwoWorkersAtOnce_NeverSendTheSameItemTwice(string provider)
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        for (var i = 0; i < 6; i++)
        {
            await setup.ReplyAsync($"Reply {i}");
        }

        var rounds = await Task.WhenAll(setup.Worker.RunOnceAsync(), setup.NewWorker().RunOnceAsync());

        Assert.Equal(6, rounds.Sum());
        Assert.Equal(6, receiver.Requests.Count);
        Assert.Equal(6, receiver.Requests.Select(r => r.IdempotencyKey).Distinct().Count());
        await using var db = setup.Factory.OpenDb();
        Assert.All(await db.OutboxItems.ToListAsync(), o => Assert.Equal((OutboxStatus.Sent, 1), (o.Status, o.Attempts)));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_OnAWebhookChannelWithoutCallbackUrl_FailsWithTheReason(string provider)
    {
        await using var setup = await Setup.StartAsync(provider, callbackUrl: null);
        var reply = await setup.ReplyAsync("Nowhere to go.");

        await setup.Worker.RunOnceAsync();

        var message = await setup.MessageAsync(reply.MessageId);
        Assert.Equal(DeliveryStatus.Failed, message.DeliveryStatus);
        Assert.Contains("callbackUrl", message.DeliveryError, StringComparison.Ordinal);
        Assert.Equal(1, (await setup.ItemAsync(reply.MessageId)).Attempts);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ReplyWithoutText_Is400_AndNothingIsQueued(string provider)
    {
        await using var setup = await Setup.StartAsync(provider, ClosedPort());
        var response = await setup.Agent.PostAsJsonAsync($"{setup.ConversationUrl}/replies", new { text = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var db = setup.Factory.OpenDb();
        Assert.Equal(0, await db.OutboxItems.CountAsync());
        Assert.Equal(0, await db.Messages.CountAsync(m => m.Direction == MessageDirection.Outbound));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Post_ThroughAWebhookChannel_IsPublishedOnceSignedAsAPost_AndListedWithTheNetworksId(string provider)
    {
        await using var receiver = await CallbackReceiver.StartAsync(503, 200);
        await using var setup = await Setup.StartAsync(provider, receiver.Url);

        var response = await setup.Agent.PostAsJsonAsync(setup.PostsUrl, new { text = "Nouveau : suivez votre colis en temps réel.", language = "fr" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<Publishing.PostDto>(Json.Options))!;
        Assert.Equal(OutboxStatus.Pending, queued.Status);
        setup.CatchUp();

        await setup.Worker.RunOnceAsync();
        var retrying = await setup.PostAsync(queued.Id);
        Assert.Equal((OutboxStatus.Pending, 1), (retrying.Status, retrying.Attempts));
        Assert.Contains("503", retrying.Error, StringComparison.Ordinal);
        setup.AdvanceTo((await setup.ItemAsync(queued.Id)).NextAttemptAt);
        await setup.Worker.RunOnceAsync();
        Assert.Equal(0, await setup.Worker.RunOnceAsync());

        var sent = await setup.PostAsync(queued.Id);
        Assert.Equal(OutboxStatus.Sent, sent.Status);
        Assert.Equal("net-2", sent.ExternalId);
        Assert.NotNull(sent.SentAt);
        Assert.Equal(1, receiver.EffectiveDeliveries);
        var request = receiver.Requests.Last();
        Assert.True(WebhookSignature.Verify(WebhookTests.Secret, Encoding.UTF8.GetBytes(request.Body), request.Signature));
        Assert.Equal("post-" + queued.Id.ToString("N"), request.IdempotencyKey);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("post", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("Nouveau : suivez votre colis en temps réel.", body.RootElement.GetProperty("text").GetString());
        Assert.Equal("fr", body.RootElement.GetProperty("language").GetString());
        // A post is not a message of any conversation: the inbox is unchanged.
        await using var db = setup.Factory.OpenDb();
        Assert.Equal(0, await db.Messages.CountAsync(m => m.Direction == MessageDirection.Outbound));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Post_WithBadInput_OrWhereNothingCanBePublished_GetsAClearAnswer(string provider)
    {
        await using var setup = await Setup.StartAsync(provider, ClosedPort());
        var factory = setup.Factory;
        var api = await factory.CreateChannelAsync(setup.WorkspaceId);
        var feed = await factory.CreateChannelAsync(setup.WorkspaceId, Channels.ChannelKind.Feed, "Press");
        await using (var db = factory.OpenDb())
        {
            (await db.Channels.SingleAsync(c => c.Id == feed.Id)).Direction = Channels.ChannelDirection.Listening;
            await db.SaveChangesAsync();
        }
        var (_, other) = await factory.CreateOwnerAsync("other@example.com", "Other");
        var foreign = await factory.CreateChannelAsync(other.Id);
        var analyst = await factory.SignedInClientAsync((await factory.AddMemberAsync(setup.WorkspaceId, Workspaces.Role.Analyst)).Email!);
        string Posts(Guid channelId) => $"/api/v1/workspaces/{setup.WorkspaceId}/channels/{channelId}/posts";

        Assert.Equal(HttpStatusCode.BadRequest, (await setup.Agent.PostAsJsonAsync(setup.PostsUrl, new { text = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await setup.Agent.PostAsJsonAsync(setup.PostsUrl, new { text = new string('a', 100_001) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await setup.Agent.PostAsJsonAsync(setup.PostsUrl, new { text = "Hallo", language = "de" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await setup.Agent.PostAsJsonAsync(Posts(feed.Id), new { text = "Hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await setup.Agent.PostAsJsonAsync(Posts(foreign.Id), new { text = "Hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync(setup.PostsUrl, new { text = "Hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync(setup.PostsUrl)).StatusCode);

        // The API channel only receives: its post fails at once with the reason, shown in the list.
        var refused = await setup.Agent.PostAsJsonAsync(Posts(api.Id), new { text = "<script>alert(1)</script>" });
        Assert.Equal(HttpStatusCode.Accepted, refused.StatusCode);
        setup.CatchUp();
        await setup.Worker.RunOnceAsync();
        var page = await setup.Agent.GetFromJsonAsync<Api.Page<Publishing.PostDto>>(Posts(api.Id), Json.Options);
        var failed = Assert.Single(page!.Items);
        Assert.Equal((OutboxStatus.Failed, 1), (failed.Status, failed.Attempts));
        Assert.Equal("Api channels cannot publish posts.", failed.Error);
        Assert.Equal("<script>alert(1)</script>", failed.Text);
        await using var check = factory.OpenDb();
        Assert.Equal(1, await check.OutboxItems.IgnoreQueryFilters().CountAsync());
    }

    private static Uri ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/callback");
    }

    /// <summary>The app (its own background worker off), a webhook channel whose conversation got one inbound message, an agent, and a worker on a fake clock.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

        private Setup(RapportFactory factory) => Factory = factory;

        public RapportFactory Factory { get; }
        public HttpClient Agent { get; private set; } = null!;
        public string ConversationUrl { get; private set; } = "";
        public Guid WorkspaceId { get; private set; }
        public Guid ChannelId { get; private set; }
        public string PostsUrl => $"/api/v1/workspaces/{WorkspaceId}/channels/{ChannelId}/posts";
        public OutboxWorker Worker { get; private set; } = null!;
        public DateTime Now => clock.GetUtcNow().UtcDateTime;

        public static async Task<Setup> StartAsync(string provider, Uri? callbackUrl)
        {
            var setup = new Setup(new RapportFactory(provider, s => s["Rapport:Outbox:PollInterval"] = "00:00:00"));
            var factory = setup.Factory;
            var (owner, workspace) = await factory.CreateOwnerAsync();
            var channel = await WebhookTests.CreateWebhookChannelAsync(factory, workspace.Id, callbackUrl);
            var body = WebhookTests.Delivery("d-1", DateTimeOffset.UtcNow, new { externalId = "m-1", authorHandle = "fb:7", authorName = "Sam", text = "Where is my parcel?" });
            var delivered = await WebhookTests.PostAsync(factory.CreateClient(), channel.Id, body, WebhookSignature.Sign(WebhookTests.Secret, Encoding.UTF8.GetBytes(body)));
            var accepted = await delivered.Content.ReadFromJsonAsync<WebhookAccepted>(Json.Options);
            setup.ConversationUrl = $"/api/v1/workspaces/{workspace.Id}/conversations/{accepted!.Messages[0].ConversationId}";
            setup.WorkspaceId = workspace.Id;
            setup.ChannelId = channel.Id;
            setup.Agent = await factory.SignedInClientAsync(owner.Email!);
            setup.Worker = setup.NewWorker();
            return setup;
        }

        public OutboxWorker NewWorker() => new(
            Factory.Services.GetRequiredService<RapportDbContextFactory>(), Factory.Services, new OutboxSignal(),
            Options.Create(new OutboxOptions()), clock, NullLogger<OutboxWorker>.Instance);

        public async Task<ReplyResponse> ReplyAsync(string text)
        {
            var response = await Agent.PostAsJsonAsync($"{ConversationUrl}/replies", new { text });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            CatchUp();
            return (await response.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!;
        }

        /// <summary>The app queues by its real clock; the worker's fake clock moves up to it so those items are due.</summary>
        public void CatchUp()
        {
            if (clock.GetUtcNow() < DateTimeOffset.UtcNow)
            {
                clock.SetUtcNow(DateTimeOffset.UtcNow);
            }
        }

        public void AdvanceTo(DateTime at)
        {
            var target = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc));
            if (target > clock.GetUtcNow())
            {
                clock.SetUtcNow(target);
            }
        }

        public async Task<Publishing.PostDto> PostAsync(Guid postId)
        {
            var page = await Agent.GetFromJsonAsync<Api.Page<Publishing.PostDto>>(PostsUrl, Json.Options);
            return page!.Items.Single(p => p.Id == postId);
        }

        public async Task<OutboxItem> ItemAsync(Guid id)
        {
            await using var db = Factory.OpenDb();
            return await db.OutboxItems.SingleAsync(o => o.Id == id || o.MessageId == id);
        }

        public async Task<Message> MessageAsync(Guid messageId)
        {
            await using var db = Factory.OpenDb();
            return await db.Messages.SingleAsync(m => m.Id == messageId);
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    internal sealed record ReceivedRequest(string Body, string? Signature, string? MetaSignature, string? IdempotencyKey);

    /// <summary>
    /// A brand's integration on 127.0.0.1: answers the scripted statuses in turn (then 200), and, like a receiver that
    /// honours Idempotency-Key, acts on a key only once.
    /// </summary>
    internal sealed class CallbackReceiver : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly ConcurrentQueue<int> script;
        private readonly ConcurrentDictionary<string, bool> seenKeys = new();
        private int effective;

        private CallbackReceiver(WebApplication app, IEnumerable<int> statuses)
        {
            this.app = app;
            script = new ConcurrentQueue<int>(statuses);
        }

        public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
        public int EffectiveDeliveries => effective;
        public Action? OnReceived { get; set; }
        public Uri Url { get; private set; } = null!;

        public static async Task<CallbackReceiver> StartAsync(params int[] statuses)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new CallbackReceiver(app, statuses);
            app.MapPost("/callback", (Func<HttpContext, Task<IResult>>)receiver.HandleAsync);
            await app.StartAsync();
            receiver.Url = new Uri(app.Urls.Single() + "/callback");
            return receiver;
        }

        private async Task<IResult> HandleAsync(HttpContext http)
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var key = http.Request.Headers["Idempotency-Key"].ToString();
            Requests.Enqueue(new ReceivedRequest(body, http.Request.Headers[WebhookSignature.Header], http.Request.Headers[WebhookSignature.MetaHeader], key));
            var status = script.TryDequeue(out var next) ? next : 200;
            switch (status)
            {
                case 200:
                    if (seenKeys.TryAdd(key, true))
                    {
                        Interlocked.Increment(ref effective);
                    }
                    OnReceived?.Invoke();
                    return Results.Json(new { externalId = $"net-{Requests.Count}" });
                case 429:
                    http.Response.Headers.RetryAfter = "1";
                    return Results.StatusCode(429);
                case 400:
                    return Results.Problem(statusCode: 400, title: "links are not allowed on this network");
                default:
                    return Results.StatusCode(status);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
