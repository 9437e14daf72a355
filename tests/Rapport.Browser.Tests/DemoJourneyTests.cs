using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Demo;
using Rapport.Reports;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// What issue 10 promises a newcomer, on the demo as `--demo` seeds it: an agent in a French browser answers a French
/// customer, one in an English browser an English customer; each reply is delivered and shown as such, each conversation
/// resolves without a question, and the care report changes by exactly that: two more conversations answered, two more
/// resolved, nothing else.
/// </summary>
public sealed class DemoJourneyTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task ANewcomer_AnswersAFrenchAndAnEnglishDemoCustomer_SeesBothDelivered_AndTheReportCountsExactlyThat()
    {
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync();
        }
        var french = await SignInAsync("fr-FR", "Se connecter", "Boîte de réception");
        var english = await SignInAsync("en-US", "Sign in", "Inbox");
        var workspaceId = await WorkspaceIdAsync();
        var before = await CareTotalAsync(english, workspaceId);

        await AnswerAndResolveAsync(french, await WaitingCustomerAsync("fr"), "Bonjour, merci pour votre message : nous regardons cela tout de suite.",
            "Envoyer", "Envoyer quand même", "Envoyée");
        await AnswerAndResolveAsync(english, await WaitingCustomerAsync("en"), "Hello, thank you for writing: we are looking into it right now.",
            "Send", "Send anyway", "Sent");

        var after = await CareTotalAsync(english, workspaceId);
        Assert.Equal(before.Conversations, after.Conversations);
        Assert.Equal(before.NeededAnswer, after.NeededAnswer);
        Assert.Equal(before.Answered + 2, after.Answered);
        Assert.Equal(before.Resolved + 2, after.Resolved);
    }

    private async Task<IPage> SignInAsync(string locale, string button, string inbox)
    {
        var page = await app.NewPageAsync(locale);
        await page.GotoAsync("/account/signin");
        await page.Locator("#email").FillAsync(DemoSeeder.DemoEmail);
        await page.Locator("#password").FillAsync(DemoSeeder.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();
        await Expect(Flows.Heading(page, inbox)).ToBeVisibleAsync();
        return page;
    }

    /// <summary>An open demo conversation in the language that needs an answer and has none yet.</summary>
    private async Task<Guid> WaitingCustomerAsync(string language)
    {
        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        var since = DateTime.UtcNow.AddDays(-29);
        return await db.Conversations.IgnoreQueryFilters()
            .Where(c => c.Language == language && c.Status == ConversationStatus.Open && !c.IsNoise && c.FirstResponseAt == null
                && c.NeedsAnswer >= CareReports.NeedsAnswerThreshold && c.CreatedAt >= since
                && db.Channels.IgnoreQueryFilters().Any(ch => ch.Id == c.ChannelId && ch.Sandbox))
            .OrderByDescending(c => c.CreatedAt).Select(c => c.Id).FirstAsync();
    }

    private async Task AnswerAndResolveAsync(IPage page, Guid conversationId, string reply, string send, string sendAnyway, string sent)
    {
        await page.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(page);
        await page.Locator("#reply-box").FillAsync(reply);
        await page.GetByRole(AriaRole.Button, new() { Name = send, Exact = true }).ClickAsync();
        // The tone check may flag something; it never blocks.
        await Expect(page.Locator($".message-outbound:has-text('{reply[..20]}'), .tone-flags").First).ToBeVisibleAsync();
        if (await page.Locator(".tone-flags").IsVisibleAsync())
        {
            await page.GetByRole(AriaRole.Button, new() { Name = sendAnyway }).ClickAsync();
        }
        // Delivered by the demo's sandbox, and the page says so live, in the page's language.
        var mine = page.Locator($".message-outbound:has-text('{reply[..20]}')");
        await Expect(mine).ToContainTextAsync(sent);
        // Delivered, so resolving asks nothing.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("e");
        await Expect(page.Locator("#conversation-status")).ToHaveValueAsync("Resolved");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
    }

    private async Task<Guid> WorkspaceIdAsync()
    {
        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        return await db.Workspaces.IgnoreQueryFilters().Select(w => w.Id).SingleAsync();
    }

    private sealed record Totals(int Conversations, int NeededAnswer, int Answered, int Resolved);

    /// <summary>The care report's totals for the last 30 days, read as an API client signed in with the page's cookie would.</summary>
    private static async Task<Totals> CareTotalAsync(IPage page, Guid workspaceId)
    {
        var response = await page.Context.APIRequest.GetAsync($"/api/v1/workspaces/{workspaceId}/reports/care");
        Assert.True(response.Ok, $"{response.Status} {await response.TextAsync()}");
        using var json = JsonDocument.Parse(await response.TextAsync());
        var total = json.RootElement.GetProperty("total");
        return new Totals(total.GetProperty("conversations").GetInt32(), total.GetProperty("neededAnswer").GetInt32(),
            total.GetProperty("answered").GetInt32(), total.GetProperty("resolved").GetInt32());
    }
}
