using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>The user menu's profile page (name, language, password) and the audit log a head of care reads.</summary>
public sealed class ProfileTests(RapportApp app) : IClassFixture<RapportApp>
{
    private const string NewPassword = "a brand new long password";

    [Fact]
    public async Task Profile_NameAndLanguage_SwitchThePage_PasswordChange_RetiresTheOldOne_AndTheAuditLogSaysItInNames()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await Flows.WaitForCircuitAsync(page);

        // User menu → Profile.
        await page.GetByRole(AriaRole.Button, new() { Name = "Account menu for Camille Martin" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Profile" }).ClickAsync();
        await Expect(Flows.Heading(page, "Your profile")).ToBeVisibleAsync();
        await Flows.WaitForCircuitAsync(page);

        await page.GetByLabel("Your name", new() { Exact = true }).FillAsync("Camille M.");
        await page.GetByLabel("Signature in Vélo Vert", new() { Exact = true }).FillAsync("Camille, Vélo Vert");
        await page.GetByLabel("Language", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Français" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Combobox, new() { Name = "Language" })).ToContainTextAsync("Français");
        await Flows.ScreenshotAsync(page, "en-profile-before-save");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();

        // The page comes back in French, with the new name in the top bar.
        await Expect(Flows.Heading(page, "Votre profil")).ToBeVisibleAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Votre profil est enregistré." })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Menu du compte de Camille M." })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Signature dans Vélo Vert", new() { Exact = true })).ToHaveValueAsync("Camille, Vélo Vert");
        await Flows.ScreenshotAsync(page, "fr-profile");

        // The password: the current one is required.
        await page.GetByRole(AriaRole.Link, new() { Name = "Changer mon mot de passe" }).ClickAsync();
        await Expect(Flows.Heading(page, "Changer votre mot de passe")).ToBeVisibleAsync();
        await page.GetByLabel("Mot de passe actuel", new() { Exact = true }).FillAsync("not my password");
        await page.GetByLabel("Nouveau mot de passe", new() { Exact = true }).FillAsync(NewPassword);
        await page.GetByLabel("Nouveau mot de passe, à nouveau", new() { Exact = true }).FillAsync(NewPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Changer le mot de passe" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Le mot de passe actuel est incorrect.");
        await page.GetByLabel("Mot de passe actuel", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await page.GetByLabel("Nouveau mot de passe", new() { Exact = true }).FillAsync(NewPassword);
        await page.GetByLabel("Nouveau mot de passe, à nouveau", new() { Exact = true }).FillAsync(NewPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Changer le mot de passe" }).ClickAsync();
        // This session goes on, on the profile page.
        await Expect(Flows.Heading(page, "Votre profil")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Votre mot de passe est changé." })).ToBeVisibleAsync();

        // Another browser: the old password no longer signs in, the new one does.
        var other = await app.NewPageAsync("en-US");
        await other.GotoAsync("/account/signin");
        await other.GetByLabel("E-mail", new() { Exact = true }).FillAsync(Flows.OwnerEmail);
        await other.GetByLabel("Password", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await other.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(other.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong e-mail or password.");
        await other.GetByLabel("Password", new() { Exact = true }).FillAsync(NewPassword);
        await other.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The language chosen on the profile follows the person to this browser.
        await Expect(Flows.Heading(other, "Boîte de réception")).ToBeVisibleAsync();

        // The audit log, filtered to profiles and passwords: names, words, no e-mail.
        await page.GotoAsync("/settings/audit");
        await Expect(Flows.Heading(page, "Journal d’audit")).ToBeVisibleAsync();
        await Flows.WaitForCircuitAsync(page);
        var table = page.Locator("#audit-table");
        await Expect(table).ToContainTextAsync("Espace de travail créé");
        await page.GetByLabel("Type", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Profils et mots de passe" }).ClickAsync();
        await Expect(table).Not.ToContainTextAsync("Espace de travail créé");
        await Expect(table).ToContainTextAsync("Mot de passe changé");
        await Expect(table).ToContainTextAsync("Changement de mot de passe refusé : mot de passe actuel incorrect");
        await Expect(table).ToContainTextAsync("Profil modifié");
        await Expect(table).ToContainTextAsync("nom, signature");
        await Expect(table).ToContainTextAsync("langue");
        await Expect(table).ToContainTextAsync("Camille M.");
        await Expect(table).Not.ToContainTextAsync(Flows.OwnerEmail);
        await Flows.ScreenshotAsync(page, "fr-audit-filtered");
    }
}

/// <summary>The shell on a phone, on its own app so that it does its own setup.</summary>
public sealed class PhoneTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task Phone_TopBarFits_InboxHeaderStaysInSight_AndTheIconIsServed()
    {
        await Flows.SetUpAsync(await app.NewPageAsync("en-US"));
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            Locale = "fr-FR",
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
        });
        context.SetDefaultTimeout(RapportApp.Wait);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/signin");
        await page.GetByLabel("Adresse e-mail", new() { Exact = true }).FillAsync(Flows.OwnerEmail);
        await page.GetByLabel("Mot de passe", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Se connecter" }).ClickAsync();
        await Expect(page.Locator("main[data-interactive]")).ToBeAttachedAsync();
        // French, the longer words, whatever the setup chose.
        await page.GotoAsync("/account/culture?culture=fr&redirectUri=%2F");
        await Expect(Flows.Heading(page, "Boîte de réception")).ToBeVisibleAsync();
        await Flows.WaitForCircuitAsync(page);

        // The list takes the keyboard focus (j/k work at once) without scrolling the header and filters away.
        await Expect(page.Locator(".inbox-list")).ToBeFocusedAsync();
        Assert.Equal(0, await page.EvaluateAsync<double>("() => window.scrollY"));
        await Expect(Flows.Heading(page, "Boîte de réception")).ToBeInViewportAsync();

        // Nothing sticks out sideways, and every part of the top bar is still there.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "The page is wider than a 390 px screen.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Menu du compte de Camille Martin" })).ToBeInViewportAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "EN English" })).ToBeInViewportAsync();
        await Flows.ScreenshotAsync(page, "fr-phone-inbox");

        foreach (var (path, type) in new[] { ("/favicon.ico", "image/x-icon"), ("/favicon.svg", "image/svg+xml") })
        {
            var icon = await page.APIRequest.GetAsync(path);
            Assert.Equal(200, icon.Status);
            Assert.StartsWith(type, icon.Headers["content-type"], StringComparison.Ordinal);
        }
        await Expect(page.Locator("link[rel=icon]")).ToHaveAttributeAsync("href", new Regex("favicon"));
    }
}

/// <summary>The conversation page's dates and signature on a French page: the design system's fields, labelled, in French.</summary>
public sealed class ConversationFieldsTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task FrenchConversation_DatesReadDayFirst_AndTheSignatureFieldHasALabel()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        var conversationId = await ConversationPageTests.SeedConversationAsync(app, "Ma commande n'est pas arrivée, où en est-elle ?");
        // The person switches to French.
        await page.GotoAsync($"/account/culture?culture=fr&redirectUri={Uri.EscapeDataString($"/conversations/{conversationId}")}");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        await Flows.WaitForCircuitAsync(page);

        // No native date input (they follow the browser's locale, mm/dd/yyyy): the pickers read and write French dates.
        Assert.Equal(0, await page.Locator("input[type=date], input[type=datetime-local], input[type=time]").CountAsync());
        var snooze = page.GetByRole(AriaRole.Group, new() { Name = "En pause jusqu'à" }).GetByLabel("En pause jusqu'à", new() { Exact = true });
        await snooze.FillAsync("25/12/2030");
        await snooze.PressAsync("Tab");
        await Expect(snooze).ToHaveValueAsync("25/12/2030");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mettre en pause", Exact = true })).ToBeEnabledAsync();
        await Expect(page.Locator(".composer-schedule").GetByRole(AriaRole.Textbox, new() { Name = "Heure d'envoi (facultatif)", Exact = true })).ToBeEditableAsync();

        // "Edit my signature" opens a field with a visible label.
        await page.GetByRole(AriaRole.Button, new() { Name = "Modifier ma signature" }).ClickAsync();
        var signature = page.GetByLabel("Votre signature dans cet espace de travail", new() { Exact = true });
        await Expect(signature).ToBeVisibleAsync();
        await signature.FillAsync("Camille, Vélo Vert");
        await page.Locator(".composer-options").GetByRole(AriaRole.Button, new() { Name = "Enregistrer" }).ClickAsync();
        await Expect(page.Locator(".signature-preview")).ToHaveTextAsync("Camille, Vélo Vert");
        await Flows.ScreenshotAsync(page, "fr-conversation-fields");
    }
}
