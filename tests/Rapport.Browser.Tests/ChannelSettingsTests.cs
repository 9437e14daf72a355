using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Rapport.Channels;
using Rapport.Channels.Mastodon;
using Rapport.Data;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// Settings → Channels: one form per kind to connect a channel and to edit it, with each broken rule next to its field;
/// secrets written once and never shown again; health, "test the connection", pause and resume on each channel's card.
/// </summary>
public sealed class ChannelSettingsTests(RapportApp app) : IClassFixture<RapportApp>
{

    [Fact]
    public async Task FeedChannel_ConnectedThroughTheForm_CheckedField_TestedPausedAndResumed()
    {
        await using var server = await ChannelTestServer.StartAsync();
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/channels");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByLabel("Kind", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "RSS/Atom feed" }).ClickAsync();
        var connect = page.GetByRole(AriaRole.Form, new() { Name = "Connect a channel" });
        // Another kind is another form: its own fields appear.
        var address = connect.GetByLabel("Feed address", new() { Exact = true });
        await Expect(address).ToBeVisibleAsync();
        await connect.GetByLabel("Name", new() { Exact = true }).FillAsync("Cycling news");
        await address.FillAsync("cycling news dot com");
        await connect.GetByLabel("Check every (minutes)", new() { Exact = true }).FillAsync("0");
        await connect.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();

        // Each field says what is wrong with it, and nothing is connected.
        await Expect(connect.GetByText("Enter a full address starting with https://")).ToBeVisibleAsync();
        await Expect(connect.GetByText("Enter a number of minutes from 1 to 1440.")).ToBeVisibleAsync();
        await Expect(address).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByRole(AriaRole.Article)).ToHaveCountAsync(0);
        await Flows.ScreenshotAsync(page, "en-channel-connect-invalid");

        await address.FillAsync(server.Url + "/news.atom");
        await connect.GetByLabel("Check every (minutes)", new() { Exact = true }).FillAsync("");
        await connect.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();
        var card = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Cycling news" });
        await Expect(card.GetByTestId("channel-status")).ToHaveTextAsync("Active");
        await Expect(card).ToContainTextAsync("RSS/Atom feed");
        await Expect(card).ToContainTextAsync("Listening");
        await Expect(card.GetByTestId("channel-outbox")).ToHaveTextAsync("Outbox: 0 waiting, 0 failed");
        // The form is blank again, ready for the next channel.
        await Expect(connect.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("");

        await card.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        var result = card.GetByRole(AriaRole.Status);
        await Expect(result).ToContainTextAsync("The connection works.");
        await Expect(result).ToContainTextAsync("A Atom feed, \"Cycling news daily\", with 1 items.");

        await card.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Expect(card.GetByTestId("channel-status")).ToHaveTextAsync("Paused");
        Assert.True((await StoredAsync("Cycling news")).Paused);
        await Flows.ScreenshotAsync(page, "en-channel-paused");
        await card.GetByRole(AriaRole.Button, new() { Name = "Resume", Exact = true }).ClickAsync();
        await Expect(card.GetByTestId("channel-status")).ToHaveTextAsync("Active");
        var stored = await StoredAsync("Cycling news");
        Assert.False(stored.Paused);
        Assert.Equal($$"""{"url":"{{server.Url}}/news.atom"}""", stored.Settings);
    }

    private Task<Channel> StoredAsync(string name) => ChannelTestServer.StoredAsync(app, name);
}

/// <summary>A channel connected by mistake is disconnected after a confirmation; one still in use is refused, with the reason.</summary>
public sealed class ChannelDisconnectTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task UnusedChannel_IsDisconnectedOnceConfirmed_OneAPolicyTargetsIsKept()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/channels");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByLabel("Kind", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "API", Exact = true }).ClickAsync();
        var connect = page.GetByRole(AriaRole.Form, new() { Name = "Connect a channel" });
        await Expect(connect.GetByText("Your own integration pushes messages to this channel")).ToBeVisibleAsync();
        foreach (var name in new[] { "Typo", "VIP API" })
        {
            await connect.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
            await connect.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Article).Filter(new() { HasText = name })).ToBeVisibleAsync();
        }
        var vip = await ChannelTestServer.StoredAsync(app, "VIP API");
        await using (var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
        {
            db.SlaPolicies.Add(new Rapport.Sla.SlaPolicy { WorkspaceId = vip.WorkspaceId, Name = "VIP", ChannelId = vip.Id, FirstResponseMinutes = 15 });
            await db.SaveChangesAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Disconnect VIP API", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Disconnect", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "A service level policy applies to this channel" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Article).Filter(new() { HasText = "VIP API" })).ToBeVisibleAsync();

        // Cancelling keeps the channel; confirming removes it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Disconnect Typo", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("“Typo” will be removed with its settings and secrets.");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Typo" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Disconnect Typo", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Disconnect", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Channel disconnected.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Typo" })).ToHaveCountAsync(0);
        await using var check = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        Assert.Equal(["VIP API"], await check.Channels.IgnoreQueryFilters().Select(c => c.Name).ToListAsync());
    }
}

/// <summary>The Mastodon form: a token is required, written once, kept when other settings change, and never shown again.</summary>
public sealed class MastodonChannelSettingsTests(RapportApp app) : IClassFixture<RapportApp>
{
    private const string Token = ChannelTestServer.Token;
    private const string HostileName = "<img src=x onerror=\"window.hacked = 1\">Brand";

