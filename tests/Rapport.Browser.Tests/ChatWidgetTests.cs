using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// The website chat end to end: an admin creates the channel and copies its snippet, a brand's page on another origin
/// carries that one script tag, a visitor writes, an agent answers from Rapport, and the visitor sees the answer arrive.
/// </summary>
public sealed class ChatWidgetTests(RapportApp app) : IClassFixture<RapportApp>
{
    private const string Hostile = "<img src=x onerror=\"window.hacked = 1\"> Is the shop open on Sunday?";

    [Fact]
    public async Task Visitor_WritesFromTheBrandsSite_AgentAnswersFromTheInbox_ReplyAppearsLive_ThenTheOfflineFormWhenNobodyIsThere()
    {
        var agent = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(agent);
        await using var site = await BrandSite.StartAsync();

        // The admin connects the chat and gets the one tag to paste.
        await agent.GotoAsync("/settings/channels");
        await Flows.WaitForCircuitAsync(agent);
        await agent.GetByLabel("Name", new() { Exact = true }).FillAsync("Website chat");
        await agent.GetByLabel("Kind", new() { Exact = true }).ClickAsync();
        await agent.GetByRole(AriaRole.Option, new() { Name = "Website chat" }).ClickAsync();
        await agent.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        var snippet = agent.GetByTestId("chat-snippet");
        await Expect(snippet).ToContainTextAsync(new Regex("<script src=\".+/chat/widget\\.js\" data-key=\"pk_[A-Za-z0-9_-]{22}\" async></script>"));
        await Expect(agent.GetByText("No site may use this chat yet")).ToBeVisibleAsync();
        var settings = $$"""{"allowedOrigins": ["{{site.Origin}}"], "greeting": {"en": "Hi! Ask us anything about your bike.", "fr": "Bonjour ! Une question sur votre vélo ?"} }""";
        await agent.GetByLabel("Settings (JSON)").FillAsync(settings);
        await agent.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(agent.GetByText("No site may use this chat yet")).ToBeHiddenAsync();
        await Flows.ScreenshotAsync(agent, "en-chat-channel");
        site.Snippet = await snippet.InnerTextAsync();

        // A visitor on the brand's site (another origin) opens the widget: the agent is here, so it is a live chat.
        var visitor = await app.NewPageAsync("en-US");
        await visitor.GotoAsync(site.Url);
        var launcher = visitor.GetByRole(AriaRole.Button, new() { Name = "Chat with us" });
        await launcher.ClickAsync();
        var panel = visitor.GetByRole(AriaRole.Dialog, new() { Name = "Chat with us" });
        await Expect(panel).ToContainTextAsync("Hi! Ask us anything about your bike.");
        var box = visitor.GetByLabel("Your message");
        await Expect(box).ToBeFocusedAsync();
        await box.FillAsync(Hostile);
        await box.PressAsync("Enter");
        var log = visitor.GetByRole(AriaRole.Log);
        // The workspace's first message may wait for its text model to be trained: give it time on a busy machine.
        await Expect(log).ToContainTextAsync(Hostile, Slow);
        Assert.Equal(0, await visitor.Locator("[data-rapport-chat] li img").CountAsync());
        Assert.Equal("undefined", await visitor.EvaluateAsync<string>("typeof window.hacked"));
        await Flows.ScreenshotAsync(visitor, "en-chat-widget");

        // The agent finds it in the inbox and answers from the conversation.
        await agent.GotoAsync("/");
        var row = agent.Locator("tbody tr").Filter(new() { HasText = "Is the shop open on Sunday?" });
        await Expect(row).ToBeVisibleAsync();
        var conversationId = await row.GetAttributeAsync("data-conversation");
        await agent.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(agent);
        await agent.Locator("#reply-box").FillAsync("Yes, we are open on Sunday from 10 am to 6 pm.");
        await agent.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        var sendAnyway = agent.GetByRole(AriaRole.Button, new() { Name = "Send anyway" });
        var sent = agent.Locator(".message-outbound").Filter(new() { HasText = "from 10 am to 6 pm" });
        await Expect(sendAnyway.Or(sent)).ToBeVisibleAsync();
        if (await sendAnyway.IsVisibleAsync())
        {
            await sendAnyway.ClickAsync();
        }

        // The visitor sees the answer appear, without reloading, once.
        await Expect(log).ToContainTextAsync("Yes, we are open on Sunday from 10 am to 6 pm.", Slow);
        await Expect(log.Locator("li").Filter(new() { HasText = "from 10 am to 6 pm" })).ToHaveCountAsync(1);

        // Escape closes the panel and gives the focus back to the launcher; a reload continues the same conversation.
        await visitor.Keyboard.PressAsync("Escape");
        await Expect(panel).ToBeHiddenAsync();
        await Expect(launcher).ToBeFocusedAsync();
        await visitor.ReloadAsync();
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Chat with us" }).ClickAsync();
        await Expect(log.Locator("li")).ToHaveCountAsync(2);

        // Nobody left in Rapport: a new visitor, in French, gets the offline form, and the message reaches the inbox.
        await agent.Context.CloseAsync();
        var later = await app.NewPageAsync("fr-FR");
        await later.GotoAsync(site.Url);
        await later.GetByRole(AriaRole.Button, new() { Name = "Discuter avec nous" }).ClickAsync();
        var offline = later.GetByRole(AriaRole.Dialog);
        await Expect(offline).ToContainTextAsync("Personne n'est disponible pour le moment.");
        await Expect(offline.GetByRole(AriaRole.Heading, new() { Name = "Laissez-nous un message" })).ToBeVisibleAsync();
        await later.GetByLabel("Votre message").FillAsync("Pouvez-vous me rappeler au sujet de ma commande 4411 ?");
        await later.GetByRole(AriaRole.Button, new() { Name = "Envoyer le message" }).ClickAsync();
        // No e-mail yet: the form asks for it and sends nothing.
        await Expect(later.GetByRole(AriaRole.Status)).ToHaveTextAsync("Votre e-mail, pour que nous puissions vous répondre");
        await later.GetByLabel("Votre e-mail, pour que nous puissions vous répondre").FillAsync("sam@example.com");
        await later.GetByRole(AriaRole.Button, new() { Name = "Envoyer le message" }).ClickAsync();
        await Expect(later.GetByRole(AriaRole.Status)).ToContainTextAsync("Nous vous répondrons par e-mail.");
        await Flows.ScreenshotAsync(later, "fr-chat-offline");

        var back = await app.NewPageAsync("en-US");
        await back.GotoAsync("/account/signin");
        await back.GetByLabel("E-mail", new() { Exact = true }).FillAsync(Flows.OwnerEmail);
        await back.GetByLabel("Password", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await back.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Flows.Heading(back, "Inbox")).ToBeVisibleAsync();
        await Expect(back.Locator("tbody tr").Filter(new() { HasText = "commande 4411" })).ToBeVisibleAsync();
    }

    private static readonly LocatorAssertionsToContainTextOptions Slow = new() { Timeout = 30_000 };

    /// <summary>The brand's own site: a page on another port (so another origin) that carries the one script tag.</summary>
    private sealed class BrandSite : IAsyncDisposable
    {
        private readonly WebApplication app;

        private BrandSite(WebApplication app, int port)
        {
            this.app = app;
            Origin = $"http://127.0.0.1:{port}";
        }

        public string Origin { get; }
        public string Url => Origin + "/";
        public string Snippet { get; set; } = "";

        public static async Task<BrandSite> StartAsync()
        {
            var port = FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.ClearProviders();
            var web = builder.Build();
            var site = new BrandSite(web, port);
            web.MapGet("/", () => Results.Content(
                $"""
                <!doctype html>
                <html><head><meta charset="utf-8"><title>Vélo Vert</title></head>
                <body><h1>Vélo Vert bikes</h1><p>Our shop, our bikes.</p>
                {site.Snippet}
                </body></html>
                """, "text/html; charset=utf-8"));
            await web.StartAsync();
            return site;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
