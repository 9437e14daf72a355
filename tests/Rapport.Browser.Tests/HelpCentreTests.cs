using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>An agent writes and publishes an article; a visitor who never signed in finds it on the public help centre.</summary>
public sealed class HelpCentreTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task PublishedArticle_IsFoundBySearchOnThePublicHelpCentre_DraftsAreNot()
    {
        var page = await app.NewPageAsync("en-US");
        await SignInOrSetUpAsync(page);
        await WriteArticleAsync(page, "Suivre ma commande", "Ouvrez **Mes commandes** pour suivre votre colis.", publish: true);
        await WriteArticleAsync(page, "Commande groupée (brouillon)", "Pas encore prêt.", publish: false);
        await page.GotoAsync("/knowledge");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Suivre ma commande", Exact = true })).ToBeVisibleAsync();
        await Flows.ScreenshotAsync(page, "en-knowledge-base");

        // A visitor: a fresh browser profile, no cookie, no account.
        var visitor = await app.NewPageAsync("fr-FR");
        await visitor.GotoAsync("/help/velo-vert");
        await Expect(Flows.Heading(visitor, "Centre d'aide Vélo Vert")).ToBeVisibleAsync();
        await visitor.GetByLabel("Rechercher", new() { Exact = true }).FillAsync("COMMANDÉ");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Rechercher", Exact = true }).ClickAsync();

        var result = visitor.GetByRole(AriaRole.Link, new() { Name = "Suivre ma commande", Exact = true });
        await Expect(result).ToBeVisibleAsync();
        await Expect(visitor.GetByText("Commande groupée (brouillon)")).ToHaveCountAsync(0);
        await Flows.ScreenshotAsync(visitor, "fr-help-search");
        await result.ClickAsync();
        await Expect(Flows.Heading(visitor, "Suivre ma commande")).ToBeVisibleAsync();
        await Expect(visitor.Locator("article strong")).ToHaveTextAsync("Mes commandes");

        var missing = await visitor.GotoAsync("/help/velo-vert/commande-groupee-brouillon");
        Assert.Equal(404, missing!.Status);
    }

    [Fact]
    public async Task LongArticle_TypedAndSavedAtOnce_IsStoredWhole()
    {
        // A long guide (about 45 KB of UTF-8, more than a circuit message's default 32 KB) saved the instant it is typed.
        var steps = Enumerable.Range(1, 600).Select(i => $"Étape {i} : vérifiez le câble de frein n° {i} avant de repartir.");
        var page = await app.NewPageAsync("en-US");
        await SignInOrSetUpAsync(page);
        await WriteArticleAsync(page, "Guide complet de l'entretien", string.Join("\n\n", steps), publish: true);

        var visitor = await app.NewPageAsync("fr-FR");
        await visitor.GotoAsync("/help/velo-vert");
        await visitor.GetByLabel("Rechercher", new() { Exact = true }).FillAsync("entretien");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Rechercher", Exact = true }).ClickAsync();
        await visitor.GetByRole(AriaRole.Link, new() { Name = "Guide complet de l'entretien", Exact = true }).ClickAsync();
        await Expect(visitor.GetByText("Étape 600 : vérifiez le câble de frein n° 600 avant de repartir.")).ToBeVisibleAsync();
        await Expect(visitor.Locator("article p").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^Étape \\d+ : ") })).ToHaveCountAsync(600);
    }

    [Fact]
    public async Task CannedResponsesAndMacros_AreSavedFromTheirSettingsPages()
    {
        var page = await app.NewPageAsync("en-US");
        await SignInOrSetUpAsync(page);
        await page.GotoAsync("/settings/canned-responses");
        await Flows.WaitForCircuitAsync(page);
        var form = page.GetByRole(AriaRole.Region, new() { Name = "New canned response" });
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Greeting");
        await form.GetByLabel("Text", new() { Exact = true }).FillAsync("Hello {{contact.name}}, {{agent.name}} here.");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Greeting", Exact = true })).ToBeVisibleAsync();

        await page.GotoAsync("/settings/macros");
        await Flows.WaitForCircuitAsync(page);
        var macro = page.GetByRole(AriaRole.Region, new() { Name = "New macro" });
        await macro.GetByLabel("Name", new() { Exact = true }).FillAsync("Refund done");
        await macro.GetByLabel("Reply to send (optional)", new() { Exact = true }).FillAsync("Your refund is on its way, {{contact.name}}.");
        await macro.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Refund done", Exact = true })).ToBeVisibleAsync();
        await Flows.ScreenshotAsync(page, "en-macros");
    }

    /// <summary>The class shares one app: the first test to run sets it up, the next signs in.</summary>
    private static async Task SignInOrSetUpAsync(IPage page)
    {
        await page.GotoAsync("/");
        if (page.Url.EndsWith("/setup", StringComparison.Ordinal))
        {
            await Flows.SetUpAsync(page);
            return;
        }
        await page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(Flows.OwnerEmail);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(Flows.Heading(page, "Inbox")).ToBeVisibleAsync();
    }

    private static async Task WriteArticleAsync(IPage page, string title, string body, bool publish)
    {
        await page.GotoAsync("/knowledge/articles/new");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync(title);
        await page.GetByLabel("Article (markdown)", new() { Exact = true }).FillAsync(body);
        if (publish)
        {
            await page.GetByLabel("Published", new() { Exact = true }).CheckAsync();
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/knowledge/articles/[0-9a-f-]{36}$"));
    }
}
