using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Channels;
using Rapport.Data;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>An admin imports a file from the Import page and follows it to its report, refused rows included.</summary>
public sealed class ImportPageTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task Admin_ImportsAFile_FollowsItsProgress_AndReadsTheReportWithTheRefusedRow()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync())
        {
            var workspace = await db.Workspaces.SingleAsync();
            db.Channels.Add(new Channel { WorkspaceId = workspace.Id, Name = "Old helpdesk", Kind = ChannelKind.Import, Direction = ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var file = """
            externalId,authorHandle,authorName,text,createdAt,inReplyTo,fromBrand
            h-1,julie@example.fr,Julie,"Bonjour, ma facture est fausse, pouvez-vous la corriger ?",2025-03-02T09:00:00Z,,
            h-2,sam@example.com,Sam,"<img src=x onerror=alert(1)> my bike arrived broken",2025-03-02T09:05:00Z,,
            h-3,sam@example.com,Sam,,2025-03-02T09:10:00Z,,
            h-4,care,Service client,"Bonjour Julie, nous corrigeons votre facture.",2025-03-02T09:30:00Z,h-1,true
            """;

        await page.GotoAsync("/settings/import");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Import messages")).ToBeVisibleAsync();
        // Blazor listens to the file input once its script has taken hold of it; a file chosen before would go unheard.
        await page.WaitForFunctionAsync("() => document.getElementById('import-file')?._blazorInputFileNextFileId !== undefined");
        await page.GetByLabel("File (.csv, .json, or an X archive's tweets.js)").SetInputFilesAsync(new FilePayload { Name = "helpdesk.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(file) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();

        var run = page.GetByRole(AriaRole.Article, new() { Name = "helpdesk.csv" });
        // The first message analysed in a fresh app builds the default model, which takes a while on a busy machine.
        await Expect(run.Locator(".import-summary")).ToContainTextAsync("2 imported, 0 already there, 1 refused.", new() { Timeout = 90_000 });
        await Expect(run.Locator(".import-summary")).ToContainTextAsync("1 brand replies stored.");
        await Expect(run.GetByText("Done", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(run.GetByRole(AriaRole.Cell, new() { Name = "4", Exact = true })).ToBeVisibleAsync();
        await Flows.ScreenshotAsync(page, "en-import-report");

        // The imported messages are in the inbox, hostile HTML shown as text.
        await page.GotoAsync("/");
        await Expect(page.GetByText("<img src=x onerror=alert(1)> my bike arrived broken")).ToBeVisibleAsync();
    }
}
