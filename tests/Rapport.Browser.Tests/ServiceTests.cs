using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Accounts;
using Rapport.Automation;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Reports;
using Rapport.Workspaces;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// Service settings take effect: an SLA policy and a rule made on their pages shape the next message that arrives
/// through the API; analysts read them but cannot change them; the care report shows figures, a chart, and French.
/// </summary>
public sealed class ServiceTests(RapportApp app) : IClassFixture<RapportApp>, IAsyncLifetime
{
    private const string AnalystEmail = "alex@velo-vert.example";
    private Workspace workspace = null!;
    private Channel channel = null!;

    /// <summary>Runs before each test; the app (and its database) is shared by the class, so set up once.</summary>
    public async Task InitializeAsync()
    {
        await using var db = await OpenDbAsync();
        if (!await db.Workspaces.AnyAsync())
        {
            await Flows.SetUpAsync(await app.NewPageAsync("en-US"));
            workspace = await db.Workspaces.SingleAsync();
            db.Channels.Add(new Channel { WorkspaceId = workspace.Id, Name = "Web chat", Kind = ChannelKind.Api, Direction = ChannelDirection.Inbox, CreatedAt = DateTime.UtcNow });
            db.Labels.Add(new Label { WorkspaceId = workspace.Id, Name = "Refund", Color = "#b45309" });
            await db.SaveChangesAsync();
            await using var scope = app.Services.CreateAsyncScope();
            var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var (analyst, errors) = await workspaces.CreateUserAsync(AnalystEmail, "Alex Analyst", Flows.OwnerPassword);
            Assert.True(analyst is not null, string.Join(" ", errors));
            await workspaces.AddMemberAsync(workspace.Id, analyst.Id, Role.Analyst, null);
        }
        workspace = await db.Workspaces.SingleAsync();
        channel = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Name == "Web chat");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Admin_MakesAPolicyAndARule_TheNextApiMessageGetsTheLabelAndADueTime()
    {
        var page = await SignInAsync(Flows.OwnerEmail);

        await page.GotoAsync("/settings/sla");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a policy" }).ClickAsync();
        await page.GetByLabel("First response", new() { Exact = true }).FillAsync("60");
        // A second policy for the same priority and channel is refused with the shared check's message.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a policy" }).ClickAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Policy 2" }).GetByLabel("Name", new() { Exact = true }).FillAsync("Duplicate");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save service levels" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Two policies" })).ToContainTextAsync("Two policies cover the same priority and channel.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Duplicate" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save service levels" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Saved." })).ToBeVisibleAsync();
        await Flows.ScreenshotAsync(page, "en-settings-sla");

        await page.GotoAsync("/settings/rules");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "New rule" }).ClickAsync();
        await page.GetByLabel("Rule name", new() { Exact = true }).FillAsync("Refund requests");
        await page.GetByLabel("Keywords", new() { Exact = true }).FillAsync("refund\nmoney back");
        // A decimal typed just before the save is kept as typed.
        await page.GetByLabel("Needs an answer, at least", new() { Exact = true }).FillAsync("0.05");
        await page.GetByLabel("Add labels", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Refund" }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await Flows.ScreenshotAsync(page, "en-settings-rule-editor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Refund requests", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "words: “refund”, “money back”" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "label Refund" })).ToBeVisibleAsync();
        await using (var rules = await OpenDbAsync())
        {
            Assert.Equal(0.05, (await rules.AutomationRules.IgnoreQueryFilters().SingleAsync(r => r.Name == "Refund requests")).Conditions.MinNeedsAnswer);
        }
        await Flows.ScreenshotAsync(page, "en-settings-rules");

        var before = DateTime.UtcNow;
        using var api = await ApiClientAsync();
        var response = await api.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "m-1", authorHandle = "lea@example.test", text = "Hello, I would like a refund for my order please." });
        response.EnsureSuccessStatusCode();
        var conversationId = (await response.Content.ReadFromJsonAsync<Received>())!.ConversationId;

        await using var db = await OpenDbAsync();
        var conversation = await db.Conversations.IgnoreQueryFilters().Include(c => c.Labels).SingleAsync(c => c.Id == conversationId);
        var label = await db.Labels.IgnoreQueryFilters().SingleAsync(l => l.Name == "Refund");
        Assert.Contains(conversation.Labels, l => l.LabelId == label.Id);
        // Round the clock (no opening hours): due an hour after the message.
        Assert.NotNull(conversation.FirstResponseDueAt);
        Assert.InRange(conversation.FirstResponseDueAt!.Value, before.AddMinutes(59), DateTime.UtcNow.AddMinutes(61));

        // Opening hours: a split Monday, saved as spans in minutes of the day.
        await page.GotoAsync("/settings/sla");
        await Flows.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add hours on Monday" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add hours on Monday" }).ClickAsync();
        await page.GetByLabel("Monday, span 1: opens").FillAsync("08:30");
        await page.GetByLabel("Monday, span 2: closes").FillAsync("18:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save service levels" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Saved." }).Last).ToBeVisibleAsync();
        await using var after = await OpenDbAsync();
        var spans = await after.BusinessHours.IgnoreQueryFilters().Where(h => h.WorkspaceId == workspace.Id).OrderBy(h => h.OpensMinute).ToListAsync();
        Assert.Equal([(DayOfWeek.Monday, 510, 720), (DayOfWeek.Monday, 780, 1080)], spans.Select(h => (h.Day, h.OpensMinute, h.ClosesMinute)));

        // The survey is sent on resolution once switched on in the workspace settings.
        await page.GotoAsync("/settings/workspace");
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.GetByText("Rapport:Surveys:PublicUrl", new() { Exact = false })).ToBeVisibleAsync();
        await page.GetByLabel("Send the survey link when a conversation is resolved").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save survey settings" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Saved." }).Last).ToBeVisibleAsync();
        await using var surveys = await OpenDbAsync();
        Assert.True((await surveys.SurveySettings.IgnoreQueryFilters().SingleAsync(x => x.WorkspaceId == workspace.Id)).SendOnResolve);
    }

    [Fact]
    public async Task Admin_ReordersDisablesAndDeletesRules()
    {
        await using (var seed = await OpenDbAsync())
        {
            var last = await seed.AutomationRules.IgnoreQueryFilters().Where(r => r.WorkspaceId == workspace.Id).MaxAsync(r => (int?)r.Position) ?? 0;
            seed.AutomationRules.AddRange(
                new AutomationRule { WorkspaceId = workspace.Id, Name = "Urgent first", Position = last + 1, CreatedAt = DateTime.UtcNow, Actions = new() { Priority = Conversations.Priority.High } },
                new AutomationRule { WorkspaceId = workspace.Id, Name = "VIP next", Position = last + 2, CreatedAt = DateTime.UtcNow, Conditions = new() { VipOnly = true } });
            await seed.SaveChangesAsync();
        }
        var page = await SignInAsync(Flows.OwnerEmail);
        await page.GotoAsync("/settings/rules");
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "VIP contact" })).ToBeVisibleAsync();

        var above = await RowIndexAsync("Urgent first");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move VIP next up" }).ClickAsync();
        // The header is row 0: the rule now shows where "Urgent first" was, and the database agrees.
        await Expect(page.GetByRole(AriaRole.Row).Nth(1 + above)).ToContainTextAsync("VIP next");
        Assert.Equal(above, await RowIndexAsync("VIP next"));
        // Positions are renumbered 1..n in the order shown.
        await using (var moved = await OpenDbAsync())
        {
            var positions = await moved.AutomationRules.IgnoreQueryFilters().Where(r => r.WorkspaceId == workspace.Id).OrderBy(r => r.Position).Select(r => r.Position).ToListAsync();
            Assert.Equal(Enumerable.Range(1, positions.Count), positions);
        }
        await page.GetByLabel("Urgent first enabled").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete VIP next" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "VIP next", Exact = true })).ToHaveCountAsync(0);

        await using var db = await OpenDbAsync();
        var rules = await db.AutomationRules.IgnoreQueryFilters().Where(r => r.WorkspaceId == workspace.Id).OrderBy(r => r.Position).ToListAsync();
        Assert.DoesNotContain(rules, r => r.Name == "VIP next");
        Assert.False(rules.Single(r => r.Name == "Urgent first").Enabled);
    }

    [Fact]
    public async Task Analyst_ReadsSlaAndRules_ButCannotChangeThem()
    {
        var page = await SignInAsync(AnalystEmail);

        await page.GotoAsync("/settings/sla");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Service levels (SLA)")).ToBeVisibleAsync();
        await Expect(page.Locator("#sla-read-only")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save service levels" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add a policy" })).ToHaveCountAsync(0);

        await page.GotoAsync("/settings/rules");
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.Locator("#rules-read-only")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New rule" })).ToHaveCountAsync(0);

        // Admin-only settings stay closed.
        await page.GotoAsync("/settings/workspace");
        await Expect(Flows.Heading(page, "Access denied")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Reports_ShowFiguresAChartAndNames_ThenFrench()
    {
        await SeedCareAsync();
        var page = await SignInAsync(AnalystEmail);

        await page.GotoAsync("/reports");
        await Flows.WaitForCircuitAsync(page);
        await Expect(Flows.Heading(page, "Reports")).ToBeVisibleAsync();
        // Just the seeded day: the other tests' messages arrive today.
        // Typed as an English reader writes a date (the picker reads the page's culture), and as ISO 2026-12-31.
        var day = DateOnly.FromDateTime(SeededDay).ToString("d", System.Globalization.CultureInfo.GetCultureInfo("en-US"));
        var isoDay = DateOnly.FromDateTime(SeededDay).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await page.GetByLabel("Period", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Custom" }).ClickAsync();
        // The design system's date pickers take a typed date too, committed on leaving the field.
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(isoDay);
        await page.GetByLabel("From", new() { Exact = true }).PressAsync("Tab");
        await Expect(page).ToHaveURLAsync(new Regex($"from={isoDay}"));
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(day);
        await page.GetByLabel("To", new() { Exact = true }).PressAsync("Tab");
        // Three conversations needed an answer, two got one.
        var rate = page.GetByRole(AriaRole.Article, new() { Name = "Response rate" });
        await Expect(rate).ToContainTextAsync("67%");
        await Expect(rate).ToContainTextAsync("2 of 3 answered");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Satisfaction (CSAT)" })).ToContainTextAsync("4.0 / 5");
        await Expect(page.Locator("section[aria-labelledby=chart-first-response] svg").First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" })).ToHaveAttributeAsync("href", new Regex("/reports/care\\.csv\\?from="));

        // On paper or as a PDF: the report itself, without the app's navigation and buttons around it.
        await Expect(page.GetByTestId("print")).ToBeVisibleAsync();
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" })).ToBeHiddenAsync();
        await Expect(page.GetByTestId("print")).ToBeHiddenAsync();
        await Expect(rate).ToContainTextAsync("2 of 3 answered");
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString((await page.PdfAsync())[..4]), StringComparison.Ordinal);
        await page.EmulateMediaAsync(new() { Media = Media.Screen });

        // By channel: the channel's name, never its id.
        await page.GetByLabel("Group by", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Channel" }).ClickAsync();
        await Expect(page.Locator("#report-table")).ToContainTextAsync("Web chat");
        Assert.DoesNotContain(channel.Id.ToString(), await page.Locator("#report-table").InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        await Flows.ScreenshotAsync(page, "en-reports");

        // The language switch takes the page's address as it is now (grouped by channel) once the bar has heard of it.
        var french = page.GetByRole(AriaRole.Link, new() { Name = "FR Français" });
        await Expect(french).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("groupBy%3DChannel"));
        await french.ClickAsync();
        await Expect(Flows.Heading(page, "Rapports")).ToBeVisibleAsync();
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Taux de réponse" })).ToContainTextAsync("2 sur 3 ont reçu une réponse");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Délai de première réponse" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Première réponse médiane (minutes) par canal")).ToBeVisibleAsync();
        await Expect(page.Locator("#report-table")).ToContainTextAsync("Web chat");
        await Flows.ScreenshotAsync(page, "fr-reports");

        // The design system's own words are French too: the date pickers' buttons and the menu's groups
        // (MudBlazor's built-in English is only for English pages).
        Assert.Contains("Ouvrir le calendrier", await Flows.AssertNoDesignSystemEnglishAsync(page));
        await page.GetByRole(AriaRole.Button, new() { Name = "Ouvrir le calendrier" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mois précédent" }).First).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");

        // By day over 30 days: the axis shows short French dates, never more than fit; the thirteen columns of the day
        // table scroll sideways inside their panel instead of being cut off or widening the page.
        await page.GotoAsync("/reports?period=30&groupBy=Day");
        await Flows.WaitForCircuitAsync(page);
        await Expect(page.Locator("section[aria-labelledby=chart-first-response] svg").First).ToBeVisibleAsync();
        var axis = (await page.Locator("section[aria-labelledby=chart-first-response] .mud-charts-xaxis text").AllTextContentsAsync())
            .Where(l => l.Trim().Length > 0).ToList();
        Assert.InRange(axis.Count, 1, ChartLabels.MaxShown);
        Assert.All(axis, label => Assert.Matches(@"^\d{2}/\d{2}$", label.Trim()));
        Assert.True(await page.EvaluateAsync<bool>(
            "() => getComputedStyle(document.querySelector('#report-table .mud-table-container')).overflowX === 'auto' && document.documentElement.scrollWidth <= window.innerWidth"));
        await Expect(page.Locator("#report-table th").Last).ToHaveTextAsync("Sentiment rétabli");
    }

    private sealed record Received(Guid ConversationId);

    /// <summary>Where a rule stands in the workspace's order (0 first), as the database says.</summary>
    private async Task<int> RowIndexAsync(string name)
    {
        await using var db = await OpenDbAsync();
        var names = await db.AutomationRules.IgnoreQueryFilters().Where(r => r.WorkspaceId == workspace.Id).OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).Select(r => r.Name).ToListAsync();
        return names.IndexOf(name);
    }

    private async Task<RapportDbContext> OpenDbAsync() =>
        await app.Services.GetRequiredService<IDbContextFactory<RapportDbContext>>().CreateDbContextAsync();

    private async Task<IPage> SignInAsync(string email)
    {
        var page = await app.NewPageAsync("en-US");
        await page.GotoAsync("/account/signin");
        await page.GetByLabel("E-mail", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Flows.OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("main h1")).ToBeVisibleAsync();
        // The language is remembered on the account, and another test may have switched it to French.
        await page.GotoAsync("/account/culture?culture=en&redirectUri=%2F");
        await Expect(Flows.Heading(page, "Inbox")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>An owner's API token, as an integration would hold.</summary>
    private async Task<HttpClient> ApiClientAsync()
    {
        var secret = TokenHasher.NewToken(ApiTokenAuthenticationHandler.TokenPrefix);
        await using (var db = await OpenDbAsync())
        {
            var owner = await db.Memberships.IgnoreQueryFilters().Where(m => m.WorkspaceId == workspace.Id && m.Role == Role.Owner).Select(m => m.UserId).FirstAsync();
            db.ApiTokens.Add(new ApiToken
            {
                WorkspaceId = workspace.Id,
                Name = "chat widget",
                Prefix = secret[..10],
                TokenHash = TokenHasher.Hash(secret),
                Role = Role.Owner,
                CreatedByUserId = owner,
                CreatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private static DateTime SeededDay => DateTime.UtcNow.Date.AddDays(-10).AddHours(9);

    /// <summary>Ten days ago: three conversations that needed an answer, two answered (10 min, 2 h), one resolved and rated 4.</summary>
    private async Task SeedCareAsync()
    {
        await using var db = await OpenDbAsync();
        var day = SeededDay;
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        ReportingEvent Event(string name, Guid conversation, double? duration = null, double? value = null) => new()
        {
            WorkspaceId = workspace.Id,
            Name = name,
            ConversationId = conversation,
            ChannelId = channel.Id,
            StartedAt = day,
            EndedAt = day.AddSeconds(duration ?? 0),
            DurationSeconds = duration,
            Value = value,
        };
        db.ReportingEvents.AddRange(ids.Select(id => Event(ReportingEventNames.ConversationCreated, id, value: 0.9)));
        db.ReportingEvents.AddRange(
            Event(ReportingEventNames.FirstResponse, ids[0], duration: 600),
            Event(ReportingEventNames.FirstResponse, ids[1], duration: 7200),
            Event(ReportingEventNames.ConversationResolved, ids[0], duration: 3600),
            Event(ReportingEventNames.SurveyCsat, ids[0], value: 4),
            Event(ReportingEventNames.SurveyEffort, ids[0], value: 2));
        await db.SaveChangesAsync();
    }
}
