using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>An agent opens a conversation, reads the analysis, corrects it, replies and resolves; hostile HTML stays text.</summary>
public sealed class ConversationPageTests(RapportApp app) : IClassFixture<RapportApp>
{
    internal const string Hostile = "My bike arrived broken, this is unacceptable! <script>window.hacked = 1</script><img src=x onerror=\"window.hacked = 2\"> When will the new wheel arrive?";

    [Fact]
    public async Task Agent_SeesTheAnalysis_CorrectsTheIntentInOneClick_Replies_AndResolves_WhileHostileHtmlStaysText()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        var conversationId = await SeedConversationAsync(app, Hostile);

        await page.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(page);

        // The customer's message, markup and all, is shown as text: no script or image element was injected.
        var message = page.Locator(".message-inbound .message-text").First;
        await Expect(message).ToContainTextAsync("<script>window.hacked = 1</script>");
        Assert.Equal(0, await page.Locator(".message-text script, .message-text img").CountAsync());
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.hacked"));

        // The analysis and why.
        var intent = page.GetByTestId("intent").First;
        await Expect(intent).ToBeVisibleAsync();
        await page.GetByText("Why? The words and features behind this analysis").First.ClickAsync();
        await Expect(page.Locator(".evidence li").First).ToBeVisibleAsync();

        // One click corrects the intent.
        await page.GetByLabel("Correct the intent").First.SelectOptionAsync("Question");
        await Expect(intent).ToHaveTextAsync("Question");
        await Flows.ScreenshotAsync(page, "en-conversation");

        // A reply that ignores the complaint is flagged, never blocked.
        await page.Keyboard.PressAsync("r");
        await Expect(page.Locator("#reply-box")).ToBeFocusedAsync();
        await page.Locator("#reply-box").FillAsync("Thanks for your message, have a nice day.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(page.Locator(".tone-flags")).ToContainTextAsync("does not acknowledge the problem");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send anyway" }).ClickAsync();
        var reply = page.Locator(".message-outbound").Last;
        await Expect(reply).ToContainTextAsync("Thanks for your message");
        // An API channel has no way to deliver: the reply shows why and offers a retry.
        await Expect(reply.Locator(".delivery")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Queued|Failed"));
        await Expect(reply.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(reply).ToContainTextAsync("cannot be delivered");

        // e resolves; the last reply never left, so the agent is asked first. The trail says who did it.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("e");
        var confirm = page.GetByRole(AriaRole.Dialog);
        await Expect(confirm).ToContainTextAsync("Last reply not delivered");
        await Expect(confirm).ToContainTextAsync("they may have heard nothing");
        await Expect(page.GetByLabel("Status", new() { Exact = true })).ToHaveValueAsync("Open");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Resolve anyway" }).ClickAsync();
        await Expect(page.GetByLabel("Status", new() { Exact = true })).ToHaveValueAsync("Resolved");
        await Expect(page.Locator(".audit-trail")).ToContainTextAsync("set the status to Resolved");

        // Esc goes back to the inbox.
        await page.Keyboard.PressAsync("Escape");
        await Expect(Flows.Heading(page, "Inbox")).ToBeVisibleAsync();
    }

    /// <summary>A customer message on an API channel of the only workspace, through the one ingest path.</summary>
    internal static async Task<Guid> SeedConversationAsync(RapportApp app, string text)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync();
        var workspace = await db.Workspaces.SingleAsync();
        var channel = new Channel { WorkspaceId = workspace.Id, Name = "Website API", Kind = ChannelKind.Api, Direction = ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        var result = await scope.ServiceProvider.GetRequiredService<IngestService>().IngestAsync(db, workspace.Id, new InboundItem
        {
            ChannelId = channel.Id,
            ExternalId = "hostile-1",
            AuthorHandle = "sam@example.test",
            AuthorName = "Sam Rivera",
            Text = text,
        });
        return result.ConversationId;
    }

    /// <summary>The same customer writing again on the conversation's channel.</summary>
    internal static async Task SeedFollowUpAsync(RapportApp app, Guid conversationId, string text)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync();
        var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
        var result = await scope.ServiceProvider.GetRequiredService<IngestService>().IngestAsync(db, conversation.WorkspaceId, new InboundItem
        {
            ChannelId = conversation.ChannelId,
            ExternalId = "follow-up-" + Guid.NewGuid().ToString("N"),
            AuthorHandle = "sam@example.test",
            AuthorName = "Sam Rivera",
            Text = text,
        });
        Assert.Equal(conversationId, result.ConversationId);
    }

    /// <summary>A second agent in the only workspace.</summary>
    internal static async Task AddAgentAsync(RapportApp app, string email, string name)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
        var (user, errors) = await workspaces.CreateUserAsync(email, name, Flows.OwnerPassword);
        Assert.True(user is not null, string.Join(" ", errors));
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync();
        await workspaces.AddMemberAsync((await db.Workspaces.SingleAsync()).Id, user.Id, Role.Agent, null);
    }
}

