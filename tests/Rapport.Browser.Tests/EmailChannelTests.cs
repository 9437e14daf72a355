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
        // E-mail is the kind the form starts with.
        var connect = page.GetByRole(AriaRole.Form, new() { Name = "Connect a channel" });
        await connect.GetByLabel("Name", new() { Exact = true }).FillAsync("Support mailbox");
        await connect.GetByLabel("IMAP server", new() { Exact = true }).FillAsync(imap[0]);
        await connect.GetByLabel("IMAP port", new() { Exact = true }).FillAsync(imap[1]);
        await connect.GetByLabel("IMAP security", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "None (local network only)" }).ClickAsync();
        await connect.GetByLabel("User name", new() { Exact = true }).FillAsync(Required("RAPPORT_TEST_MAIL_USER"));
        await connect.GetByLabel("Password", new() { Exact = true }).FillAsync("not-the-password");
        await connect.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();
        var card = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Support mailbox" });
        await card.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        var result = card.GetByRole(AriaRole.Status).Filter(new() { HasText = "The connection" });
        await Expect(result).ToContainTextAsync("The connection does not work.", Slow);
        await Expect(result).ToContainTextAsync("refused the user name or password");

        await card.GetByRole(AriaRole.Button, new() { Name = "Edit Support mailbox" }).ClickAsync();
        var edit = page.GetByRole(AriaRole.Form, new() { Name = "Settings of Support mailbox" });
        await edit.GetByLabel("Password", new() { Exact = true }).FillAsync(Required("RAPPORT_TEST_MAIL_PASSWORD"));
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await card.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
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
