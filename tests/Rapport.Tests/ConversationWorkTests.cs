using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Rapport.Conversations;
using Rapport.Conversations.Live;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Notifications;
using Rapport.Outbox;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>The conversation page's actions through the API: concurrency, notes and mentions, merging, scheduled replies, notifications.</summary>
public class ConversationWorkTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TwoAgentsResolvingAndAssigningAtOnce_OneGetsAClearConflict_AndTheOtherChangeIsKept(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var conversationId = await InboundAsync(factory, workspace.Id, channel.Id, "m-1", "sam@example.test", "My order never arrived.");
        var agentA = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var agentB = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var clientA = await factory.SignedInClientAsync(agentA.Email!);
        var clientB = await factory.SignedInClientAsync(agentB.Email!);
        var url = $"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}";
        var version = (await clientA.GetFromJsonAsync<ConversationDto>(url, Json.Options))!.Version;

        var responses = await Task.WhenAll(
            clientA.PatchAsJsonAsync(url, new { version, status = "Resolved" }),
            clientB.PatchAsJsonAsync(url, new { version, assigneeId = agentB.Id }));

        var statuses = responses.Select(r => r.StatusCode).OrderBy(s => s).ToList();
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], statuses);
        var conflict = responses.Single(r => r.StatusCode == HttpStatusCode.Conflict);
        Assert.Contains("Someone else changed this conversation", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var now = await clientA.GetFromJsonAsync<ConversationDto>(url, Json.Options);
        var resolvedWon = responses[0].StatusCode == HttpStatusCode.OK;
        Assert.Equal(resolvedWon ? ConversationStatus.Resolved : ConversationStatus.Open, now!.Status);
        Assert.Equal(resolvedWon ? null : agentB.Id, now.AssigneeId);

        // The one who got the conflict reloads and applies their change on top: nothing is lost.
        var retry = resolvedWon
            ? await clientB.PatchAsJsonAsync(url, new { version = now.Version, assigneeId = agentB.Id })
            : await clientA.PatchAsJsonAsync(url, new { version = now.Version, status = "Resolved" });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var final = await clientA.GetFromJsonAsync<ConversationDto>(url, Json.Options);
        Assert.Equal((ConversationStatus.Resolved, agentB.Id), (final!.Status, final.AssigneeId));

        // The trail says who did what.
        var trail = await clientA.GetFromJsonAsync<List<ConversationAuditDto>>($"{url}/audit", Json.Options);
        Assert.Contains(trail!, e => e.Action == "conversation.status" && e.Details == "Resolved" && e.ActorUserId == agentA.Id);
        Assert.Contains(trail!, e => e.Action == "conversation.assigned" && e.ActorUserId == agentB.Id);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Merge_MovesEveryMessageIntoTheTarget_ClosesTheSourceWithALink_AndRefusesAnotherContact(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var mail = await factory.CreateChannelAsync(workspace.Id, name: "Mail");
        var chat = await factory.CreateChannelAsync(workspace.Id, name: "Chat");
        var first = await InboundAsync(factory, workspace.Id, mail.Id, "m-1", "sam@example.test", "My order never arrived.", thread: "t-1");
        await InboundAsync(factory, workspace.Id, mail.Id, "m-2", "sam@example.test", "Any news?", thread: "t-1");
        var second = await InboundAsync(factory, workspace.Id, mail.Id, "m-3", "sam@example.test", "Writing again about my order.", thread: "t-2");
        var stranger = await InboundAsync(factory, workspace.Id, chat.Id, "c-1", "visitor-9", "Hello?");
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var api = $"/api/v1/workspaces/{workspace.Id}/conversations";
        await agent.PostAsJsonAsync($"{api}/{first}/notes", new { text = "Checking with the warehouse." });

        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync($"{api}/{first}/merge", new { targetId = second })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync($"{api}/{first}/merge", new { targetId = stranger })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync($"{api}/{first}/merge", new { targetId = first })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync($"{api}/{first}/merge", new { targetId = Guid.NewGuid() })).StatusCode);

        var merged = await agent.PostAsJsonAsync($"{api}/{first}/merge", new { targetId = second });
        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);

        await using var db = factory.OpenDb();
        Assert.Equal(4, await db.Messages.CountAsync(m => m.ConversationId == second));
        Assert.Equal(0, await db.Messages.CountAsync(m => m.ConversationId == first));
        var source = await agent.GetFromJsonAsync<ConversationDto>($"{api}/{first}", Json.Options);
        Assert.Equal((second, ConversationStatus.Resolved), (source!.MergedIntoId, source.Status));
        Assert.Equal(0, await db.ReportingEvents.CountAsync(e => e.ConversationId == first && e.Name == ReportingEventNames.ConversationResolved));
        var trail = await agent.GetFromJsonAsync<List<ConversationAuditDto>>($"{api}/{second}/audit", Json.Options);
        Assert.Contains(trail!, e => e.Action == "conversation.merged" && e.Details!.Contains("3 messages moved", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostAsJsonAsync($"{api}/{first}/merge", new { targetId = second })).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task NoteMentions_NotifyOnlyMembersOfTheWorkspace_WhoReadAndMarkThemRead(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (outsider, _) = await factory.CreateOwnerAsync("zoe@elsewhere.test", "Elsewhere");
        var ana = await factory.AddMemberAsync(workspace.Id, Role.Agent, "ana.souza@example.test");
        var writer = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var conversation = await InboundAsync(factory, workspace.Id, channel.Id, "m-1", "sam@example.test", "Charged twice!");
        var client = await factory.SignedInClientAsync(writer.Email!);
        var url = $"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}/notes";

        var note = await client.PostAsJsonAsync(url, new { text = "@ana.souza can you check the invoice? cc @zoe and @nobody" });
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        var body = await note.Content.ReadFromJsonAsync<NoteResponse>(Json.Options);
        Assert.Equal([ana.Id], body!.Mentioned.Select(m => m.UserId));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(url, new { text = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(url, new { text = new string('x', IngestService.MaxTextLength + 1) })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{Guid.NewGuid()}/notes", new { text = "hi" })).StatusCode);

        await using (var db = factory.OpenDb())
        {
            var notified = await db.Notifications.ToListAsync();
            var only = Assert.Single(notified);
            Assert.Equal((ana.Id, ConversationNotes.MentionKind, conversation), (only.UserId, only.Kind, only.ConversationId));
            Assert.DoesNotContain(notified, n => n.UserId == outsider.Id);
            Assert.Equal(MessageDirection.Note, (await db.Messages.SingleAsync(m => m.Id == body.MessageId)).Direction);
        }

        var anaClient = await factory.SignedInClientAsync(ana.Email!);
        var list = await anaClient.GetFromJsonAsync<NotificationList>($"/api/v1/workspaces/{workspace.Id}/notifications", Json.Options);
        Assert.Equal(1, list!.Unread);
        Assert.Contains("can you check the invoice?", list.Items[0].Text, StringComparison.Ordinal);
        // Nobody reads or marks another member's notifications.
        Assert.Empty((await client.GetFromJsonAsync<NotificationList>($"/api/v1/workspaces/{workspace.Id}/notifications", Json.Options))!.Items);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/v1/workspaces/{workspace.Id}/notifications/{list.Items[0].Id}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await anaClient.PostAsync($"/api/v1/workspaces/{workspace.Id}/notifications/{list.Items[0].Id}/read", null)).StatusCode);
        Assert.Equal(0, (await anaClient.GetFromJsonAsync<NotificationList>($"/api/v1/workspaces/{workspace.Id}/notifications", Json.Options))!.Unread);
    }

    [Fact]
    public void Mentions_MatchDisplayNamesAndEmailLocalParts_NotPrefixesOfLongerNames()
    {
        MentionableMember[] members =
        [
            new(Guid.NewGuid(), "Ana Souza", "ana.souza@example.test"),
            new(Guid.NewGuid(), "Anatole", "anatole@example.test"),
            new(Guid.NewGuid(), "Léa", "lea@example.test"),
        ];

        Assert.Equal(["Ana Souza"], ConversationNotes.FindMentions("Hi @Ana Souza, please check.", members).Select(m => m.DisplayName));
        Assert.Equal(["Ana Souza"], ConversationNotes.FindMentions("ping @ana.souza.", members).Select(m => m.DisplayName));
        Assert.Equal(["Léa"], ConversationNotes.FindMentions("@léa? and mail lea@example.test", members).Select(m => m.DisplayName));
        Assert.Empty(ConversationNotes.FindMentions("@anatoles and sam@anatole", members));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ScheduledReply_IsNotSentBeforeItsTime_CountsAsAResponseWhenItLeaves_AndCanBeCancelledWhileQueued(string provider)
    {
        await using var receiver = await OutboxTests.CallbackReceiver.StartAsync();
        await using var factory = new RapportFactory(provider, s => s["Rapport:Outbox:PollInterval"] = "00:00:00");
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await WebhookTests.CreateWebhookChannelAsync(factory, workspace.Id, receiver.Url);
        var conversation = await InboundAsync(factory, workspace.Id, channel.Id, "m-1", "fb:7", "Where is my parcel?");
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var url = $"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}";
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var worker = new OutboxWorker(factory.Services.GetRequiredService<RapportDbContextFactory>(), factory.Services, new OutboxSignal(),
            Options.Create(new OutboxOptions()), clock, NullLogger<OutboxWorker>.Instance);
        var sendAt = DateTime.UtcNow.AddHours(2);

        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PostAsJsonAsync($"{url}/replies", new { text = "Too late", sendAt = DateTime.UtcNow.AddMinutes(-1) })).StatusCode);
        var scheduled = await agent.PostAsJsonAsync($"{url}/replies", new { text = "Your parcel leaves tomorrow.", sendAt });
        Assert.Equal(HttpStatusCode.Accepted, scheduled.StatusCode);
        var reply = await scheduled.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options);
        Assert.Equal(DeliveryStatus.Scheduled, reply!.DeliveryStatus);
        var taken = await (await agent.PostAsJsonAsync($"{url}/replies", new { text = "Never mind this one.", sendAt })).Content.ReadFromJsonAsync<ReplyResponse>(Json.Options);

        clock.SetUtcNow(DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(0, await worker.RunOnceAsync());
        Assert.Empty(receiver.Requests);
        await using (var db = factory.OpenDb())
        {
            // Not a response yet: the customer is still waiting.
            Assert.Null((await db.Conversations.SingleAsync()).FirstResponseAt);
        }
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"{url}/messages/{taken!.MessageId}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostAsync($"{url}/messages/{taken.MessageId}/cancel", null)).StatusCode);

        clock.SetUtcNow(new DateTimeOffset(sendAt).AddSeconds(1));
        Assert.Equal(1, await worker.RunOnceAsync());
        var sent = Assert.Single(receiver.Requests);
        Assert.Contains("Your parcel leaves tomorrow.", sent.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostAsync($"{url}/messages/{reply.MessageId}/cancel", null)).StatusCode);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(DeliveryStatus.Sent, (await db.Messages.SingleAsync(m => m.Id == reply.MessageId)).DeliveryStatus);
            Assert.Equal(DeliveryStatus.Cancelled, (await db.Messages.SingleAsync(m => m.Id == taken.MessageId)).DeliveryStatus);
            Assert.NotNull((await db.Conversations.SingleAsync()).FirstResponseAt);
            Assert.Equal(1, await db.ReportingEvents.CountAsync(e => e.Name == ReportingEventNames.FirstResponse));
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_WithSignature_AppendsTheMembersSignature(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var conversation = await InboundAsync(factory, workspace.Id, channel.Id, "m-1", "sam@example.test", "Hello?");
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var signatureUrl = $"/api/v1/workspaces/{workspace.Id}/signature";
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PutAsJsonAsync(signatureUrl, new { signature = new string('x', Signatures.MaxLength + 1) })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.PutAsJsonAsync(signatureUrl, new { signature = "  Camille, Vélo Vert  " })).StatusCode);
        Assert.Equal("Camille, Vélo Vert", (await agent.GetFromJsonAsync<SignatureDto>(signatureUrl, Json.Options))!.Signature);
        Assert.Equal(HttpStatusCode.OK, (await agent.PutAsJsonAsync(signatureUrl, new { signature = "Camille,\u0000 Vélo Vert" })).StatusCode);
        Assert.Equal("Camille, Vélo Vert", (await agent.GetFromJsonAsync<SignatureDto>(signatureUrl, Json.Options))!.Signature);
        var blank = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}/replies", new { text = " \n ", signature = true });
        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        Assert.Contains("text", await blank.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var response = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}/replies", new { text = "Hi Sam!", signature = true });
        var reply = await response.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options);

        await using var check = factory.OpenDb();
        Assert.Equal("Hi Sam!\n\n-- \nCamille, Vélo Vert", (await check.Messages.SingleAsync(m => m.Id == reply!.MessageId)).Text);
    }

    [Fact]
    public void Presence_ShowsViewersOncePerPerson_TypingExpires_AndLeavingOrVanishingRemovesThem()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var presence = new ConversationPresence(clock);
        var conversation = Guid.NewGuid();
        var (ana, leo) = (Guid.NewGuid(), Guid.NewGuid());
        var heard = 0;

        using var anaTab1 = presence.Join(conversation, Guid.NewGuid(), ana, "Ana", () => heard++);
        var anaTab2View = Guid.NewGuid();
        var anaTab2 = presence.Join(conversation, anaTab2View, ana, "Ana", () => { });
        var leoView = Guid.NewGuid();
        var leoPage = presence.Join(conversation, leoView, leo, "Léo", () => { });
        Assert.Equal(["Ana", "Léo"], presence.Present(conversation).Select(p => p.DisplayName));
        Assert.Empty(presence.Present(Guid.NewGuid()));

        var before = heard;
        presence.Typing(conversation, leoView);
        presence.Typing(conversation, leoView);
        Assert.Equal(before + 1, heard);
        Assert.True(presence.Present(conversation).Single(p => p.UserId == leo).IsTyping);
        clock.Advance(ConversationPresence.TypingTimeout + TimeSpan.FromSeconds(1));
        Assert.False(presence.Present(conversation).Single(p => p.UserId == leo).IsTyping);

        anaTab2.Dispose();
        Assert.Contains(presence.Present(conversation), p => p.UserId == ana);
        leoPage.Dispose();
        Assert.DoesNotContain(presence.Present(conversation), p => p.UserId == leo);

        // A page that vanished without leaving expires unless it keeps beating.
        var ghost = Guid.NewGuid();
        presence.Join(conversation, ghost, leo, "Léo", () => { });
        clock.Advance(ConversationPresence.ViewerTimeout / 2);
        presence.Heartbeat(conversation, ghost);
        clock.Advance(ConversationPresence.ViewerTimeout / 2 + TimeSpan.FromSeconds(1));
        Assert.Contains(presence.Present(conversation), p => p.UserId == leo);
        Assert.DoesNotContain(presence.Present(conversation), p => p.UserId == ana);
        clock.Advance(ConversationPresence.ViewerTimeout + TimeSpan.FromSeconds(1));
        Assert.Empty(presence.Present(conversation));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AThreadOf10000Messages_IsReadInPages_NeverAllAtOnce(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var conversation = await InboundAsync(factory, workspace.Id, channel.Id, "m-0", "sam@example.test", "First of many.");
        await SeedThreadAsync(factory, workspace.Id, channel.Id, conversation, 9_999);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Analyst);

        var first = await client.GetFromJsonAsync<Api.Page<MessageDto>>($"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}/messages?limit=500", Json.Options);
        Assert.True(first!.Items.Count <= Api.Cursor.MaxLimit, "One page is bounded whatever limit is asked for.");
        Assert.NotNull(first.NextCursor);
        var second = await client.GetFromJsonAsync<Api.Page<MessageDto>>(
            $"/api/v1/workspaces/{workspace.Id}/conversations/{conversation}/messages?limit=500&cursor={Uri.EscapeDataString(first.NextCursor!)}", Json.Options);
        Assert.Empty(first.Items.Select(m => m.Id).Intersect(second!.Items.Select(m => m.Id)));
        Assert.True(second.Items[0].CreatedAt >= first.Items[^1].CreatedAt);
    }

    /// <summary>Many customer messages in one conversation, a second apart, inserted in one go.</summary>
    internal static async Task SeedThreadAsync(RapportFactory factory, Guid workspaceId, Guid channelId, Guid conversationId, int count)
    {
        await using var db = factory.OpenDb();
        var start = DateTime.UtcNow.AddDays(-1);
        db.Messages.AddRange(Enumerable.Range(1, count).Select(i => new Message
        {
            WorkspaceId = workspaceId,
            ConversationId = conversationId,
            ChannelId = channelId,
            Direction = i % 2 == 0 ? MessageDirection.Outbound : MessageDirection.Inbound,
            DeliveryStatus = i % 2 == 0 ? DeliveryStatus.Sent : DeliveryStatus.None,
            ExternalId = $"bulk-{i}",
            AuthorName = i % 2 == 0 ? "Camille" : "Sam",
            Text = $"Message {i}",
            CreatedAt = start.AddSeconds(i),
            ReceivedAt = start.AddSeconds(i),
        }));
        await db.SaveChangesAsync();
    }

    internal static async Task<Guid> InboundAsync(RapportFactory factory, Guid workspaceId, Guid channelId, string externalId, string handle, string text, string? thread = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await using var db = factory.OpenDb();
        var result = await scope.ServiceProvider.GetRequiredService<IngestService>().IngestAsync(db, workspaceId, new InboundItem
        {
            ChannelId = channelId,
            ExternalId = externalId,
            AuthorHandle = handle,
            Text = text,
            ThreadId = thread,
        });
        return result.ConversationId;
    }
}
