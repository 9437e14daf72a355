using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Ingest;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>A topic written with a mistake, corrected while the page says where it breaks and what it would find; then its mentions.</summary>
public sealed class ListeningTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task Topic_WithASyntaxError_IsFixedWithThePreview_AndItsMentionsShowAsText()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await SeedAsync();

        await page.GotoAsync("/listening");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Topics", Exact = true }).ClickAsync();
        await Expect(Flows.Heading(page, "Topics")).ToBeVisibleAsync();
        await Flows.WaitForCircuitAsync(page);

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Bikes");
        var query = page.GetByLabel("Query", new() { Exact = true });
        await query.FillAsync("(vélo OR bike");
        await Expect(page.Locator(".query-error")).ToContainTextAsync("A parenthesis is not balanced. (character 1)");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create" })).ToBeDisabledAsync();

        await query.FillAsync("(vélo OR bike) NOT spam");
        await Expect(page.Locator(".query-preview")).ToContainTextAsync("2 of the last 30 days' mentions match.");
        await Expect(page.Locator(".preview-examples")).ToContainTextAsync("<b>vélo</b> en panne");
        await Flows.ScreenshotAsync(page, "en-listening-topics");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Bikes", Exact = true })).ToBeVisibleAsync();

        await page.GotoAsync("/listening/mentions");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Mentions")).ToBeVisibleAsync();
        var quote = page.Locator("blockquote.quote").Filter(new() { HasText = "en panne" });
        await Expect(quote).ToHaveTextAsync("<b>vélo</b> en panne <img src=x onerror=alert(1)>");
        Assert.Equal(0, await page.Locator(".mention b, .mention img").CountAsync());
        await Expect(page.Locator(".mention").Filter(new() { HasText = "Lovely bike ride" })).ToContainTextAsync("Positive");
        await Flows.ScreenshotAsync(page, "en-listening-mentions");
    }

    /// <summary>A listening channel and three items heard on it, through the one ingest path.</summary>
    private async Task SeedAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync();
        var workspace = await db.Workspaces.SingleAsync();
        var channel = new Channel { WorkspaceId = workspace.Id, Name = "Cycling blogs", Kind = ChannelKind.Feed, Direction = ChannelDirection.Listening, Paused = true, CreatedAt = DateTime.UtcNow };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        var ingest = scope.ServiceProvider.GetRequiredService<IngestService>();
        foreach (var (id, text) in new[] { ("b-1", "<b>vélo</b> en panne <img src=x onerror=alert(1)>"), ("b-2", "Lovely bike ride along the river, great weather"), ("b-3", "Le train était en retard") })
        {
            await ingest.IngestAsync(db, workspace.Id, new InboundItem
            {
                ChannelId = channel.Id,
                ExternalId = id,
                AuthorHandle = "blog",
                AuthorName = "A blog",
                Text = text,
                IsPublic = true,
                CreatedAt = DateTime.UtcNow.AddHours(-2),
            });
        }
    }
}
