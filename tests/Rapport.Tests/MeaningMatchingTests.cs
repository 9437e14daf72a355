using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.KnowledgeBase;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// Questions matched by meaning, not only by shared words (decision 0076): paraphrases in English and in French are one
/// unanswered question, and find the article and the past answer that say the same thing in other words.
/// </summary>
public class MeaningMatchingTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task UnansweredQuestions_GroupParaphrasesThatShareFewWords_InEnglishAndFrench(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        string[] delivery =
        [
            "My parcel never arrived?",
            "The package was not delivered, what now?",
            "Je n'ai pas reçu ma commande ?",
            "Colis jamais livré ?",
        ];
        string[] questions = [.. delivery, "How do I reset my password?"];
        for (var i = 0; i < questions.Length; i++)
        {
            await ReceiveAsync(agent, workspace.Id, channel.Id, $"m-{i}", $"asker{i}@example.test", questions[i]);
        }
        await MarkAsQuestionsAsync(factory);

        var groups = (await agent.GetFromJsonAsync<List<UnansweredQuestionGroup>>($"/api/v1/workspaces/{workspace.Id}/unanswered-questions", Json.Options))!;

        Assert.Equal(questions.Length, groups.Sum(g => g.Count));
        Assert.Contains(groups, g => g.Count == 1 && g.Question.Contains("password", StringComparison.Ordinal));
        // Every undelivered parcel is grouped with another, in its own language at least: none stands alone.
        var deliveryGroups = groups.Where(g => !g.Question.Contains("password", StringComparison.Ordinal)).ToList();
        Assert.All(deliveryGroups, g => Assert.True(g.Count >= 2, $"alone: {g.Question}"));
        Assert.Equal(delivery.Length, deliveryGroups.Sum(g => g.Count));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Suggestions_FindTheArticleAndThePastAnswer_ThatSayTheSameInOtherWords(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        await CreateArticleAsync(agent, workspace.Id, "My parcel never arrived", "en", "After ten days we send you another one, free of charge.");
        await CreateArticleAsync(agent, workspace.Id, "Reset your password", "en", "Open Settings, then Security, and choose a new one.");
        await CreateArticleAsync(agent, workspace.Id, "Je n'ai pas reçu ma commande", "fr", "Après dix jours, nous en renvoyons une autre gratuitement.");

        var past = await ReceiveAsync(agent, workspace.Id, channel.Id, "p-1", "old@example.test", "Where is my parcel? It never arrived.");
        Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{past}/replies",
            new { text = "Sorry about that: a new one left our warehouse today." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{past}",
            new { status = "Resolved", confirmUndelivered = true })).StatusCode);

        var english = await ReceiveAsync(agent, workspace.Id, channel.Id, "e-1", "john@example.test", "Hello, the package was not delivered.");
        var french = await ReceiveAsync(agent, workspace.Id, channel.Id, "f-1", "marie@example.test", "Colis jamais livré !");

        var en = await SuggestAsync(agent, workspace.Id, english);
        Assert.Equal("My parcel never arrived", en.Articles[0].Title);
        Assert.True(en.Articles[0].ByMeaning);
        Assert.DoesNotContain(en.Articles, a => a.Title == "Reset your password");
        var answer = Assert.Single(en.PastAnswers);
        Assert.Equal(past, answer.ConversationId);
        Assert.Equal("Sorry about that: a new one left our warehouse today.", answer.Answer);

        var fr = await SuggestAsync(agent, workspace.Id, french);
        // Either undelivered-parcel article first (the French one may rank below the English one it paraphrases), and both there.
        Assert.Contains(fr.Articles[0].Title, new[] { "Je n'ai pas reçu ma commande", "My parcel never arrived" });
        Assert.True(fr.Articles[0].ByMeaning);
        Assert.Contains(fr.Articles, a => a.Title == "Je n'ai pas reçu ma commande");
        Assert.DoesNotContain(fr.Articles, a => a.Title == "Reset your password");
    }

    private static async Task CreateArticleAsync(HttpClient client, Guid workspaceId, string title, string language, string body)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/articles", new { title, language, body, isPublished = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<Guid> ReceiveAsync(HttpClient client, Guid workspaceId, Guid channelId, string externalId, string handle, string text)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/channels/{channelId}/messages",
            new { externalId, authorHandle = handle, text });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.ConversationId;
    }

    private static async Task<SuggestionList> SuggestAsync(HttpClient client, Guid workspaceId, Guid conversationId) =>
        (await client.GetFromJsonAsync<SuggestionList>($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/suggestions", Json.Options))!;

    /// <summary>The intent model's guess on short texts may change as it is retrained: these tests are about matching.</summary>
    private static async Task MarkAsQuestionsAsync(RapportFactory factory)
    {
        await using var db = factory.OpenDb();
        foreach (var analysis in await db.MessageAnalyses.ToListAsync())
        {
            analysis.Intent = "Question";
        }
        await db.SaveChangesAsync();
    }
}
