using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>The web shell end to end: first-run setup, both languages, and every section and settings page.</summary>
public sealed class ShellTests(RapportApp app) : IClassFixture<RapportApp>
{
    /// <summary>Each section's address and its h1, in English and in French.</summary>
    public static readonly (string Path, string English, string French)[] Sections =
    [
        ("/", "Inbox", "Boîte de réception"),
        ("/listening", "Listening", "Écoute"),
        ("/content", "Content studio", "Studio de contenus"),
        ("/reports", "Reports", "Rapports"),
        ("/reports/outcomes", "Outcome report", "Rapport de résultats"),
        ("/settings/workspace", "Workspace settings", "Paramètres de l’espace de travail"),
        ("/settings/members", "Members", "Membres"),
        ("/settings/invitations", "Invitations", "Invitations"),
        ("/settings/teams", "Teams", "Équipes"),
        ("/settings/labels", "Labels", "Étiquettes"),
        ("/settings/channels", "Channels", "Canaux"),
        ("/settings/sla", "Service levels (SLA)", "Niveaux de service (SLA)"),
        ("/settings/rules", "Automation rules", "Règles d’automatisation"),
        ("/settings/tokens", "API tokens", "Jetons d’API"),
        ("/settings/audit", "Audit log", "Journal d’audit"),
        ("/settings/jobs", "Jobs", "Tâches"),
    ];

    /// <summary>Pages reached from another page (From) rather than the drawer.</summary>
    public static readonly (string From, string Path, string English, string French)[] LinkedPages =
    [
        ("/listening", "/listening/expectations", "Expectations", "Attentes"),
        ("/listening", "/listening/commitments", "Commitments", "Engagements"),
        ("/listening", "/listening/alerts", "Alerts", "Alertes"),
        ("/reports/outcomes", "/reports/posts", "Posts performance", "Performance des publications"),
    ];

    [Fact]
    public async Task SetupThenBothLanguages_OpensEverySection()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Workspace: Vélo Vert. Switch workspace" })).ToBeVisibleAsync();

        // French: the switch reloads the page in French and the choice sticks.
        await page.GetByRole(AriaRole.Link, new() { Name = "FR Français" }).ClickAsync();
        await Expect(Flows.Heading(page, "Boîte de réception")).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Navigation principale" });
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Écoute" })).ToBeVisibleAsync();
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Rapports" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Aller au contenu" })).ToBeAttachedAsync();
        foreach (var (path, _, french) in Sections)
        {
            await page.GotoAsync(path);
            await Expect(Flows.Heading(page, french)).ToBeVisibleAsync();
            await Flows.ScreenshotAsync(page, "fr" + path.Replace('/', '-'));
        }
        // Reached from the Listening page rather than the drawer.
        await page.GotoAsync("/listening/dashboard");
        await Expect(Flows.Heading(page, "Tableau de bord de l’écoute")).ToBeVisibleAsync();
        foreach (var (_, path, _, french) in LinkedPages)
        {
            await page.GotoAsync(path);
            await Expect(Flows.Heading(page, french)).ToBeVisibleAsync();
            await Flows.ScreenshotAsync(page, "fr" + path.Replace('/', '-'));
        }

        // Back to English.
        await Flows.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "EN English" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");

        // Every section through the navigation drawer, as a person would.
        await page.GotoAsync("/");
        await Flows.WaitForCircuitAsync(page);
        nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" });
        foreach (var (path, english, _) in Sections)
        {
            var link = nav.Locator($"a[href='{path}']");
            if (!await link.IsVisibleAsync())
            {
                // Settings is a group in the drawer: open it first.
                await nav.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
            }
            await link.ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
            await Expect(Flows.Heading(page, english)).ToBeVisibleAsync();
            await Flows.ScreenshotAsync(page, "en" + path.Replace('/', '-'));
        }
        await page.GotoAsync("/listening");
        await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).First.ClickAsync();
        await Expect(Flows.Heading(page, "Listening dashboard")).ToBeVisibleAsync();
        foreach (var (from, path, english, _) in LinkedPages)
        {
            await page.GotoAsync(from);
            await page.Locator($"main a[href='{path}']").First.ClickAsync();
            await Expect(Flows.Heading(page, english)).ToBeVisibleAsync();
            await Flows.ScreenshotAsync(page, "en" + path.Replace('/', '-'));
        }
    }
}
