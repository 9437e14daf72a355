using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
namespace Rapport.Browser.Tests;

/// <summary>The Content-Security-Policy lets every page of the app work: Chromium reports no violation anywhere.</summary>
public sealed class ContentSecurityPolicyTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task Pages_RunUnderTheContentSecurityPolicy_WithoutAViolation()
    {
        var page = await app.NewPageAsync("en-US");
        // Chromium logs each blocked script, style, image or connection as a console error naming the policy.
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{page.Url}: {message.Text}");
            }
        };

        await Flows.SetUpAsync(page);
        await Flows.WaitForCircuitAsync(page);
        foreach (var path in new[] { "/settings/channels", "/reports", "/knowledge", "/settings/members" })
        {
            await page.GotoAsync(path);
            await Flows.WaitForCircuitAsync(page);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        }
        await page.GotoAsync("/");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Inbox")).ToBeVisibleAsync();

        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }
}
