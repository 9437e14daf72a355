using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
namespace Rapport.Browser.Tests;

/// <summary>Steps several tests share.</summary>
internal static class Flows
{
    public const string OwnerEmail = "camille@velo-vert.example";
    public const string OwnerPassword = "correct horse battery";

    /// <summary>Runs the first-run setup page: the owner account and the first workspace. Lands signed in on the inbox.</summary>
    public static async Task SetUpAsync(IPage page)
    {
        await page.GotoAsync("/");
        // No account yet: every road leads to setup.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/setup$"));
        await ScreenshotAsync(page, "en-setup");
        await page.GetByLabel("Your name", new() { Exact = true }).FillAsync("Camille Martin");
        await page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(OwnerEmail);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(OwnerPassword);
        await page.GetByLabel("Workspace name", new() { Exact = true }).FillAsync("Vélo Vert");
        await page.GetByLabel("Language", new() { Exact = true }).SelectOptionAsync("en");
        await page.GetByLabel("Time zone", new() { Exact = true }).SelectOptionAsync("Europe/Paris");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and sign in" }).ClickAsync();
        await Expect(Heading(page, "Inbox")).ToBeVisibleAsync();
    }

    public static ILocator Heading(IPage page, string name) =>
        page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = name, Exact = true });

    /// <summary>Waits until the interactive circuit is connected, so clicks on menus and buttons are handled.</summary>
    public static async Task WaitForCircuitAsync(IPage page) =>
        await page.Locator("main[data-interactive=true]").WaitForAsync();

    /// <summary>
    /// The accessible names the design system writes by itself (a picker's "Open", a range's "Start date", a menu
    /// group's "Toggle …"): on a French page none is MudBlazor's built-in English. Returns them for further checks.
    /// </summary>
    public static async Task<string[]> AssertNoDesignSystemEnglishAsync(IPage page)
    {
        var labels = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('[aria-label],[title]')].flatMap(e => [e.getAttribute('aria-label'), e.getAttribute('title')]).filter(Boolean)");
        string[] english = ["Open", "Close", "Clear", "Start date", "End date", "Next page", "Previous page", "First page", "Last page", "Select all", "Increment", "Decrement"];
        var leaks = labels.Where(l => english.Contains(l) || l.StartsWith("Toggle ", StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, $"The design system's English on a French page: {string.Join(", ", leaks)}");
        return labels;
    }

    /// <summary>Saves a full-page screenshot when RAPPORT_SCREENSHOTS names a folder (for looking at the design, and CI artefacts).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("RAPPORT_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        }
    }
}
