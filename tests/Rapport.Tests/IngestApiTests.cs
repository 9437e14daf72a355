using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Conversations;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class IngestApiTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task InboundMessage_IsIdempotentOnExternalId(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var url = $"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages";
        var message = new { externalId = "msg-1", authorHandle = "@julie", authorName = "Julie", text = "Mon colis n'est toujours pas arrivé depuis 5 jours, vous pouvez m'aider ?" };

        var first = await client.PostAsJsonAsync(url, message);
        var second = await client.PostAsJsonAsync(url, message);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var a = await first.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options);
        var b = await second.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options);
        Assert.Equal(a!.MessageId, b!.MessageId);
        Assert.False(b.Created);

        await using var db = factory.OpenDb();
        Assert.Equal(1, await db.Messages.CountAsync());
        var stored = await db.Messages.Include(m => m.Analysis).SingleAsync();
        Assert.Contains("msg-1", stored.RawPayload, StringComparison.Ordinal);
        Assert.NotNull(stored.Analysis);
        Assert.Equal("fr", stored.Analysis!.Language);
        Assert.Equal(1, await db.ReportingEvents.CountAsync(e => e.Name == Reports.ReportingEventNames.MessageReceived));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task InboundMessage_WithPreferRespondAsync_IsAnsweredOnceAccepted_AndTheWorkerProcessesItAtOnce(string provider)
    {
        // The worker's own rounds are ten minutes apart: only the signal of the accept can have it processed within the test.
        await using var factory = new RapportFactory(provider, s => s["Rapport:Ingest:PollInterval"] = "00:10:00");
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var url = $"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages";
        var message = new { externalId = "async/1 é", authorHandle = "@julie", authorName = "Julie", text = "Ma commande 4512 n'est pas arrivée, pouvez-vous vérifier ?" };

        async Task<HttpResponseMessage> PostAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(message) };
            request.Headers.Add("Prefer", "respond-async, wait=0");
            return await client.SendAsync(request);
        }
        var first = await PostAsync();
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("respond-async", first.Headers.GetValues("Preference-Applied").Single());
        Assert.True((await first.Content.ReadFromJsonAsync<AcceptedMessageResponse>(Json.Options))!.Created);
        var status = first.Headers.Location!.ToString();
        Assert.Equal($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/received?externalId=async%2F1%20%C3%A9", status);

        ReceivedMessageDto received;
        for (var attempt = 0; ; attempt++)
        {
            received = (await client.GetFromJsonAsync<ReceivedMessageDto>(status, Json.Options))!;
            if (received.State != Ingest.ReceivedItemState.Accepted)
            {
                break;
            }
            Assert.True(attempt < 300, "The accepted message was not processed within a minute.");
            await Task.Delay(200);
        }
        Assert.Equal(Ingest.ReceivedItemState.Processed, received.State);
        Assert.Equal("async/1 é", received.ExternalId);
        Assert.NotNull(received.ConversationId);

        // Delivered again: accepted once, stored once.
        var again = await PostAsync();
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.False((await again.Content.ReadFromJsonAsync<AcceptedMessageResponse>(Json.Options))!.Created);
        await using (var db = factory.OpenDb())
        {
            var stored = await db.Messages.SingleAsync();
            Assert.Equal(received.MessageId, stored.Id);
            Assert.Equal(received.ConversationId, stored.ConversationId);
            Assert.Equal(1, await db.ReportingEvents.CountAsync(e => e.Name == Reports.ReportingEventNames.MessageReceived));
        }

        // A message never received, and a question without its id, get a clear answer.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/received?externalId=never")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/received")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Replies_AreThreadedAndHostileHtmlIsKeptAsText(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var url = $"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages";

        await client.PostAsJsonAsync(url, new { externalId = "t-1", authorHandle = "sam", text = "My order never arrived" });
        var hostile = "<script>alert('x')</script> still\u0000 waiting \u202Eevil";
        var reply = await client.PostAsJsonAsync(url, new { externalId = "t-2", authorHandle = "sam", text = hostile, inReplyToExternalId = "t-1" });
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);

        var page = await client.GetFromJsonAsync<Page<ConversationDto>>($"/api/v1/workspaces/{workspace.Id}/conversations", Json.Options);
        var conversation = Assert.Single(page!.Items);
        var messages = await client.GetFromJsonAsync<Page<MessageDto>>($"/api/v1/workspaces/{workspace.Id}/conversations/{conversation.Id}/messages", Json.Options);
        Assert.Equal(["t-1", "t-2"], messages!.Items.Select(m => m.ExternalId));
        Assert.Equal("<script>alert('x')</script> still waiting \u202Eevil", messages.Items[1].Text);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task PushToNonApiOrPausedChannel_IsRefused(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var email = await factory.CreateChannelAsync(workspace.Id, Channels.ChannelKind.Email, "Mail");
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);

        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{email.Id}/messages", new { externalId = "1", authorHandle = "a", text = "hi" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);

        var api = await factory.CreateChannelAsync(workspace.Id);
        await client.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{api.Id}", new { paused = true });
        var paused = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{api.Id}/messages", new { externalId = "1", authorHandle = "a", text = "hi" });
        Assert.Equal(HttpStatusCode.Conflict, paused.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ConversationList_PagesWithCursorsWithoutGapsOrRepeats(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var sameTime = new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 7; i++)
        {
            // Several at the very same instant: the cursor's id tie-break must keep them apart.
            await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
                new { externalId = $"p-{i}", authorHandle = $"person-{i}", text = $"question {i}?", createdAt = i < 4 ? sameTime : sameTime.AddMinutes(i) });
        }

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<Page<ConversationDto>>(
                $"/api/v1/workspaces/{workspace.Id}/conversations?limit=3" + (cursor is null ? "" : $"&cursor={cursor}"), Json.Options);
            seen.AddRange(page!.Items.Select(c => c.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Distinct().Count());
    }
}
