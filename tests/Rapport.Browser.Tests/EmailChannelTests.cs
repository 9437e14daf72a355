using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>An admin connects a mailbox from the channels page and tests it against the dovecot ./test.sh starts.</summary>
public sealed class EmailChannelTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task EmailChannel_ConnectedAndTested_SaysWhetherTheMailboxAnswers()
    {
        var imap = Required("RAPPORT_TEST_IMAP").Split(':');
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/channels");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Support mailbox");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();

        var settings = page.GetByLabel("Settings (JSON)");
        await settings.FillAsync($$"""{"imapHost": "{{imap[0]}}", "imapPort": {{imap[1]}}, "imapSecurity": "None", "username": "{{Required("RAPPORT_TEST_MAIL_USER")}}"}""");
        await page.GetByLabel("Secret name").FillAsync("password");
        await page.GetByLabel("New secret value").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        var result = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "The connection" });
        await Expect(result).ToContainTextAsync("The connection does not work.", Slow);
        await Expect(result).ToContainTextAsync("refused the user name or password");

        await page.GetByLabel("Secret name").FillAsync("password");
        await page.GetByLabel("New secret value").FillAsync(Required("RAPPORT_TEST_MAIL_PASSWORD"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        await Expect(result).ToContainTextAsync("The connection works.", Slow);
        await Expect(result).ToContainTextAsync("the folder INBOX holds");
        await Flows.ScreenshotAsync(page, "en-email-channel-tested");
        Assert.DoesNotContain(Required("RAPPORT_TEST_MAIL_PASSWORD"), await page.ContentAsync(), StringComparison.Ordinal);
    }

    /// <summary>A sign-in the server refuses can take a few seconds (dovecot slows down failed attempts).</summary>
    private static readonly LocatorAssertionsToContainTextOptions Slow = new() { Timeout = 30_000 };

    private static string Required(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{variable} is not set: run the tests with ./test.sh, which starts the mail test servers.");
}
