using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Workspaces;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>The inbox is live: what customers write appears in the open page, in the order it must be answered.</summary>
public sealed class InboxTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task ACustomerMessage_PostedThroughTheApiChannel_AppearsAtTheTopOfTheOpenInbox_WithoutReload()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await Flows.WaitForCircuitAsync(page);
        var api = await ApiChannelAsync();

        var chatter = await api.SendAsync("m-1", "lou@example.test", "haha nice bikes, have a good weekend");
        var rows = page.Locator("tbody tr");
        await Expect(rows.First).ToHaveAttributeAsync("data-conversation", chatter);

        // A complaint with urgency arrives later but must be answered first: it takes the top, the page never reloads.
        page.FrameNavigated += (_, frame) => Assert.Fail($"The inbox reloaded ({frame.Url}).");
        var complaint = await api.SendAsync("m-2", "max@example.test",
            "My bike was never delivered and I have been waiting for 3 weeks. This is unacceptable, <script>alert(1)</script> I want a refund now!");
        await Expect(rows.First).ToHaveAttributeAsync("data-conversation", complaint);
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.First).ToContainTextAsync("<script>alert(1)</script>");
        await Expect(page.Locator("[data-count=All]")).ToHaveTextAsync("2");
        await Flows.ScreenshotAsync(page, "en-inbox-live");

        // Keys: j moves down, / goes to the search box, a search narrows the list.
        await page.Locator(".inbox-list").FocusAsync();
        await page.Keyboard.PressAsync("j");
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("aria-selected", "true");
        await page.Keyboard.PressAsync("/");
        await Expect(page.Locator("[data-test=inbox-search]")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("refunds");
        await page.Keyboard.PressAsync("Enter");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-conversation", complaint);
    }

    private async Task<ApiChannel> ApiChannelAsync()
    {
        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        var owner = await db.Memberships.SingleAsync();
        var channel = new Channel { WorkspaceId = owner.WorkspaceId, Name = "Website form", Kind = ChannelKind.Api, Direction = ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow };
        var (token, secret) = MemberRules.NewApiToken(owner.WorkspaceId, "Website", Role.Agent, owner.UserId, DateTime.UtcNow);
        db.AddRange(channel, token);
        await db.SaveChangesAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return new ApiChannel(client, $"/api/v1/workspaces/{owner.WorkspaceId}/channels/{channel.Id}/messages");
    }

    private sealed record ApiChannel(HttpClient Client, string Url)
    {
        public async Task<string> SendAsync(string externalId, string author, string text)
        {
            var response = await Client.PostAsJsonAsync(Url, new { externalId, authorHandle = author, text });
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            return body.GetProperty("conversationId").GetString()!;
        }
    }
}
