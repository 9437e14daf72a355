using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Notifications;
using Rapport.Reports;
using Rapport.Resources;
using Rapport.Sla;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

public class SlaTests
{
    private static readonly DayOfWeek[] Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static SlaSetupDto OfficeHours(int leadMinutes = 30) => new("Europe/Paris", leadMinutes,
        [
            new SlaPolicyDto("Default", null, null, 60, 30, 480),
            new SlaPolicyDto("Urgent", Priority.Urgent, null, 15, 10, 120),
        ],
        [.. Weekdays.Select(d => new OpeningSpanDto(d, 9 * 60, 18 * 60))],
        [new HolidayDto(new DateOnly(2026, 5, 1), "Fête du travail")]);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task DueTimes_SetAtIngestInBusinessHours_RecomputedOnPriority_AndKeptWhileTheReplyIsUndelivered(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        Assert.Equal(HttpStatusCode.OK, (await setup.Client.PutAsJsonAsync($"{setup.Url}/sla", OfficeHours())).StatusCode);

        // Friday 27 March 2026, 17:30 in Paris (UTC+1); the clocks go forward that Sunday.
        var id = await setup.ReceiveAsync("My order never arrived, where is it?", createdAt: new DateTime(2026, 3, 27, 16, 30, 0, DateTimeKind.Utc));
        var conversation = await ConversationAsync(setup, id);
        Assert.Equal(new DateTime(2026, 3, 30, 7, 30, 0, DateTimeKind.Utc), conversation.FirstResponseDueAt); // Monday 9:30, UTC+2
        Assert.Equal(new DateTime(2026, 3, 30, 14, 30, 0, DateTimeKind.Utc), conversation.ResolutionDueAt); // 30 min Friday + 7 h 30 Monday
        Assert.Null(conversation.NextResponseDueAt);

        var urgent = await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{id}", new { priority = "Urgent" });
        Assert.Equal(HttpStatusCode.OK, urgent.StatusCode);
        conversation = await ConversationAsync(setup, id);
        Assert.Equal(new DateTime(2026, 3, 27, 16, 45, 0, DateTimeKind.Utc), conversation.FirstResponseDueAt);

        // An API channel delivers no reply: queued, it is not a response, and the first response stays due
        // (DeliveredResponseTests follows a reply that is delivered).
        Assert.Equal(HttpStatusCode.Accepted, (await setup.Client.PostAsJsonAsync($"{setup.Url}/conversations/{id}/replies", new { text = "Looking into it." })).StatusCode);
        conversation = await ConversationAsync(setup, id);
        Assert.Equal(new DateTime(2026, 3, 27, 16, 45, 0, DateTimeKind.Utc), conversation.FirstResponseDueAt);
        Assert.Null(conversation.NextResponseDueAt);

        var resolved = await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{id}", new { status = "Resolved", confirmUndelivered = true });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        conversation = await ConversationAsync(setup, id);
        Assert.Equal((null, null, null), (conversation.FirstResponseDueAt, conversation.NextResponseDueAt, conversation.ResolutionDueAt));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ReportingEvents_GetTheirBusinessHoursDuration(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        await setup.Client.PutAsJsonAsync($"{setup.Url}/sla", OfficeHours());
        await using var db = setup.Factory.OpenDb();
        // Friday 17:30 → Monday 9:30 in Paris: 3 days of clock time, 1 hour of business time.
        var waited = new ReportingEvent
        {
            WorkspaceId = setup.Workspace.Id,
            Name = ReportingEventNames.FirstResponse,
            StartedAt = new DateTime(2026, 3, 27, 16, 30, 0, DateTimeKind.Utc),
            EndedAt = new DateTime(2026, 3, 30, 7, 30, 0, DateTimeKind.Utc),
            DurationSeconds = TimeSpan.FromHours(63).TotalSeconds,
        };
        db.ReportingEvents.Add(waited);
        await db.SaveChangesAsync();
        Assert.Equal(3600, waited.BusinessDurationSeconds);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Worker_WarnsTheAssigneeBeforeTheDeadline_ThenRecordsTheBreachOnce(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var agent = await setup.Factory.AddMemberAsync(setup.Workspace.Id, Role.Agent);
        await using (var french = setup.Factory.OpenDb())
        {
            // Notices are written in the workspace's language, with times in its time zone.
            (await french.Workspaces.SingleAsync(w => w.Id == setup.Workspace.Id)).DefaultCulture = "fr";
            await french.SaveChangesAsync();
        }
        // Round the clock, first response within an hour, warned 20 minutes before.
        var policy = new SlaSetupDto("Europe/Paris", 20, [new SlaPolicyDto("Default", null, null, 60, null, null)], [], []);
        Assert.Equal(HttpStatusCode.OK, (await setup.Client.PutAsJsonAsync($"{setup.Url}/sla", policy)).StatusCode);
        var start = new DateTime(2026, 6, 10, 8, 0, 0, DateTimeKind.Utc);
        var id = await setup.ReceiveAsync("Hello, my card was charged twice, can you help?", createdAt: start);
        await setup.Client.PatchAsJsonAsync($"{setup.Url}/conversations/{id}", new { assigneeId = agent.Id });

        var clock = new FakeTimeProvider(start.AddMinutes(30));
        var worker = new SlaWorker(setup.Factory.Services.GetRequiredService<RapportDbContextFactory>(), setup.Factory.Services.GetRequiredService<IServiceScopeFactory>(),
            new Notifier(clock), setup.Factory.Services.GetRequiredService<IStringLocalizer<Strings>>(), Options.Create(new SlaOptions()), clock, NullLogger<SlaWorker>.Instance);

        Assert.Equal(0, await worker.RunOnceAsync());
        clock.SetUtcNow(start.AddMinutes(45));
        Assert.Equal(1, await worker.RunOnceAsync());
        Assert.Equal(0, await worker.RunOnceAsync());
        clock.SetUtcNow(start.AddMinutes(61));
        Assert.Equal(1, await worker.RunOnceAsync());
        clock.SetUtcNow(start.AddMinutes(90));
        Assert.Equal(0, await worker.RunOnceAsync());

        await using var db = setup.Factory.OpenDb();
        var notifications = await db.Notifications.Where(n => n.ConversationId == id).OrderBy(n => n.CreatedAt).ToListAsync();
        Assert.Equal(["sla.warning", "sla.breach"], notifications.Where(n => n.Kind.StartsWith("sla.", StringComparison.Ordinal)).Select(n => n.Kind));
        Assert.All(notifications.Where(n => n.Kind.StartsWith("sla.", StringComparison.Ordinal)), n => Assert.Equal(agent.Id, n.UserId));
        // Due 9:00 UTC, 11:00 in Paris (UTC+2 in June), in French.
        Assert.StartsWith("Première réponse attendue le 10/06/2026 11:00 (Europe/Paris) : ", notifications.Single(n => n.Kind == "sla.warning").Text, StringComparison.Ordinal);
        Assert.StartsWith("Première réponse en retard depuis le 10/06/2026 11:00 (Europe/Paris) : ", notifications.Single(n => n.Kind == "sla.breach").Text, StringComparison.Ordinal);
        var breach = await db.ReportingEvents.SingleAsync(e => e.Name == ReportingEventNames.SlaBreached);
        Assert.Equal((id, start.AddMinutes(60), agent.Id), (breach.ConversationId!.Value, breach.StartedAt, breach.ActorUserId!.Value));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Setup_BadInputIsRefused_AndAgentsCannotChangeIt(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var overlapping = OfficeHours() with { Hours = [new OpeningSpanDto(DayOfWeek.Monday, 540, 720), new OpeningSpanDto(DayOfWeek.Monday, 700, 900)] };
        Assert.Equal(HttpStatusCode.BadRequest, (await setup.Client.PutAsJsonAsync($"{setup.Url}/sla", overlapping)).StatusCode);
        var foreignChannel = OfficeHours() with { Policies = [new SlaPolicyDto("Other", null, Guid.NewGuid(), 10, null, null)] };
        Assert.Equal(HttpStatusCode.BadRequest, (await setup.Client.PutAsJsonAsync($"{setup.Url}/sla", foreignChannel)).StatusCode);
        var agent = await setup.Factory.TokenClientAsync(setup.Workspace.Id, Role.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync($"{setup.Url}/sla", OfficeHours())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"{setup.Url}/sla")).StatusCode);
    }

    private static async Task<Conversation> ConversationAsync(ServiceWorkspace setup, Guid id)
    {
        await using var db = setup.Factory.OpenDb();
        return await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == id);
    }
}