/// <summary>Two agents on one conversation, in two browsers, see each other.</summary>
public sealed class PresenceTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task TwoAgents_OnOneConversation_SeeEachOtherViewingAndTyping()
    {
        var camille = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(camille);
        await ConversationPageTests.AddAgentAsync(app, "leo@velo-vert.example", "Léo Dubois");
        var conversationId = await ConversationPageTests.SeedConversationAsync(app, "Where is my order?");

        var leo = await app.NewPageAsync("en-US");
        await leo.GotoAsync("/account/signin");
        await leo.GetByLabel("E-mail", new() { Exact = true }).FillAsync("leo@velo-vert.example");
        await leo.GetByLabel("Password", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await leo.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Flows.Heading(leo, "Inbox")).ToBeVisibleAsync();

        await camille.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(camille);
        await leo.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(leo);

        await Expect(camille.GetByTestId("presence")).ToContainTextAsync("Léo Dubois is viewing");
        await Expect(leo.GetByTestId("presence")).ToContainTextAsync("Camille Martin is viewing");

        // A new customer message appears on both pages without a reload.
        await ConversationPageTests.SeedFollowUpAsync(app, conversationId, "Hello? Still waiting.");
        await Expect(camille.Locator(".message-inbound").Last).ToContainTextAsync("Still waiting.");
        await Expect(leo.Locator(".message-inbound").Last).ToContainTextAsync("Still waiting.");

        await leo.Locator("#reply-box").PressSequentiallyAsync("On it");
        await Expect(camille.GetByTestId("presence")).ToContainTextAsync("Léo Dubois is typing…");

        // Leaving the page leaves the conversation.
        await leo.GotoAsync("/inbox");
        await Flows.WaitForCircuitAsync(leo);
        await Expect(camille.GetByTestId("presence")).Not.ToContainTextAsync("Léo Dubois");

        // A note that mentions Léo lights up his bell, wherever he is; the notification leads to the conversation.
        await camille.GetByLabel("Private note", new() { Exact = true }).CheckAsync();
        await camille.Locator("#reply-box").FillAsync("@Léo Dubois can you call Sam back?");
        await camille.GetByRole(AriaRole.Button, new() { Name = "Add note" }).ClickAsync();
        await Expect(camille.Locator(".message-note")).ToContainTextAsync("can you call Sam back?");
        await Expect(leo.GetByTestId("unread-count")).ToHaveTextAsync("1");
        await leo.GetByRole(AriaRole.Button, new() { Name = "Notifications, 1 unread" }).ClickAsync();
        await leo.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("Mentioned you") }).ClickAsync();
        await Expect(leo).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/conversations/{conversationId}$"));
        await Expect(leo.GetByTestId("unread-count")).ToHaveCountAsync(0);
    }
}

/// <summary>A conversation of 10,000 messages opens on its latest page and pages back; a stale change is refused, then reloaded.</summary>
public sealed class LongThreadTests(RapportApp app) : IClassFixture<RapportApp>
{
    [Fact]
    public async Task AThreadOf10000Messages_OpensOnItsLatestPage_PagesBack_AndAStaleChangeIsRefusedThenReloaded()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        var conversationId = await ConversationPageTests.SeedConversationAsync(app, "First of many.");
        await using (var scope = app.Services.CreateAsyncScope())
        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync())
        {
            var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
            var start = DateTime.UtcNow.AddDays(-1);
            db.Messages.AddRange(Enumerable.Range(1, 9_999).Select(i => new Rapport.Conversations.Message
            {
                WorkspaceId = conversation.WorkspaceId,
                ConversationId = conversation.Id,
                ChannelId = conversation.ChannelId,
                ExternalId = $"bulk-{i}",
                AuthorName = "Sam Rivera",
                Text = $"Message {i}",
                CreatedAt = start.AddSeconds(i),
                ReceivedAt = start.AddSeconds(i),
            }));
            await db.SaveChangesAsync();
        }

        await page.GotoAsync($"/conversations/{conversationId}");
        await Flows.WaitForCircuitAsync(page);

        var messages = page.Locator("ol.messages > li");
        await Expect(messages).ToHaveCountAsync(50);
        await Expect(messages.Last).ToContainTextAsync("First of many.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show earlier messages" }).ClickAsync();
        await Expect(messages).ToHaveCountAsync(100);
        await Expect(messages.First).ToContainTextAsync("Message 9901");

        // A colleague's change this page has not heard of (made outside the app's saves): acting on the stale
        // version is refused with a clear message, and the page reloads with their change instead of overwriting it.
        await using (var scope = app.Services.CreateAsyncScope())
        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync())
        {
            await db.Conversations.Where(c => c.Id == conversationId)
                .ExecuteUpdateAsync(u => u.SetProperty(c => c.Priority, Rapport.Conversations.Priority.Urgent).SetProperty(c => c.Version, c => c.Version + 1));
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign to me (a)" }).ClickAsync();
        await Expect(page.GetByText("Someone else changed this conversation since you opened it.", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Priority", new() { Exact = true })).ToHaveValueAsync("Urgent");
        await Expect(page.GetByLabel("Assignee", new() { Exact = true })).ToHaveValueAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Assign to me (a)" }).ClickAsync();
        await Expect(page.GetByLabel("Assignee", new() { Exact = true })).Not.ToHaveValueAsync("");
        await Expect(page.GetByLabel("Priority", new() { Exact = true })).ToHaveValueAsync("Urgent");
    }
}
