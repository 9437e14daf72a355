using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Conversations;
using Rapport.Conversations.Inbox;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Inbox;

public class InboxTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AnUrgentComplaint_ComesBeforeChatter_AndTheNearerSlaFirst(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var inbox = await InboxAsync(factory);
        var chatter = await inbox.ReceiveAsync("chat-1", "haha nice picture, have a lovely weekend everyone");
        var complaint = await inbox.ReceiveAsync("complaint-1",
            "Your app has been down since yesterday, I still cannot log in and I have been waiting for 3 days. This is unacceptable, I want a refund.",
            author: "angry@example.test");

        var page = await inbox.ListAsync("");
        Assert.Equal([complaint, chatter], page.Items.Select(i => i.Id));
        Assert.True(page.Items[0].Urgency > 0, "the complaint's urgency signals are kept on the conversation");
        Assert.Equal("Complaint", page.Items[0].Intent);

        // Two conversations alike but for their SLA: the one due sooner comes first, whichever arrived first.
        var later = await inbox.ReceiveAsync("same-1", "Where is my parcel? It has not arrived.", author: "b@example.test");
        var sooner = await inbox.ReceiveAsync("same-2", "Where is my parcel? It has not arrived.", author: "c@example.test");
        await using (var db = factory.OpenDb())
        {
            foreach (var c in await db.Conversations.Where(c => c.Id == later || c.Id == sooner).ToListAsync())
            {
                c.NeedsAnswer = 0.9;
                c.Urgency = 0;
                c.Sentiment = 0;
                c.FirstResponseDueAt = DateTime.UtcNow.AddMinutes(c.Id == sooner ? 10 : 50);
            }
            await db.SaveChangesAsync();
        }
        var ids = (await inbox.ListAsync("")).Items.Select(i => i.Id).ToList();
        Assert.True(ids.IndexOf(sooner) < ids.IndexOf(later));
        var sla = (await inbox.ListAsync("")).Items.Single(i => i.Id == sooner).ResponseDueAt;
        Assert.NotNull(sla);

        // Keyset pages: one at a time, the same order, nothing repeated or lost.
        var paged = new List<Guid>();
        string? cursor = null;
        do
        {
            var one = await inbox.ListAsync("limit=1" + (cursor is null ? "" : $"&cursor={cursor}"));
            paged.AddRange(one.Items.Select(i => i.Id));
            cursor = one.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(ids, paged);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task EachView_AndEachFilter_ListsWhatItSays_WithCounts(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var inbox = await InboxAsync(factory);
        var colleague = await factory.AddMemberAsync(inbox.WorkspaceId, Role.Agent);
        var other = await factory.CreateChannelAsync(inbox.WorkspaceId, name: "Other API");
        var mine = await inbox.ReceiveAsync("m-1", "Bonjour, ma commande n'est toujours pas arrivée, pouvez-vous m'aider ?");
        var theirs = await inbox.ReceiveAsync("t-1", "Hello, how do I change my password?", author: "b@example.test");
        var team = await inbox.ReceiveAsync("team-1", "Thanks a lot, great service!", author: "c@example.test");
        var elsewhere = await inbox.ReceiveAsync("o-1", "Is the shop open on Sunday?", author: "d@example.test", channel: other.Id);
        var resolved = await inbox.ReceiveAsync("r-1", "My invoice is wrong.", author: "e@example.test");
        Guid labelId, customId;
        await using (var db = factory.OpenDb())
        {
            var label = new Label { WorkspaceId = inbox.WorkspaceId, Name = "VIP" };
            var support = new Team { WorkspaceId = inbox.WorkspaceId, Name = "Support", Members = [new TeamMember { UserId = inbox.AgentId }] };
            var custom = new CustomStatus { WorkspaceId = inbox.WorkspaceId, Name = "Waiting on carrier", BehavesAs = ConversationStatus.Pending };
            db.AddRange(label, support, custom);
            await db.SaveChangesAsync();
            (labelId, customId) = (label.Id, custom.Id);
            var all = await db.Conversations.ToDictionaryAsync(c => c.Id);
            all[mine].AssigneeId = inbox.AgentId;
            all[mine].Labels.Add(new ConversationLabel { ConversationId = mine, LabelId = label.Id });
            all[mine].LastMessageAt = new DateTime(2026, 1, 10, 9, 0, 0, DateTimeKind.Utc);
            all[theirs].AssigneeId = colleague.Id;
            all[theirs].CustomStatusId = custom.Id;
            all[theirs].Status = ConversationStatus.Pending;
            all[team].TeamId = support.Id;
            all[team].NeedsAnswer = 0.1;
            all[resolved].Status = ConversationStatus.Resolved;
            await db.SaveChangesAsync();
        }

        async Task<List<Guid>> Ids(string query) => [.. (await inbox.ListAsync(query)).Items.Select(i => i.Id)];

        Assert.Equal([mine], await Ids("view=Mine"));
        Assert.Equal(new[] { team, elsewhere }.Order(), (await Ids("view=Unassigned")).Order());
        Assert.Equal([team], await Ids("view=MyTeams"));
        Assert.DoesNotContain(team, await Ids("view=NeedsAnswer"));
        Assert.Contains(mine, await Ids("view=NeedsAnswer"));
        Assert.Equal(4, (await Ids("view=All")).Count);
        Assert.DoesNotContain(resolved, await Ids(""));
        Assert.Equal([resolved], await Ids("status=Resolved"));
        Assert.Equal([theirs], await Ids($"customStatusId={customId}"));
        Assert.Equal([theirs], await Ids("status=Pending"));
        Assert.Equal([elsewhere], await Ids($"channelId={other.Id}"));
        Assert.Equal([mine], await Ids($"labelId={labelId}"));
        Assert.Equal([mine], await Ids("language=fr"));
        Assert.Equal([team], await Ids("sentiment=Positive"));
        Assert.Contains(theirs, await Ids("intent=Question"));
        Assert.DoesNotContain(team, await Ids("intent=Question"));
        Assert.Equal([theirs], await Ids($"assigneeId={colleague.Id}"));
        Assert.Equal([mine], await Ids("from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z"));
        Assert.DoesNotContain(mine, await Ids("from=2026-02-01T00:00:00Z"));

        var counts = await inbox.Client.GetFromJsonAsync<InboxCounts>($"{inbox.Url}/counts", Json.Options);
        Assert.Equal(new InboxCounts(All: 4, Mine: 1, Unassigned: 2, MyTeams: 1, NeedsAnswer: 3, Noise: 0), counts);
        var french = await inbox.Client.GetFromJsonAsync<InboxCounts>($"{inbox.Url}/counts?language=fr", Json.Options);
        Assert.Equal(1, french!.All);
        Assert.Equal(0, french.Unassigned);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Search_IgnoresAccentsAndCase_StemsFrenchAndEnglish_AndStaysInItsWorkspace(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var inbox = await InboxAsync(factory);
        var parcel = await inbox.ReceiveAsync("fr-1", "Mon Colis est arrivé abîmé, c'est un vrai problème !");
        var refunds = await inbox.ReceiveAsync("fr-2", "Je voudrais être remboursée pour les livraisons en retard.", author: "b@example.test");
        var shipping = await inbox.ReceiveAsync("en-1", "The package was shipped to the wrong address, two problems already.", author: "c@example.test");
        await inbox.ReceiveAsync("en-2", "Do you sell gift cards?", author: "d@example.test");
        var stranger = await InboxAsync(factory, "Other");
        var leak = await stranger.ReceiveAsync("x-1", "Mon colis a un problème aussi.");

        async Task<List<Guid>> Found(string q) => [.. (await inbox.ListAsync($"q={Uri.EscapeDataString(q)}")).Items.Select(i => i.Id).Order()];

        Assert.Equal([parcel], await Found("colis"));
        Assert.Equal([parcel], await Found("COLIS abime"));
        Assert.Equal(new[] { parcel, shipping }.Order(), await Found("probleme"));
        Assert.Equal(new[] { parcel, shipping }.Order(), await Found("problèmes"));
        Assert.Equal([refunds], await Found("livraison"));
        Assert.Equal([refunds], await Found("retards"));
        Assert.Equal([shipping], await Found("shipping"));
        Assert.Equal([shipping], await Found("problem address"));
        Assert.Empty(await Found("colis gift"));
        Assert.DoesNotContain(leak, await Found("colis"));
        Assert.Equal([leak], [.. (await stranger.ListAsync("q=colis")).Items.Select(i => i.Id)]);
        var counts = await inbox.Client.GetFromJsonAsync<InboxCounts>($"{inbox.Url}/counts?q=probleme", Json.Options);
        Assert.Equal(2, counts!.All);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task HostileOrOversizedInput_GetsResultsOrAClearError_NeverAServerError(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var inbox = await InboxAsync(factory);
        await inbox.ReceiveAsync("h-1", "Mon colis \"NEAR\" est perdu * l'adresse");
        foreach (var hostile in new[] { "\"", "*", "NEAR(", "'", "colis\" OR \"", "NEAR(colis, 2)", "a AND", "-", "^colis", "col:is", "(((", "'; DROP TABLE \"Messages\"; --", "\0", "🙂" })
        {
            var response = await inbox.Client.GetAsync($"{inbox.Url}?q={Uri.EscapeDataString(hostile)}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{hostile}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var counts = await inbox.Client.GetAsync($"{inbox.Url}/counts?q={Uri.EscapeDataString(hostile)}");
            Assert.Equal(HttpStatusCode.OK, counts.StatusCode);
        }
        Assert.Single((await inbox.ListAsync($"q={Uri.EscapeDataString("NEAR(colis")}")).Items);

        var tooLong = await inbox.Client.GetAsync($"{inbox.Url}?q={new string('a', FullTextSearch.MaxQueryLength + 1)}");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("\"q\"", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await inbox.Client.GetAsync($"{inbox.Url}?cursor=not-a-cursor")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await inbox.Client.GetAsync($"{inbox.Url}?from=2026-02-01&to=2026-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await inbox.Client.GetAsync($"{inbox.Url}?view=Everything")).StatusCode);
        var strangerWorkspace = await factory.CreateOwnerAsync(workspaceName: "Elsewhere");
        Assert.True((await inbox.Client.GetAsync($"/api/v1/workspaces/{strangerWorkspace.Workspace.Id}/inbox")).StatusCode
            is HttpStatusCode.Forbidden or HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Noise_IsHiddenFromEveryOtherView_ButCanBeFoundAndBroughtBack(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var inbox = await InboxAsync(factory);
        var real = await inbox.ReceiveAsync("n-1", "Where is my order?");
        var bait = await inbox.ReceiveAsync("n-2", "Where is my order? lol", author: "bait@example.test");
        var patch = await inbox.Client.PatchAsJsonAsync($"/api/v1/workspaces/{inbox.WorkspaceId}/conversations/{bait}", new { isNoise = true });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        foreach (var view in new[] { "All", "Unassigned", "NeedsAnswer", "Mine", "MyTeams" })
        {
            Assert.DoesNotContain(bait, (await inbox.ListAsync($"view={view}")).Items.Select(i => i.Id));
        }
        Assert.DoesNotContain(bait, (await inbox.ListAsync("q=order")).Items.Select(i => i.Id));
        var noise = await inbox.ListAsync("view=Noise");
        Assert.Equal([bait], noise.Items.Select(i => i.Id));
        Assert.True(noise.Items[0].IsNoise);
        Assert.Equal([bait], (await inbox.ListAsync("view=Noise&q=order")).Items.Select(i => i.Id));
        Assert.Equal(1, (await inbox.Client.GetFromJsonAsync<InboxCounts>($"{inbox.Url}/counts", Json.Options))!.Noise);

        await inbox.Client.PatchAsJsonAsync($"/api/v1/workspaces/{inbox.WorkspaceId}/conversations/{bait}", new { isNoise = false });
        Assert.Equal(new[] { real, bait }.Order(), (await inbox.ListAsync("")).Items.Select(i => i.Id).Order());
    }

    private static async Task<InboxClient> InboxAsync(RapportFactory factory, string name = "Acme")
    {
        var (_, workspace) = await factory.CreateOwnerAsync(workspaceName: name);
        var agent = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent, agent.Id);
        return new InboxClient(client, workspace.Id, agent.Id, channel.Id);
    }

    private sealed record InboxClient(HttpClient Client, Guid WorkspaceId, Guid AgentId, Guid ChannelId)
    {
        public string Url => $"/api/v1/workspaces/{WorkspaceId}/inbox";

        public async Task<Guid> ReceiveAsync(string externalId, string text, string author = "ana@example.test", Guid? channel = null)
        {
            var response = await Client.PostAsJsonAsync($"/api/v1/workspaces/{WorkspaceId}/channels/{channel ?? ChannelId}/messages",
                new { externalId, authorHandle = author, text });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;
        }

        public async Task<Page<InboxItemDto>> ListAsync(string query)
        {
            var response = await Client.GetAsync($"{Url}?{query}");
            Assert.True(response.IsSuccessStatusCode, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return (await response.Content.ReadFromJsonAsync<Page<InboxItemDto>>(Json.Options))!;
        }
    }
}
