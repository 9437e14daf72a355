using System.Net;
using System.Net.Http.Json;
using Rapport.Content;
using Rapport.Listening;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class ListeningIdeasTests
{
    private static string Today(int days = 0) => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task HearAsync(RapportFactory factory, Guid workspaceId, Guid channelId, int daysAgo, string themes, string text)
    {
        await using var db = factory.OpenDb();
        var at = DateTime.UtcNow.AddDays(-daysAgo).AddHours(-1);
        db.Add(new Mention
        {
            WorkspaceId = workspaceId,
            ChannelId = channelId,
            ExternalId = Guid.NewGuid().ToString("N"),
            AuthorHandle = "@someone",
            AuthorName = "someone",
            Text = text,
            CreatedAt = at,
            ReceivedAt = at,
            Language = "fr",
            Sentiment = "Negative",
            Themes = themes,
            Intent = "Complaint",
            IntentConfidence = 0.7,
            SearchText = Mention.FoldForSearch(null, text, "someone"),
        });
        await db.SaveChangesAsync();
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ExpectationsWithoutCommitment_AndCommitmentsDueForAnUpdate_BecomeIdeas_WithTheirMentions(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var api = $"/api/v1/workspaces/{workspace.Id}";

        for (var i = 0; i < 3; i++)
        {
            await HearAsync(factory, workspace.Id, channel.Id, i + 1, "Environment", $"Trop d'emballage plastique, encore ({i})");
        }
        await HearAsync(factory, workspace.Id, channel.Id, 2, "Privacy", "Que faites-vous de mes données ?");
        await HearAsync(factory, workspace.Id, channel.Id, 45, "FairPrices", "Trop cher"); // heard too long ago
        // A commitment on privacy, made two months ago, never updated since; another made last week.
        var privacy = await admin.PostAsJsonAsync($"{api}/commitments", new { titleEn = "Your data stays in Europe", titleFr = "Vos données restent en Europe", theme = "Privacy", startedOn = Today(-60), deadline = Today(300), status = "InProgress" });
        Assert.Equal(HttpStatusCode.Created, privacy.StatusCode);
        var privacyId = (await privacy.Content.ReadFromJsonAsync<Commitments.CommitmentDto>(Json.Options))!.Id;
        (await admin.PostAsJsonAsync($"{api}/commitments", new { titleEn = "Fair prices", theme = "FairPrices", startedOn = Today(-7), deadline = Today(300), status = "InProgress" })).EnsureSuccessStatusCode();

        var heard = (await admin.GetFromJsonAsync<List<ListeningIdeaDto>>($"{api}/ideas/listening", Json.Options))!;
        Assert.Equal(2, heard.Count);
        var environment = heard[0];
        Assert.Equal((IdeaSource.Expectation, "Environment", "What people expect of us on the environment", 3), (environment.Source, environment.Key, environment.Title, environment.Count));
        Assert.Equal(3, environment.Evidence.Count);
        Assert.All(environment.Evidence, e => Assert.Equal($"/listening/mentions?mention={e.MessageId}", e.Url));
        var due = heard[1];
        Assert.Equal((IdeaSource.Commitment, privacyId.ToString(), "Where we stand on “Your data stays in Europe”", 1), (due.Source, due.Key, due.Title, due.Count));
        Assert.Equal("A commitment with no update for 30 days", due.Reason);
        Assert.Single(due.Evidence);

        admin.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        var french = (await admin.GetFromJsonAsync<List<ListeningIdeaDto>>($"{api}/ideas/listening", Json.Options))!;
        Assert.Equal(["Ce que l’on attend de nous : l'environnement", "Où nous en sommes : « Vos données restent en Europe »"], french.Select(f => f.Title));
        admin.DefaultRequestHeaders.AcceptLanguage.Clear();

        // Taken: the idea keeps the mentions and their count, and leaves the suggestions.
        var created = await admin.PostAsJsonAsync($"{api}/ideas/from-listening", new { source = "Expectation", key = "Environment" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var idea = (await created.Content.ReadFromJsonAsync<IdeaDto>(Json.Options))!;
        Assert.Equal((IdeaSource.Expectation, 3, IdeaStatus.New), (idea.Source, idea.EvidenceCount, idea.Status));
        Assert.Equal(environment.Evidence.Select(e => e.Url), idea.Evidence.Select(e => e.Url));
        Assert.Equal([IdeaSource.Commitment], (await admin.GetFromJsonAsync<List<ListeningIdeaDto>>($"{api}/ideas/listening", Json.Options))!.Select(s => s.Source));

        // Taken twice, or a key that names nothing: a clear refusal.
        var again = await admin.PostAsJsonAsync($"{api}/ideas/from-listening", new { source = "Expectation", key = "Environment" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("Listening has no such suggestion now", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The studio's page shows what waits, with links to the mentions.
        var browser = await factory.SignedInClientAsync(owner.Email!);
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync("/content"));
        Assert.Contains("Ideas from listening", page, StringComparison.Ordinal);
        Assert.Contains("Where we stand on “Your data stays in Europe”", page, StringComparison.Ordinal);
        Assert.Contains($"/listening/mentions?mention={due.Evidence[0].MessageId}", page, StringComparison.Ordinal);
    }
}
