using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Rapport.Channels.Webhook;
using Rapport.Conversations;
using Rapport.Conversations.Inbox;
using Rapport.Data;
using Rapport.KnowledgeBase;
using Rapport.Outbox;
using Rapport.Reports;
using Rapport.Sla;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests.Service;

/// <summary>
/// A reply is the brand's response only once delivered: through a webhook channel whose partner (a real HTTP receiver on
/// loopback) refuses or accepts it, with the outbox worker on a fake clock.
/// </summary>
public class DeliveredResponseTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task FailedReply_LeavesEveryFigureUnchanged(string provider)
    {
        await using var receiver = await OutboxTests.CallbackReceiver.StartAsync(400);
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var conversationId = await setup.ReceiveAsync("Where is my parcel? It should have arrived last week.");
        var before = await setup.FiguresAsync(conversationId);
        Assert.True(before.InNeedsAnswerView, "The customer's question waits for an answer.");
        Assert.NotNull(before.FirstResponseDueAt);

        var reply = await setup.ReplyAsync(conversationId, "Sorry, let me check.");
        Assert.Equal(DeliveryStatus.Queued, reply.DeliveryStatus);
        Assert.Equal(before, await setup.FiguresAsync(conversationId));

        await setup.Worker.RunOnceAsync();
        Assert.Equal(DeliveryStatus.Failed, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);
        Assert.Equal(before, await setup.FiguresAsync(conversationId));
        await using var db = setup.Factory.OpenDb();
        Assert.Equal(0, await db.ReportingEvents.CountAsync(e => e.Name == ReportingEventNames.FirstResponse || e.Name == ReportingEventNames.Reply));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RetriedReply_ThatSucceeds_CountsOnce_AtItsDeliveryTime(string provider)
    {
        await using var receiver = await OutboxTests.CallbackReceiver.StartAsync(400, 200);
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var conversationId = await setup.ReceiveAsync("Where is my parcel? It should have arrived last week.");
        var reply = await setup.ReplyAsync(conversationId, "Your parcel left this morning.");
        await setup.Worker.RunOnceAsync();
        Assert.Equal(DeliveryStatus.Failed, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);

        // Two hours later the agent retries, and the partner accepts it: the customer had nothing before then.
        setup.Advance(TimeSpan.FromHours(2));
        var deliveredAt = setup.Now;
        Assert.Equal(HttpStatusCode.Accepted, (await setup.Agent.PostAsync($"{setup.Url}/conversations/{conversationId}/messages/{reply.MessageId}/retry", null)).StatusCode);
        Assert.Equal(1, await setup.Worker.RunOnceAsync());
        Assert.Equal(0, await setup.Worker.RunOnceAsync());
        Assert.Equal(DeliveryStatus.Sent, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);

        await using (var db = setup.Factory.OpenDb())
        {
            var response = await db.ReportingEvents.SingleAsync(e => e.Name == ReportingEventNames.FirstResponse || e.Name == ReportingEventNames.Reply);
            Assert.Equal(ReportingEventNames.FirstResponse, response.Name);
            AssertClose(deliveredAt, response.EndedAt);
            var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
            AssertClose(deliveredAt, conversation.FirstResponseAt!.Value);
            AssertClose(deliveredAt, conversation.LastResponseAt!.Value);
            Assert.Equal(0, conversation.NeedsAnswer);
            Assert.Null(conversation.FirstResponseDueAt);
            Assert.Null(conversation.NextResponseDueAt);
        }
        var figures = await setup.FiguresAsync(conversationId);
        Assert.False(figures.InNeedsAnswerView);
        Assert.Equal((1, 1, 1d), (figures.Report.FirstResponses, figures.Report.Answered, figures.Report.ResponseRate));
        Assert.Equal((0d, 1d), (figures.Report.AnsweredWithin1h, figures.Report.AnsweredWithin24h));
        Assert.InRange(figures.Report.FirstResponseMedian!.Value, 7100, 7300);

        // The customer writes again: the next response is due, as after any delivered reply.
        await setup.ReceiveAsync("Thanks, and when will it arrive?", externalId: "m-2", createdAt: deliveredAt.AddMinutes(1));
        await using (var db = setup.Factory.OpenDb())
        {
            Assert.NotNull((await db.Conversations.SingleAsync(c => c.Id == conversationId)).NextResponseDueAt);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ColleagueChangesTheConversation_WhileTheReplyIsBeingDelivered_BothAreKept_AndTheReplyCountsOnce(string provider)
    {
        await using var receiver = await OutboxTests.CallbackReceiver.StartAsync();
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var conversationId = await setup.ReceiveAsync("Where is my parcel? It should have arrived last week.");
        await setup.ReplyAsync(conversationId, "Your parcel left this morning.");
        // The partner has the reply; before the worker records it, a colleague raises the priority.
        receiver.OnReceived = () =>
        {
            using var db = setup.Factory.OpenDb();
            var conversation = db.Conversations.Single(c => c.Id == conversationId);
            conversation.Priority = Priority.High;
            conversation.Version++;
            db.SaveChanges();
        };

        Assert.Equal(1, await setup.Worker.RunOnceAsync());

        Assert.Single(receiver.Requests);
        await using var check = setup.Factory.OpenDb();
        Assert.Equal(DeliveryStatus.Sent, (await check.Messages.SingleAsync(m => m.Direction == MessageDirection.Outbound)).DeliveryStatus);
        var saved = await check.Conversations.SingleAsync(c => c.Id == conversationId);
        Assert.Equal(Priority.High, saved.Priority);
        Assert.NotNull(saved.FirstResponseAt);
        Assert.Equal(1, await check.ReportingEvents.CountAsync(e => e.Name == ReportingEventNames.FirstResponse || e.Name == ReportingEventNames.Reply));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task CustomerWritesAgain_WhileTheReplyWaitsToLeave_TheReplyAnswersOnlyTheEarlierMessage(string provider)
    {
        await using var receiver = await OutboxTests.CallbackReceiver.StartAsync(503, 200);
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var conversationId = await setup.ReceiveAsync("Where is my parcel? It should have arrived last week.");
        var reply = await setup.ReplyAsync(conversationId, "Your parcel left this morning.");
        await setup.Worker.RunOnceAsync();
        Assert.Equal(DeliveryStatus.Queued, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);

        await setup.ReceiveAsync("Hello? Also, can I change the delivery address?", externalId: "m-2");
        setup.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await setup.Worker.RunOnceAsync());
        Assert.Equal(DeliveryStatus.Sent, (await setup.MessageAsync(reply.MessageId)).DeliveryStatus);

        await using var db = setup.Factory.OpenDb();
        Assert.Equal(ReportingEventNames.FirstResponse,
            (await db.ReportingEvents.SingleAsync(e => e.Name == ReportingEventNames.FirstResponse || e.Name == ReportingEventNames.Reply)).Name);
        var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
        Assert.NotNull(conversation.FirstResponseAt);
        // The second question is still waiting for the brand.
        Assert.True(conversation.NeedsAnswer > 0);
        Assert.NotNull(conversation.NextResponseDueAt);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Resolving_WithAFailedLastReply_Is409_ThenResolvesWhenConfirmed_AlsoByAMacro(string provider)
    {
        await using var receiver = await OutboxTests.CallbackReceiver.StartAsync(400, 400);
        await using var setup = await Setup.StartAsync(provider, receiver.Url);
        var first = await setup.ReceiveAsync("My bike arrived with a broken light.");
        await setup.ReplyAsync(first, "We send a new one today.");
        var second = await setup.ReceiveAsync("My order was charged twice.", externalId: "m-2", author: "fb:8");
        await setup.ReplyAsync(second, "The second charge is refunded.");
        await setup.Worker.RunOnceAsync();

        var refused = await setup.Agent.PatchAsJsonAsync($"{setup.Url}/conversations/{first}", new { status = "Resolved" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Last reply not delivered", problem.RootElement.GetProperty("title").GetString());
            Assert.Equal("Failed", problem.RootElement.GetProperty("lastReply").GetString());
        }
        using (var french = new HttpRequestMessage(HttpMethod.Patch, $"{setup.Url}/conversations/{first}") { Content = JsonContent.Create(new { status = "Resolved" }) })
        {
            french.Headers.AcceptLanguage.ParseAdd("fr");
            var refusedInFrench = await setup.Agent.SendAsync(french);
            Assert.Equal(HttpStatusCode.Conflict, refusedInFrench.StatusCode);
            using var problem = JsonDocument.Parse(await refusedInFrench.Content.ReadAsStringAsync());
            Assert.Equal("Dernière réponse non remise", problem.RootElement.GetProperty("title").GetString());
        }
        Assert.Equal(ConversationStatus.Open, (await setup.ConversationAsync(first)).Status);

        var confirmed = await setup.Agent.PatchAsJsonAsync($"{setup.Url}/conversations/{first}", new { status = "Resolved", confirmUndelivered = true });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(ConversationStatus.Resolved, (await setup.ConversationAsync(first)).Status);

        // A macro that resolves asks the same, and changes nothing (sends nothing) until confirmed.
        var macro = await (await setup.Agent.PostAsJsonAsync($"{setup.Url}/macros",
            new { name = "Close", replyText = "Closing this, write again any time.", status = "Resolved" })).Content.ReadFromJsonAsync<MacroDto>(Json.Options);
        var version = (await setup.ConversationAsync(second)).Version;
        var run = await setup.Agent.PostAsJsonAsync($"{setup.Url}/conversations/{second}/macros/{macro!.Id}/run", new { version });
        Assert.Equal(HttpStatusCode.Conflict, run.StatusCode);
        Assert.Contains("Last reply not delivered", await run.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var db = setup.Factory.OpenDb())
        {
            Assert.Equal(1, await db.Messages.CountAsync(m => m.ConversationId == second && m.Direction == MessageDirection.Outbound));
        }
        var runConfirmed = await setup.Agent.PostAsJsonAsync($"{setup.Url}/conversations/{second}/macros/{macro.Id}/run", new { version, confirmUndelivered = true });
        Assert.Equal(HttpStatusCode.OK, runConfirmed.StatusCode);
        Assert.Equal(ConversationStatus.Resolved, (await setup.ConversationAsync(second)).Status);
    }

    private static void AssertClose(DateTime expected, DateTime actual) =>
        Assert.InRange((actual - expected).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));

    /// <summary>Everything a head of care reads about one conversation and the period.</summary>
    private sealed record Figures(CareMetrics Report, bool InNeedsAnswerView, DateTime? FirstResponseAt, DateTime? LastResponseAt, double NeedsAnswer,
        DateTime? FirstResponseDueAt, DateTime? NextResponseDueAt, int ResponseEvents);

    /// <summary>A webhook channel delivering to a partner on loopback, an owner signed in, SLA round the clock, a worker on a fake clock.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
        private readonly DateTime started = DateTime.UtcNow;
        private int deliveries;

        private Setup(RapportFactory factory) => Factory = factory;

        public RapportFactory Factory { get; }
        public HttpClient Agent { get; private set; } = null!;
        public Guid WorkspaceId { get; private set; }
        public Guid ChannelId { get; private set; }
        public string Url => $"/api/v1/workspaces/{WorkspaceId}";
        public OutboxWorker Worker { get; private set; } = null!;
        public DateTime Now => clock.GetUtcNow().UtcDateTime;

        public static async Task<Setup> StartAsync(string provider, Uri callbackUrl)
        {
            var setup = new Setup(new RapportFactory(provider, s =>
            {
                s["Rapport:Outbox:PollInterval"] = "00:00:00";
                s["Rapport:Sla:PollInterval"] = "00:00:00";
            }));
            var (owner, workspace) = await setup.Factory.CreateOwnerAsync();
            setup.WorkspaceId = workspace.Id;
            setup.ChannelId = (await WebhookTests.CreateWebhookChannelAsync(setup.Factory, workspace.Id, callbackUrl)).Id;
            setup.Agent = await setup.Factory.SignedInClientAsync(owner.Email!);
            setup.Worker = new OutboxWorker(setup.Factory.Services.GetRequiredService<RapportDbContextFactory>(), setup.Factory.Services, new OutboxSignal(),
                Options.Create(new OutboxOptions()), setup.clock, NullLogger<OutboxWorker>.Instance);
            var sla = new SlaSetupDto("UTC", 30, [new SlaPolicyDto("Default", null, null, 60, 30, 480)], [], []);
            Assert.Equal(HttpStatusCode.OK, (await setup.Agent.PutAsJsonAsync($"{setup.Url}/sla", sla)).StatusCode);
            return setup;
        }

        public async Task<Guid> ReceiveAsync(string text, string externalId = "m-1", string author = "fb:7", DateTime? createdAt = null)
        {
            var body = WebhookTests.Delivery($"d-{Interlocked.Increment(ref deliveries)}", DateTimeOffset.UtcNow,
                new { externalId, authorHandle = author, authorName = "Sam", text, createdAt });
            var response = await WebhookTests.PostAsync(Factory.CreateClient(), ChannelId, body, WebhookSignature.Sign(WebhookTests.Secret, Encoding.UTF8.GetBytes(body)));
            return (await response.Content.ReadFromJsonAsync<WebhookAccepted>(Json.Options))!.Messages[0].ConversationId;
        }

        public async Task<ReplyResponse> ReplyAsync(Guid conversationId, string text)
        {
            var response = await Agent.PostAsJsonAsync($"{Url}/conversations/{conversationId}/replies", new { text });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            // The app queues by its real clock; the worker's fake clock catches up so the reply is due.
            if (clock.GetUtcNow() < DateTimeOffset.UtcNow)
            {
                clock.SetUtcNow(DateTimeOffset.UtcNow);
            }
            return (await response.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!;
        }

        public void Advance(TimeSpan by) => clock.Advance(by);

        public async Task<ConversationDto> ConversationAsync(Guid id) =>
            (await Agent.GetFromJsonAsync<ConversationDto>($"{Url}/conversations/{id}", Json.Options))!;

        public async Task<Message> MessageAsync(Guid messageId)
        {
            await using var db = Factory.OpenDb();
            return await db.Messages.SingleAsync(m => m.Id == messageId);
        }

        public async Task<Figures> FiguresAsync(Guid conversationId)
        {
            var period = $"from={started.AddDays(-1):O}&to={started.AddDays(1):O}";
            var report = await Agent.GetFromJsonAsync<CareReport>($"{Url}/reports/care?{period}", Json.Options);
            var inbox = await Agent.GetFromJsonAsync<Api.Page<InboxItemDto>>($"{Url}/inbox?view=NeedsAnswer", Json.Options);
            await using var db = Factory.OpenDb();
            var c = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == conversationId);
            var events = await db.ReportingEvents.CountAsync(e => e.ConversationId == conversationId
                && (e.Name == ReportingEventNames.FirstResponse || e.Name == ReportingEventNames.Reply));
            return new(report!.Total, inbox!.Items.Any(i => i.Id == conversationId), c.FirstResponseAt, c.LastResponseAt, c.NeedsAnswer,
                c.FirstResponseDueAt, c.NextResponseDueAt, events);
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }
}
