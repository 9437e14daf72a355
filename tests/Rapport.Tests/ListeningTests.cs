using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Api;
using Rapport.Channels;
using Rapport.Conversations;
using Rapport.Listening;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class ListeningTests
{
    private static async Task<Channel> ListeningChannelAsync(RapportFactory factory, Guid workspaceId, string name = "Partner search")
    {
        var channel = await factory.CreateChannelAsync(workspaceId, ChannelKind.Api, name);
        await using var db = factory.OpenDb();
        (await db.Channels.SingleAsync(c => c.Id == channel.Id)).Direction = ChannelDirection.Listening;
        await db.SaveChangesAsync();
        return channel;
    }

    private static Task<HttpResponseMessage> HearAsync(HttpClient client, Guid workspaceId, Guid channelId, string id, string text, string author = "@someone") =>
        client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/channels/{channelId}/messages",
            new { externalId = id, authorHandle = author, text, isPublic = true, createdAt = DateTime.UtcNow.AddHours(-1) });

    private static async Task<List<ListeningMentionDto>> MentionsAsync(HttpClient client, Guid workspaceId, string query)
    {
        var page = await client.GetFromJsonAsync<Page<ListeningMentionDto>>($"/api/v1/workspaces/{workspaceId}/mentions?{query}", Json.Options);
        return [.. page!.Items];
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ListeningItems_BecomeMentionsOfTheirTopics_AndNeverEnterTheInbox(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await ListeningChannelAsync(factory, workspace.Id);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var topics = $"/api/v1/workspaces/{workspace.Id}/topics";

        var brand = await admin.PostAsJsonAsync(topics, new { name = "Vélo Vert", kind = "Brand", query = "\"vélo vert\" OR @velovert OR \"green wheels\"" });
        Assert.Equal(HttpStatusCode.Created, brand.StatusCode);
        var brandTopic = (await brand.Content.ReadFromJsonAsync<TopicDto>(Json.Options))!;
        var battery = (await (await admin.PostAsJsonAsync(topics,
            new { name = "Batteries", kind = "Theme", query = "(batterie OR battery) NEAR/4 (panne OR died OR morte)", languages = new[] { "en" } }))
            .Content.ReadFromJsonAsync<TopicDto>(Json.Options))!;

        var heard = await HearAsync(admin, workspace.Id, channel.Id, "p-1", "La batterie de mon Vélo Vert est en panne depuis hier, c'est nul");
        await HearAsync(admin, workspace.Id, channel.Id, "p-2", "My Green Wheels battery died after two weeks #fail");
        await HearAsync(admin, workspace.Id, channel.Id, "p-3", "Lovely sunny day for a ride in the park");
        await HearAsync(admin, workspace.Id, channel.Id, "p-4", "<script>alert('x')</script> merci @VeloVert !");
        var again = await HearAsync(admin, workspace.Id, channel.Id, "p-1", "La batterie de mon Vélo Vert est en panne depuis hier, c'est nul");

        Assert.Equal(HttpStatusCode.Created, heard.StatusCode);
        var accepted = (await heard.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!;
        Assert.Equal(Guid.Empty, accepted.ConversationId);
        Assert.Equal($"/api/v1/workspaces/{workspace.Id}/mentions/{accepted.MessageId}", heard.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // Nothing reached the inbox.
        var inbox = await admin.GetFromJsonAsync<Page<ConversationDto>>($"/api/v1/workspaces/{workspace.Id}/conversations", Json.Options);
        Assert.Empty(inbox!.Items);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(0, await db.Messages.CountAsync());
            Assert.Equal(4, await db.Set<Mention>().CountAsync());
        }

        var ofBrand = await MentionsAsync(admin, workspace.Id, $"topicId={brandTopic.Id}");
        Assert.Equal(["p-4", "p-2", "p-1"], await ExternalIdsAsync(factory, ofBrand));
        var hostile = ofBrand.Single(m => m.Text.Contains("script", StringComparison.Ordinal));
        Assert.Equal("<script>alert('x')</script> merci @VeloVert !", hostile.Text);
        Assert.Equal([brandTopic.Id], hostile.TopicIds);
        // The battery topic listens to English only: the French complaint is not its.
        var ofBattery = Assert.Single(await MentionsAsync(admin, workspace.Id, $"topicId={battery.Id}"));
        Assert.Equal("en", ofBattery.Language);
        Assert.Equal("Negative", ofBattery.Sentiment);
        Assert.Equal(["Partner search"], (await MentionsAsync(admin, workspace.Id, "language=fr")).Select(m => m.ChannelName).Distinct());
        Assert.Single(await MentionsAsync(admin, workspace.Id, "q=SUNNY"));
        Assert.Equal(4, (await MentionsAsync(admin, workspace.Id, $"channelId={channel.Id}")).Count);
        Assert.Empty(await MentionsAsync(admin, workspace.Id, $"from={DateTime.UtcNow.AddMinutes(1):O}"));

        await using (var db = factory.OpenDb())
        {
            Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.Action == "topic.created" && a.WorkspaceId == workspace.Id));
        }
    }

    private static async Task<List<string>> ExternalIdsAsync(RapportFactory factory, List<ListeningMentionDto> mentions)
    {
        await using var db = factory.OpenDb();
        var ids = mentions.Select(m => m.Id).ToList();
        var byId = await db.Set<Mention>().Where(m => ids.Contains(m.Id)).ToDictionaryAsync(m => m.Id, m => m.ExternalId);
        return [.. mentions.Select(m => byId[m.Id])];
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Preview_CountsAndShowsBeforeSaving_AndAChangedTopicIsMatchedAgain(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await ListeningChannelAsync(factory, workspace.Id);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var topics = $"/api/v1/workspaces/{workspace.Id}/topics";
        await HearAsync(admin, workspace.Id, channel.Id, "a", "Les vélos cargo de Vélo Vert sont trop chers");
        await HearAsync(admin, workspace.Id, channel.Id, "b", "Mon vélo cargo est génial");
        await HearAsync(admin, workspace.Id, channel.Id, "c", "Cargo bikes are the future");

        var bad = await (await admin.PostAsJsonAsync($"{topics}/preview", new { query = "(vélo OR bike" })).Content.ReadFromJsonAsync<TopicPreview>(Json.Options);
        Assert.Equal(("unbalanced", 0), (bad!.Error!.Code, bad.Error.Position));
        var preview = await (await admin.PostAsJsonAsync($"{topics}/preview", new { query = "cargo AND (vélo OR bike)" })).Content.ReadFromJsonAsync<TopicPreview>(Json.Options);
        Assert.Null(preview!.Error);
        Assert.Equal((3, 3), (preview.Matching, preview.Scanned));
        Assert.Equal(3, preview.Examples.Count);
        Assert.Equal(0, (await (await admin.PostAsJsonAsync($"{topics}/preview", new { query = "cargo", languages = new[] { "de" } })).Content.ReadFromJsonAsync<TopicPreview>(Json.Options))!.Matching);

        var refused = await admin.PostAsJsonAsync(topics, new { name = "Cargo", kind = "Product", query = "cargo AND" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("query", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Created after the mentions: matched in the background over the last 90 days.
        var created = (await (await admin.PostAsJsonAsync(topics, new { name = "Cargo", kind = "Product", query = "cargo NOT bikes" })).Content.ReadFromJsonAsync<TopicDto>(Json.Options))!;
        Assert.True(created.Rematching);
        var worker = factory.Services.GetRequiredService<TopicRematchWorker>();
        await worker.RunOnceAsync();
        var done = await admin.GetFromJsonAsync<TopicDto>($"{topics}/{created.Id}", Json.Options);
        Assert.False(done!.Rematching);
        Assert.Equal((3, 3, 2), (done.RematchDone, done.RematchTotal, done.MentionsLast30Days));
        Assert.Equal(2, (await MentionsAsync(admin, workspace.Id, $"topicId={created.Id}")).Count);

        var changed = await admin.PutAsJsonAsync($"{topics}/{created.Id}", new { query = "cargo" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await worker.RunOnceAsync();
        Assert.Equal(3, (await MentionsAsync(admin, workspace.Id, $"topicId={created.Id}")).Count);
        var listed = Assert.Single((await admin.GetFromJsonAsync<List<TopicDto>>(topics, Json.Options))!);
        Assert.Equal(("Cargo", TopicKind.Product, "cargo", 3), (listed.Name, listed.Kind, listed.Query, listed.MentionsLast30Days));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{topics}/{created.Id}")).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<List<TopicDto>>(topics, Json.Options))!);
        Assert.Equal(3, (await MentionsAsync(admin, workspace.Id, "")).Count);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Topics_AreScopedToTheirWorkspace_AndOnlyAdminsChangeThem(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var otherAdmin = await factory.TokenClientAsync(other.Id, Role.Admin);
        var topics = $"/api/v1/workspaces/{workspace.Id}/topics";
        var foreign = (await (await otherAdmin.PostAsJsonAsync($"/api/v1/workspaces/{other.Id}/topics", new { name = "Theirs", query = "secret" }))
            .Content.ReadFromJsonAsync<TopicDto>(Json.Options))!;
        var otherChannel = await ListeningChannelAsync(factory, other.Id);
        await HearAsync(otherAdmin, other.Id, otherChannel.Id, "x", "a secret plan");

        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync(topics, new { name = "Mine", query = "vélo" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync(topics, new { name = "Mine", query = "vélo" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(topics, new { name = "Mine", query = "vélo" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync(topics, new { name = "Mine", query = "bike" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync(topics)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsJsonAsync($"{topics}/preview", new { query = "vélo" })).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"{topics}/{foreign.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"{topics}/{foreign.Id}", new { query = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"{topics}/{foreign.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync($"/api/v1/workspaces/{other.Id}/topics")).StatusCode);
        Assert.Empty(await MentionsAsync(admin, workspace.Id, $"topicId={foreign.Id}"));
        Assert.Empty(await MentionsAsync(admin, workspace.Id, "q=secret"));
        Assert.Single(await MentionsAsync(otherAdmin, other.Id, $"topicId={foreign.Id}"));
    }
}
