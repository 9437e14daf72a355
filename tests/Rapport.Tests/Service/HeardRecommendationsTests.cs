using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Channels;
using Rapport.Conversations;
using Rapport.Listening;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

/// <summary>Customers and authors who recommend the brand or advise against it, read at processing and counted for the outcome report.</summary>
public class HeardRecommendationsTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Recommendations_AreReadWithTheirWords_AndCountedForTheBrandOnly_InItsWorkspace(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync("other@example.test", "Other");
        var inbox = await factory.CreateChannelAsync(workspace.Id);
        var otherInbox = await factory.CreateChannelAsync(other.Id);
        var listening = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "Partner search");
        await using (var db = factory.OpenDb())
        {
            (await db.Channels.SingleAsync(c => c.Id == listening.Id)).Direction = ChannelDirection.Listening;
            db.Set<Topic>().AddRange(
                new Topic { WorkspaceId = workspace.Id, Name = "VeloVert", Kind = TopicKind.Brand, Query = "velovert", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow },
                new Topic { WorkspaceId = workspace.Id, Name = "RoulePlus", Kind = TopicKind.Competitor, Query = "rouleplus", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var otherAdmin = await factory.TokenClientAsync(other.Id, Role.Admin);
        var at = DateTime.UtcNow.AddHours(-1);
        async Task PostAsync(HttpClient client, Guid workspaceId, Guid channelId, string id, string text) =>
            (await client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/channels/{channelId}/messages",
                new { externalId = id, authorHandle = $"{id}@example.test", text, isPublic = channelId == listening.Id, createdAt = at })).EnsureSuccessStatusCode();

        await PostAsync(admin, workspace.Id, inbox.Id, "m1", "Livraison rapide, SAV au top : je recommande vivement !");
        await PostAsync(admin, workspace.Id, inbox.Id, "m2", "Three weeks and still no refund. Avoid them.");
        await PostAsync(admin, workspace.Id, inbox.Id, "m3", "Can you recommend a bike for a ten-year-old?");
        await PostAsync(admin, workspace.Id, listening.Id, "t1", "VeloVert : allez-y les yeux fermés, vélo solide.");
        await PostAsync(admin, workspace.Id, listening.Id, "t2", "RoulePlus, je recommande !");
        await PostAsync(admin, workspace.Id, listening.Id, "t3", "VeloVert je recommande leur SAV, mais je déconseille leur livraison.");
        await PostAsync(otherAdmin, other.Id, otherInbox.Id, "o1", "I'd recommend them to anyone.");

        // The words that say it travel with the message and the mention, as written.
        Guid conversationId;
        await using (var db = factory.OpenDb())
        {
            conversationId = await db.Messages.Where(m => m.ExternalId == "m2").Select(m => m.ConversationId).SingleAsync();
        }
        var messages = await admin.GetFromJsonAsync<Page<MessageDto>>($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}/messages", Json.Options);
        Assert.Equal(("AdvisesAgainst", "Avoid them"), (messages!.Items.Single().Analysis!.Recommendation, messages.Items.Single().Analysis!.RecommendationEvidence));
        var advice = await admin.GetFromJsonAsync<Page<ListeningMentionDto>>($"/api/v1/workspaces/{workspace.Id}/mentions?recommendation=AdvisesAgainst", Json.Options);
        var mixed = Assert.Single(advice!.Items);
        Assert.Equal(("Mixed", "je recommande · je déconseille"), (mixed.Recommendation, mixed.RecommendationEvidence));
        var praise = await admin.GetFromJsonAsync<Page<ListeningMentionDto>>($"/api/v1/workspaces/{workspace.Id}/mentions?recommendation=Recommends", Json.Options);
        Assert.Equal(3, praise!.Items.Count);

        await using var read = factory.OpenDb();
        var counted = await HeardRecommendations.CountAsync(read, workspace.Id, at.AddMinutes(-1), at.AddMinutes(1));
        // Messages: one for, one against (the question is not a recommendation). Mentions: the brand's two, not the
        // competitor's praise; the mixed one counts on both sides. The other workspace's customer is not ours.
        Assert.Equal(new RecommendationCount(1, 1, 2, 1), counted);
        Assert.Equal((3, 2), (counted.Recommends, counted.AdvisesAgainst));
        Assert.Equal(new RecommendationCount(0, 0, 0, 0), await HeardRecommendations.CountAsync(read, workspace.Id, at.AddMinutes(1), at.AddHours(2)));
        Assert.Equal(new RecommendationCount(1, 1, 0, 0), await HeardRecommendations.CountAsync(read, workspace.Id, at.AddMinutes(-1), at.AddMinutes(1), inbox.Id));
    }
}
