using System.Text.Json;
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
using Rapport.Channels.Bluesky;
using Rapport.Data;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>An admin connects a Bluesky account from the channels page: handle and app password, then "test the connection".</summary>
public sealed class BlueskyChannelTests(RapportApp app) : IClassFixture<RapportApp>
{
    private const string AppPassword = "abcd-efgh-ijkl-mnop";

    [Fact]
    public async Task BlueskyChannel_ConnectedWithHandleAndAppPassword_TestsTheSignIn_AndNeverShowsThePassword()
    {
        await using var server = await SignInServer.StartAsync();
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/channels");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Brand on Bluesky");
        await page.GetByLabel("Kind", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Bluesky" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();

        // The Bluesky fields replace the raw settings and secrets.
        await Expect(page.GetByLabel("Settings (JSON)")).ToHaveCountAsync(0);
        await page.GetByLabel("Server", new() { Exact = true }).FillAsync(server.Url);
        await page.GetByLabel("Handle or DID", new() { Exact = true }).FillAsync("@brand.bsky.social");
        await page.GetByLabel("App password", new() { Exact = true }).FillAsync("wrong-pass-word");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        var result = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "The connection" });
        await Expect(result).ToContainTextAsync("The connection does not work.");
        await Expect(result).ToContainTextAsync("refused the identifier or app password for brand.bsky.social");

        await page.GetByLabel("App password", new() { Exact = true }).FillAsync(AppPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.GetByText("An app password is saved and never shown.")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("App password", new() { Exact = true })).ToHaveValueAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test the connection" }).ClickAsync();
        await Expect(result).ToContainTextAsync("The connection works.");
        await Expect(result).ToContainTextAsync("Signed in to 127.0.0.1 as @brand.bsky.social (did:plc:brand7x4k2q3example).");
        await Flows.ScreenshotAsync(page, "en-bluesky-channel-tested");
        Assert.DoesNotContain(AppPassword, await page.ContentAsync(), StringComparison.Ordinal);

        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        var channel = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Kind == ChannelKind.Bluesky);
        var settings = BlueskyChannelSettings.Read(channel.Settings);
        Assert.Equal(("brand.bsky.social", server.Url), (settings.Identifier, settings.ServiceUrl));
        Assert.DoesNotContain(AppPassword, channel.ProtectedSecrets, StringComparison.Ordinal);
        Assert.Equal(AppPassword, app.Services.GetRequiredService<ChannelSecrets>().Unprotect(channel.ProtectedSecrets)[BlueskyChannelSettings.AppPasswordSecret]);
    }

    /// <summary>Answers createSession the way the documentation shows: a session for the right password, AuthenticationRequired otherwise.</summary>
    private sealed class SignInServer : IAsyncDisposable
    {
        private WebApplication? server;

        public string Url { get; private set; } = "";

        public static async Task<SignInServer> StartAsync()
        {
            var signIn = new SignInServer();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            signIn.server = builder.Build();
            signIn.server.MapPost("/xrpc/com.atproto.server.createSession", async (HttpContext context) =>
            {
                using var input = await JsonDocument.ParseAsync(context.Request.Body);
                if (input.RootElement.GetProperty("password").GetString() != AppPassword)
                {
                    context.Response.StatusCode = 401;
                    await context.Response.WriteAsJsonAsync(new { error = "AuthenticationRequired", message = "Invalid identifier or password" });
                    return;
                }
                await context.Response.WriteAsJsonAsync(new
                {
                    accessJwt = "access-1",
                    refreshJwt = "refresh-1",
                    handle = "brand.bsky.social",
                    did = "did:plc:brand7x4k2q3example",
                });
            });
            await signIn.server.StartAsync();
            signIn.Url = signIn.server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return signIn;
        }

        public async ValueTask DisposeAsync()
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}
