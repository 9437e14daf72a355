using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Data;
using Rapport.KnowledgeBase;
using Rapport.Satisfaction;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// The whole of serving one customer: the message arrives, is answered with the help of the knowledge base,
/// resolved, rated by the customer, and shows in the care report.
/// </summary>
public sealed class JourneyTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task ACustomerIsAnswered_Resolved_RatesTheAnswer_AndTheReportShowsIt()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await Flows.WaitForCircuitAsync(page);
        // A sandbox channel delivers replies without a network, so the reply is delivered and counts.
        var api = await ApiChannel.CreateAsync(app, sandbox: true);
        await PublishArticleAsync(api.WorkspaceId);

        // The message arrives through the API channel and appears in the open inbox.
        var conversationId = await api.SendAsync("journey-1", "nora@example.test",
            "My parcel never arrived and the tracking number shows nothing. Where is my order?");
        var row = page.Locator($"tbody tr[data-conversation='{conversationId}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.Locator("tbody tr").First).ToHaveAttributeAsync("data-conversation", conversationId);

        // The agent opens it, sees the analysis and the knowledge base's suggestion, and puts it in the reply.
        await row.Locator("a").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/conversations/{conversationId}"));
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("intent").First).ToBeVisibleAsync();
        var suggestion = page.GetByTestId("article-suggestion").First;
        await Expect(suggestion).ToContainTextAsync("Tracking a parcel that has not arrived");
        await suggestion.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.Locator("#reply-box")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("tracking", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        await page.Locator("#reply-box").FillAsync("I am sorry your parcel has not arrived, Nora. I have opened an investigation with the carrier: "
            + "you will get a replacement or a refund within 48 hours.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        // The tone check may still flag something; it never blocks.
        var sentOrFlagged = page.Locator(".message-outbound:has-text('opened an investigation'), .tone-flags");
        await Expect(sentOrFlagged.First).ToBeVisibleAsync();
        if (await page.Locator(".tone-flags").IsVisibleAsync())
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Send anyway" }).ClickAsync();
        }
        await Expect(page.Locator(".message-outbound").Last).ToContainTextAsync("opened an investigation");
        // The outbox delivers it, and the page says so live.
        await Expect(page.Locator(".message-outbound").Last).ToContainTextAsync("Sent");

        // The sandbox shows what went out, to whom, as text.
        var sandbox = await page.Context.NewPageAsync();
        await sandbox.GotoAsync("/sandbox");
        var sent = sandbox.GetByTestId("sandbox-sent").Locator("tbody tr").First;
        await Expect(sent).ToContainTextAsync("opened an investigation");
        await Expect(sent).ToContainTextAsync("nora@example.test");
        await Expect(sent).ToContainTextAsync("Website form");
        await sandbox.CloseAsync();

        // Resolved at once: the last reply reached the customer, so nothing asks for confirmation.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("e");
        await Expect(page.GetByLabel("Status", new() { Exact = true })).ToHaveValueAsync("Resolved");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        // The customer answers the survey, once.
        var links = app.Services.GetRequiredService<SurveyLinks>();
        var token = links.TokenFor(api.WorkspaceId, Guid.Parse(conversationId));
        var customer = await app.NewPageAsync("en-US");
        await customer.GotoAsync("/survey/" + token);
        await customer.Locator("fieldset").Nth(0).GetByLabel("5").CheckAsync();
        await customer.Locator("fieldset").Nth(1).GetByLabel("4").CheckAsync();
        await customer.GetByLabel("Comment", new() { Exact = false }).FillAsync("Quick and clear, thank you.");
        await customer.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(customer.GetByRole(AriaRole.Status)).ToContainTextAsync("Thank you");
        await customer.GotoAsync("/survey/" + token);
        await Expect(customer.GetByRole(AriaRole.Status)).ToContainTextAsync("already");

        // The report shows what happened: one conversation, answered (100 %), a first response time, and the score.
        await page.GotoAsync("/reports");
        await Flows.WaitForCircuitAsync(page);
        var rate = page.GetByRole(AriaRole.Article, new() { Name = "Response rate" });
        await Expect(rate).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"100\s?%"));
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "First response time" })).Not.ToContainTextAsync("—");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Satisfaction (CSAT)" })).ToContainTextAsync("5.0 / 5");
        await Flows.ScreenshotAsync(page, "en-journey-report");
    }

    /// <summary>A published article that answers the customer.</summary>
    private async Task PublishArticleAsync(Guid workspaceId)
    {
        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        db.Articles.Add(new Article
        {
            WorkspaceId = workspaceId,
            Title = "Tracking a parcel that has not arrived",
            Slug = "parcel-not-arrived",
            Language = "en",
            Body = "If your parcel has not arrived, check the tracking number in your order e-mail. When tracking shows nothing after "
                + "five days, we open an investigation with the carrier and send a replacement or a refund.",
            IsPublished = true,
            CreatedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }
}
