using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Content;
using Rapport.Scheduling;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class ContentCalendarTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheWeekView_ShowsMondayToSundayInTheWorkspacesZone_WithGapsAndCrowdedDays_AndAMoveFollowsTheScheduleRules(string provider)
    {
        // Wednesday 24 March 2027, noon in Paris; the clocks go forward on Sunday 28 March.
        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 3, 24, 11, 0, 0, TimeSpan.Zero));
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);

        async Task<DraftDetailsDto> ScheduledAsync(string title, string localTime)
        {
            var draft = await Studio.ApprovedAsync(admin, workspace.Id, channel.Id, "Our shop is open on Sunday from 10 to 16.", title);
            return await Studio.ReadAsync(await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "schedule", new { localTime }));
        }
        // Three posts on Thursday: a crowded day. One late on Saturday evening in Paris, which is still Saturday there (not in UTC terms).
        await ScheduledAsync("Repairs", "2027-03-25T09:00:00");
        await ScheduledAsync("Brakes", "2027-03-25T12:00:00");
        var tyres = await ScheduledAsync("Tyres", "2027-03-25T18:00:00");
        await ScheduledAsync("Saturday", "2027-03-27T23:30:00");

        var week = (await admin.GetFromJsonAsync<List<CalendarDayDto>>($"/api/v1/workspaces/{workspace.Id}/content/calendar/week?day=2027-03-24", Json.Options))!;
        Assert.Equal(Enumerable.Range(22, 7).Select(d => new DateOnly(2027, 3, d)), week.Select(d => d.Day));
        Assert.Equal([0, 0, 0, 3, 0, 1, 0], week.Select(d => d.Drafts.Count));
        Assert.Equal(["Repairs", "Brakes", "Tyres"], week[3].Drafts.Select(d => d.Title));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"/api/v1/workspaces/{workspace.Id}/content/calendar/week?day=24/03/2027")).StatusCode);

        // The page: the week, its gaps and crowded days, and a Move button for the keyboard, in English and in French.
        var browser = await factory.SignedInClientAsync(owner.Email!);
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var english = WebUtility.HtmlDecode(await browser.GetStringAsync("/content/calendar?view=week&day=2027-03-24"));
        Assert.Contains("Week of 22 March 2027", english, StringComparison.Ordinal);
        Assert.Contains("5 days with nothing planned, 1 crowded days", english, StringComparison.Ordinal);
        Assert.Contains("Move “Tyres”", english, StringComparison.Ordinal);
        Assert.Contains("Nothing planned", english, StringComparison.Ordinal);
        Assert.Contains("Crowded: 3 posts", english, StringComparison.Ordinal);
        browser.DefaultRequestHeaders.AcceptLanguage.Clear();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        var french = WebUtility.HtmlDecode(await browser.GetStringAsync("/content/calendar?view=week&day=2027-03-24"));
        Assert.Contains("Semaine du 22 mars 2027", french, StringComparison.Ordinal);
        Assert.Contains("Rien de prévu", french, StringComparison.Ordinal);
        Assert.Contains("Déplacer « Tyres »", french, StringComparison.Ordinal);

        // Moving a post (what dragging it to another day does): into the past, into Sunday's DST gap, then to Friday.
        var id = tyres.Draft.Id;
        var past = await Studio.ActAsync(admin, workspace.Id, id, "schedule", new { localTime = "2027-03-23T18:00:00" });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("This time is already past.", await past.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var gap = await Studio.ActAsync(admin, workspace.Id, id, "schedule", new { localTime = "2027-03-28T02:30:00" });
        Assert.Equal(HttpStatusCode.BadRequest, gap.StatusCode);
        Assert.Contains("the clocks skip it when they go forward", await gap.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var moved = await Studio.ReadAsync(await Studio.ActAsync(admin, workspace.Id, id, "schedule", new { localTime = "2027-03-26T18:00:00" }));
        Assert.Equal(DraftStatus.Scheduled, moved.Draft.Status);
        Assert.Equal(new DateTime(2027, 3, 26, 17, 0, 0, DateTimeKind.Utc), moved.Draft.ScheduledAt);
        week = (await admin.GetFromJsonAsync<List<CalendarDayDto>>($"/api/v1/workspaces/{workspace.Id}/content/calendar/week?day=2027-03-28", Json.Options))!;
        Assert.Equal([0, 0, 0, 2, 1, 1, 0], week.Select(d => d.Drafts.Count));

    }

    [Fact]
    public async Task ThePublishInterval_IsASetting_AndAValueOutOfRangeStopsTheStart()
    {
        await using (var factory = new RapportFactory(Databases.Sqlite, s => s["Rapport:Content:PublishInterval"] = "00:00:30"))
        {
            var job = factory.Services.GetRequiredService<RapportJobs>().Find("publish-due-posts")!;
            Assert.Equal(new JobTiming.Every(TimeSpan.FromSeconds(30)), job.Timing);
        }
        await using (var factory = new RapportFactory(Databases.Sqlite))
        {
            Assert.Equal(new JobTiming.Every(TimeSpan.FromSeconds(5)), factory.Services.GetRequiredService<RapportJobs>().Find("publish-due-posts")!.Timing);
        }
        await using (var off = new RapportFactory(Databases.Sqlite, s => s["Rapport:Content:PublishInterval"] = "00:00:00"))
        {
            Assert.IsType<JobTiming.OnDemand>(off.Services.GetRequiredService<RapportJobs>().Find("publish-due-posts")!.Timing);
        }
        await using var wrong = new RapportFactory(Databases.Sqlite, s => s["Rapport:Content:PublishInterval"] = "02:00:00");
        var refused = Assert.ThrowsAny<Exception>(() => wrong.Services);
        Assert.Contains("Rapport:Content:PublishInterval is from 00:00:00 (off) to 01:00:00.", refused.ToString(), StringComparison.Ordinal);
    }
}
