using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// One language per page: a person who never chose a language reads Rapport in their browser's, and a French page stays
/// French when a live update re-renders it, whoever saved the change. (Every text having both languages is checked in
/// Rapport.Tests' LocalizationTests.)
/// </summary>
public sealed class LocalizationTests(RapportApp app) : IClassFixture<RapportApp>
{
    /// <summary>English words of the conversation page that a French reader must never meet (not words both languages share).</summary>
    private static readonly string[] English =
    [
        "from the customer", "Status and assignment", "Resolve (e)", "Failed", "Queued", "Delivered", "Open", "Pending", "Resolved",
        "Complaint", "Negative", "Positive", "Neutral", "Safety risk", "Needs an answer", "Intent", "Language", "Urgency",
        "Toxicity", "Why?", "Reply", "Private note", "Send", "Assign to me", "Priority", "Normal", "High", "Labels", "Team", "None", "French",
    ];

    [Fact]
    public async Task APersonWhoNeverChose_ReadsTheirBrowsersLanguage_AndAFrenchPageStaysFrench_AfterALiveUpdate()
    {
        var owner = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(owner);
        var api = await ApiChannel.CreateAsync(app);
        await ConversationPageTests.AddAgentAsync(app, "leo@velo-vert.example", "Léo Dubois");
        var conversationId = await api.SendAsync("fr-1", "ana@example.test", "Le frein de mon vélo a lâché, j'ai failli avoir un accident. C'est inadmissible !");

        // Léo never chose a language: his French browser gives him French, from sign-in on.
        var page = await app.NewPageAsync("fr-FR");
        await page.GotoAsync("/account/signin");
        await page.Locator("#email").FillAsync("leo@velo-vert.example");
        await page.Locator("#password").FillAsync(Flows.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter" }).ClickAsync();
        await Expect(Flows.Heading(page, "Boîte de réception")).ToBeVisibleAsync();

        await page.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Expect(page.GetByText("du client").First).ToBeVisibleAsync();

        // The customer writes again through the API, a request with no language of its own (English by default):
        // the open page hears it and re-renders, still in French.
        api.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-US");
        Assert.Equal(conversationId, await api.SendAsync("fr-2", "ana@example.test", "Toujours aucune nouvelle, je veux une réponse aujourd'hui."));
        await Expect(page.Locator(".message-inbound")).ToHaveCountAsync(2, new() { Timeout = RapportApp.Wait });
        await Expect(page.Locator(".message-inbound").Last).ToContainTextAsync("Toujours aucune nouvelle");

        // "Why?" tells the reasons in words.
        await page.GetByText("Pourquoi ?").First.ClickAsync();
        await Expect(page.GetByTestId("why").First).ToContainTextAsync("Attend une réponse : un risque pour la sécurité");
        await Expect(page.GetByTestId("why").First).ToContainTextAsync("Écrit en français");
        await Flows.ScreenshotAsync(page, "fr-conversation-after-live-update");

        var text = await page.Locator("body").InnerTextAsync();
        var leaks = English.Where(word => Regex.IsMatch(text, $@"(?<!\w){Regex.Escape(word)}(?!\w)")).ToList();
        Assert.True(leaks.Count == 0, $"English on the French page after a live update: {string.Join(", ", leaks)}");
        await Flows.AssertNoDesignSystemEnglishAsync(page);

        // The inbox's own filters (a date range, menus) speak French too.
        await page.GotoAsync("/");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Boîte de réception")).ToBeVisibleAsync();
        await Flows.AssertNoDesignSystemEnglishAsync(page);
    }
}
