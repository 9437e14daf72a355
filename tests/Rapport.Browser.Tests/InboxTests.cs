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
        var api = await ApiChannel.CreateAsync(app);

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
}
