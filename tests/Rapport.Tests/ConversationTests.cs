using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class ConversationTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TwoAgentsUpdatingAtOnce_TheSecondGetsAConflictNotASilentOverwrite(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (conversation, client) = await ConversationAsync(factory, workspace.Id);
        var agentA = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var agentB = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var url = $"/api/v1/workspaces/{workspace.Id}/conversations/{conversation.Id}";

        var first = await client.PatchAsJsonAsync(url, new { version = conversation.Version, assigneeId = agentA.Id });
        var second = await client.PatchAsJsonAsync(url, new { version = conversation.Version, assigneeId = agentB.Id });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("Someone else changed", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var now = await client.GetFromJsonAsync<ConversationDto>(url, Json.Options);
        Assert.Equal(agentA.Id, now!.AssigneeId);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ResolveAndLabel_AppendReportingEvents(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (conversation, client) = await ConversationAsync(factory, workspace.Id);
        var owner = await factory.TokenClientAsync(workspace.Id, Role.Owner);
        var label = await (await owner.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/labels", new { name = "Livraison", color = "#2563eb" }))
            .Content.ReadFromJsonAsync<LabelDto>(Json.Options);
        var url = $"/api/v1/workspaces/{workspace.Id}/conversations/{conversation.Id}";

        var resolved = await client.PatchAsJsonAsync(url, new { status = "Resolved", labelIds = new[] { label!.Id } });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var dto = await resolved.Content.ReadFromJsonAsync<ConversationDto>(Json.Options);
        Assert.Equal(ConversationStatus.Resolved, dto!.Status);
        Assert.Equal([label.Id], dto.LabelIds);

        var filtered = await client.GetFromJsonAsync<Api.Page<ConversationDto>>($"/api/v1/workspaces/{workspace.Id}/conversations?status=Resolved&labelId={label.Id}", Json.Options);
        Assert.Single(filtered!.Items);
        var reopened = await client.PatchAsJsonAsync(url, new { status = "Open" });
        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);

        await using var db = factory.OpenDb();
        var names = await db.ReportingEvents.Where(e => e.ConversationId == conversation.Id).Select(e => e.Name).ToListAsync();
        Assert.Contains(ReportingEventNames.ConversationCreated, names);
        Assert.Contains(ReportingEventNames.ConversationResolved, names);
        Assert.Contains(ReportingEventNames.ConversationReopened, names);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ChannelSecrets_AreEncryptedAtRestAndNeverReturned(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.TokenClientAsync(workspace.Id, Role.Admin);

        var created = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels",
            new { name = "Support mail", kind = "Email", direction = "Inbox", settings = new { imapHost = "imap.example.test", username = "support" }, secrets = new { password = "hunter2-very-secret" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.Contains("\"password\"", body, StringComparison.Ordinal);
        Assert.Contains("imap.example.test", body, StringComparison.Ordinal);

        await using var db = factory.OpenDb();
        var stored = await db.Channels.SingleAsync();
        Assert.DoesNotContain("hunter2", stored.ProtectedSecrets, StringComparison.Ordinal);
        Assert.Contains(await db.AuditEntries.Select(a => a.Action).ToListAsync(), a => a == "channel.created");
    }

    private static async Task<(ConversationDto Conversation, HttpClient Client)> ConversationAsync(RapportFactory factory, Guid workspaceId)
    {
        var channel = await factory.CreateChannelAsync(workspaceId);
        var client = await factory.TokenClientAsync(workspaceId, Role.Agent);
        var created = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/channels/{channel.Id}/messages",
            new { externalId = "c-1", authorHandle = "ana@example.test", text = "My invoice is wrong, I was charged twice." });
        var id = (await created.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;
        var conversation = await client.GetFromJsonAsync<ConversationDto>($"/api/v1/workspaces/{workspaceId}/conversations/{id}", Json.Options);
        return (conversation!, client);
    }
}
