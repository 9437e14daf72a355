using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
namespace Rapport.Browser.Tests;

/// <summary>
/// An admin subscribes a URL to "Conversation resolved" on the Webhooks settings page, a conversation is resolved, the
/// listener (on loopback) receives the signed event, and the page's delivery log shows it with the listener's answer.
/// </summary>
public sealed class WebhookSettingsTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task Subscription_Created_ShowsItsSecretOnce_AndItsDeliveryInTheLog()
    {
        using var listener = EventListener.Start();
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await page.GotoAsync("/settings/webhooks");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Outgoing webhooks")).ToBeVisibleAsync();
        await page.GetByLabel("URL", new() { Exact = true }).FillAsync(listener.Url);
        await page.GetByLabel("Description (optional)", new() { Exact = true }).FillAsync("CRM sync");
        await Expect(page.GetByLabel("Conversation resolved", new() { Exact = true })).ToBeCheckedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Subscribe", Exact = true }).ClickAsync();
        await Expect(page.Locator("#new-webhook-secret")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^whsec_"));
        await Expect(page.GetByText("CRM sync", new() { Exact = true })).ToBeVisibleAsync();

        // Something happens: a customer writes, and an agent resolves the conversation through the API.
        var channel = await ApiChannel.CreateAsync(app);
        var conversationId = await channel.SendAsync("web-1", "lea@example.test", "Is the shop open on Sunday?");
        var resolved = await channel.Client.PatchAsJsonAsync($"/api/v1/workspaces/{channel.WorkspaceId}/conversations/{conversationId}", new { status = "Resolved" });
        resolved.EnsureSuccessStatusCode();
        var received = await listener.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("conversation.resolved", received, StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Delivery log of {listener.Url}", Exact = true }).ClickAsync();
        var logged = page.Locator(".webhook-log").GetByRole(AriaRole.Cell, new() { Name = "Conversation resolved", Exact = true });
        for (var tries = 0; tries < 30 && await logged.CountAsync() == 0; tries++)
        {
            // The attempt is logged just after the listener answered: look again until it is there.
            await page.GetByRole(AriaRole.Button, new() { Name = "Refresh", Exact = true }).ClickAsync();
            await page.WaitForTimeoutAsync(500);
        }
        await Expect(logged).ToBeVisibleAsync();
        await Expect(page.Locator(".webhook-log .webhook-status").First).ToHaveTextAsync("200");
        await Flows.ScreenshotAsync(page, "en-webhook-log");

        // The secret was shown once: a fresh visit does not show it.
        await page.GotoAsync("/settings/webhooks");
        await Expect(page.GetByText("CRM sync", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("#new-webhook-secret")).ToHaveCountAsync(0);
    }

    /// <summary>An HTTP listener on a free loopback port that answers 200 and keeps the bodies it received.</summary>
    private sealed class EventListener : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly BlockingCollection<string> bodies = [];

        public string Url { get; private init; } = "";

        public static EventListener Start()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var events = new EventListener { Url = $"http://127.0.0.1:{port}/events/" };
            events.listener.Prefixes.Add(events.Url);
            events.listener.Start();
            _ = Task.Run(events.ServeAsync);
            return events;
        }

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    bodies.Add(await reader.ReadToEndAsync());
                }
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public Task<string> NextAsync(TimeSpan timeout) =>
            Task.Run(() => bodies.TryTake(out var body, timeout) ? body : throw new TimeoutException("No event reached the listener."));

        public void Dispose()
        {
            listener.Close();
            bodies.Dispose();
        }
    }
}
