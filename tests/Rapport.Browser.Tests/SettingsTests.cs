using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
namespace Rapport.Browser.Tests;

/// <summary>Settings pages act, not just show: a token is shown once, then only its prefix; the audit log records it.</summary>
public sealed class SettingsTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task ApiToken_Created_IsShownOnceAndAudited()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/tokens");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("CRM sync");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();

        var secret = page.Locator("#new-token");
        await Expect(secret).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^rpt_"));
        var token = await secret.TextContentAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "CRM sync", Exact = true })).ToBeVisibleAsync();
        await Flows.ScreenshotAsync(page, "en-token-created");

        await page.GotoAsync("/settings/tokens");
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "CRM sync", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("#new-token")).ToHaveCountAsync(0);
        Assert.DoesNotContain(token!, await page.ContentAsync(), StringComparison.Ordinal);

        await page.GotoAsync("/settings/audit");
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "API token created", Exact = true })).ToBeVisibleAsync();
    }
}