    [Fact]
    public async Task MastodonChannel_TokenIsWriteOnly_EditingTheNameKeepsIt_HostileTextStaysText()
    {
        await using var server = await ChannelTestServer.StartAsync();
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/channels");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByLabel("Kind", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Mastodon" }).ClickAsync();
        var connect = page.GetByRole(AriaRole.Form, new() { Name = "Connect a channel" });
        await Expect(connect.GetByLabel("Mastodon instance", new() { Exact = true })).ToBeVisibleAsync();
        await connect.GetByLabel("Name", new() { Exact = true }).FillAsync(HostileName);
        await connect.GetByLabel("Mastodon instance", new() { Exact = true }).FillAsync(server.Url);
        await connect.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();
        // A Mastodon channel needs its token before it connects.
        await Expect(connect.GetByText("Required.", new() { Exact = true })).ToBeVisibleAsync();
        await connect.GetByLabel("Access token", new() { Exact = true }).FillAsync(Token);
        await connect.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();

        var card = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "onerror" });
        await Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(HostileName);
        Assert.Equal(0, await card.Locator("img").CountAsync());

        // On edit the token field is empty and says a token is saved; the page never holds the token.
        await card.GetByRole(AriaRole.Button, new() { Name = "Edit " + HostileName, Exact = true }).ClickAsync();
        var edit = card.GetByRole(AriaRole.Form);
        await Expect(edit.GetByLabel("Name", new() { Exact = true })).ToBeFocusedAsync();
        await Expect(edit.GetByLabel("Access token", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(edit.GetByText("Saved — leave empty to keep it")).ToBeVisibleAsync();
        Assert.DoesNotContain(Token, await page.ContentAsync(), StringComparison.Ordinal);
        await Flows.ScreenshotAsync(page, "en-channel-edit-secret-saved");

        // Renaming it keeps the token: the connection test still signs in.
        await edit.GetByLabel("Name", new() { Exact = true }).FillAsync("Brand on Mastodon");
        await edit.GetByLabel("Name", new() { Exact = true }).PressAsync("Enter");
        card = page.GetByRole(AriaRole.Article).Filter(new() { HasText = "Brand on Mastodon" });
        await Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Brand on Mastodon");
        await card.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        await Expect(card.GetByRole(AriaRole.Status)).ToContainTextAsync("The connection works.");
        await Expect(card.GetByRole(AriaRole.Status)).ToContainTextAsync("as @trwnh@127.0.0.1 (infinite love ⴳ).");
        Assert.DoesNotContain(Token, await page.ContentAsync(), StringComparison.Ordinal);
        var stored = await StoredAsync("Brand on Mastodon");
        Assert.Equal(Token, app.Services.GetRequiredService<ChannelSecrets>().Unprotect(stored.ProtectedSecrets)[MastodonChannelSettings.AccessTokenSecret]);
        Assert.DoesNotContain(Token, stored.ProtectedSecrets, StringComparison.Ordinal);

        // A server's error text is shown as text, never as markup.
        await using (var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
        {
            var channel = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Id == stored.Id);
            channel.LastError = "<b>boom</b><script>window.hacked = 2</script>";
            await db.SaveChangesAsync();
        }
        await page.ReloadAsync();
        await Flows.WaitForCircuitAsync(page);
        await Expect(card.GetByTestId("channel-error")).ToHaveTextAsync("<b>boom</b><script>window.hacked = 2</script>");
        Assert.Equal(0, await card.GetByTestId("channel-error").Locator("b, script").CountAsync());
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.hacked"));
    }

    private Task<Channel> StoredAsync(string name) => ChannelTestServer.StoredAsync(app, name);
}

/// <summary>
/// A feed and a Mastodon instance on loopback: the feed is a small Atom document, and verify_credentials answers with
/// the documentation's example account (docs.joinmastodon.org/methods/accounts/#verify_credentials) for the right
/// token, its documented 401 otherwise.
/// </summary>
internal sealed class ChannelTestServer : IAsyncDisposable
{
    public const string Token = "mastodon-token-9f3k2q";

    private WebApplication? server;

    public string Url { get; private set; } = "";

    public static async Task<ChannelTestServer> StartAsync()
    {
        var test = new ChannelTestServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        test.server = builder.Build();
        test.server.MapGet("/news.atom", () => Results.Text("""
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <title>Cycling news daily</title>
              <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
              <updated>2026-11-23T18:30:02Z</updated>
              <entry>
                <title>Vélo Vert opens a repair shop</title>
                <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
                <updated>2026-11-23T18:30:02Z</updated>
                <summary>Vélo Vert's new shop repairs every brand of bike.</summary>
              </entry>
            </feed>
            """, "application/atom+xml"));
        test.server.MapGet("/api/v1/accounts/verify_credentials", (HttpContext context) =>
            context.Request.Headers.Authorization == $"Bearer {Token}"
                ? Results.Json(new { id = "14715", username = "trwnh", acct = "trwnh", display_name = "infinite love ⴳ", locked = false, bot = false })
                : Results.Json(new { error = "The access token is invalid" }, statusCode: 401));
        await test.server.StartAsync();
        test.Url = test.server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return test;
    }

    public static async Task<Channel> StoredAsync(RapportApp app, string name)
    {
        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        return await db.Channels.IgnoreQueryFilters().AsNoTracking().SingleAsync(c => c.Name == name);
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
