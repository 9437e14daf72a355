using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
namespace Rapport.Browser.Tests;

/// <summary>Settings → Jobs: an admin sees every recurring job in words, runs one now and sees its last run.</summary>
public sealed class JobsPageTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task Jobs_AdminRunsOneNow_AndSeesItsLastRun()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/jobs");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Jobs")).ToBeVisibleAsync();

        var row = page.Locator("#jobs-table tr", new() { Has = page.Locator("[data-job='sla-scan']") });
        await Expect(row).ToContainTextAsync("Check service levels", new() { Timeout = 20_000 });
        await Expect(row).ToContainTextAsync("Not run yet");
        await Expect(page.Locator("#jobs-table")).ToContainTextAsync("Retrain understanding");

        await page.GetByRole(AriaRole.Button, new() { Name = "Run now: Check service levels", Exact = true }).ClickAsync();
        await Expect(row.Locator(".job-last-run")).Not.ToContainTextAsync("Not run yet", new() { Timeout = 20_000 });
        await Expect(row.Locator(".job-last-run")).Not.ToContainTextAsync("Running", new() { Timeout = 20_000 });
        await Expect(row.Locator(".job-last-run")).ToContainTextAsync("Run now by");
        await Flows.ScreenshotAsync(page, "en-jobs-run-now");

        await page.GotoAsync("/settings/audit");
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Ran a job now", Exact = true })).ToBeVisibleAsync();
    }
}
