using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Outbox;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>A customer's files open from the conversation as downloads; the channels page shows what is waiting on each channel.</summary>
public sealed class ChannelHealthTests(RapportApp app) : IClassFixture<RapportApp>
{
    private static readonly byte[] Pdf = [.. "%PDF-1.4\n"u8, .. Enumerable.Range(0, 600).Select(i => (byte)(i * 13 % 256))];

    [Fact]
    public async Task Attachments_DownloadFromTheConversation_AndTheChannelShowsItsBacklog()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        var conversationId = await SeedAsync();

        await page.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(page);
        var files = page.Locator(".message-inbound .attachments");
        await Expect(files).ToContainTextAsync("facture 4411.pdf");
        await Expect(files).ToContainTextAsync("huge.zip");
        await Expect(files.Locator("li").Last).ToContainTextAsync("not kept");
        Assert.Equal(0, await files.GetByRole(AriaRole.Link, new() { Name = "huge.zip" }).CountAsync());
        await Flows.ScreenshotAsync(page, "en-conversation-attachments");

        var download = await page.RunAndWaitForDownloadAsync(() => files.GetByRole(AriaRole.Link, new() { Name = "facture 4411.pdf" }).ClickAsync());
        Assert.Equal("facture 4411.pdf", download.SuggestedFilename);
        Assert.Equal(Pdf, await File.ReadAllBytesAsync((await download.PathAsync())!));
        // A customer's HTML is saved as a file too, never opened as a page of Rapport.
        var html = await page.RunAndWaitForDownloadAsync(() => files.GetByRole(AriaRole.Link, new() { Name = "page.html" }).ClickAsync());
        Assert.Equal("page.html", html.SuggestedFilename);
        Assert.EndsWith($"/conversations/{conversationId}", page.Url, StringComparison.Ordinal);

        await page.GotoAsync("/settings/channels");
        await Flows.WaitForCircuitAsync(page);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Support mailbox" });
        await Expect(row.GetByTestId("channel-outbox")).ToContainTextAsync("Outbox: 1 waiting, 1 failed · oldest waiting since");
        await Expect(row.GetByTestId("channel-waiting")).ToHaveTextAsync("Conversations waiting for an answer: 1");
        await Flows.ScreenshotAsync(page, "en-channels-backlog");
    }

    /// <summary>An e-mail with its files, through the one ingest path, a waiting reply and a failed one.</summary>
    private async Task<Guid> SeedAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync();
        var workspace = await db.Workspaces.SingleAsync();
        var channel = new Channel { WorkspaceId = workspace.Id, Name = "Support mailbox", Kind = ChannelKind.Email, Direction = ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        var result = await scope.ServiceProvider.GetRequiredService<IngestService>().IngestAsync(db, workspace.Id, new InboundItem
        {
            ChannelId = channel.Id,
            ExternalId = "att-1@client.example.test",
            AuthorHandle = "julie@example.test",
            AuthorName = "Julie Dupré",
            Subject = "Facture",
            Text = "Bonjour, voici la facture. Pouvez-vous me rembourser ?",
            Attachments =
            [
                new InboundAttachment("facture 4411.pdf", "application/pdf", Pdf.Length, Pdf),
                new InboundAttachment("page.html", "text/html", 31, "<script>window.hacked=1</script>"u8.ToArray()),
                new InboundAttachment("huge.zip", "application/zip", 40_000_000, null, "not kept: too large (over 25 MB)"),
            ],
        });
        var conversation = await db.Conversations.SingleAsync(c => c.Id == result.ConversationId);
        conversation.NeedsAnswer = 0.9;
        var now = DateTime.UtcNow;
        db.OutboxItems.AddRange(
            new OutboxItem { WorkspaceId = workspace.Id, ChannelId = channel.Id, IdempotencyKey = "k-1", Status = OutboxStatus.Failed, CreatedAt = now.AddHours(-2), NextAttemptAt = now, Attempts = 8 },
            // Due a year from now with its lease: the worker leaves it alone during the test.
            new OutboxItem { WorkspaceId = workspace.Id, ChannelId = channel.Id, IdempotencyKey = "k-2", Status = OutboxStatus.Sending, CreatedAt = now.AddHours(-1), NextAttemptAt = now.AddYears(1), Attempts = 1 });
        await db.SaveChangesAsync();
        return result.ConversationId;
    }
}
