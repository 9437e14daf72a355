using System.Net;
using System.Net.Http.Json;
using Rapport.Channels;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

public class CareReportTests
{
    private static readonly DateTime Day = new(2026, 6, 10, 8, 0, 0, DateTimeKind.Utc);
    private const string Period = "from=2026-06-08T00:00:00Z&to=2026-06-15T00:00:00Z";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task KnownEvents_GiveExactMediansPercentilesAndRates(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var other = await setup.Factory.CreateChannelAsync(setup.Workspace.Id, name: "Mail, chat");
        await SeedAsync(setup, other);

        var report = await setup.Client.GetFromJsonAsync<CareReport>($"{setup.Url}/reports/care?{Period}&groupBy=Channel", Json.Options);
        var total = report!.Total;
        Assert.Equal((5, 4, 3, 0.75), (total.Conversations, total.NeededAnswer, total.Answered, total.ResponseRate));
        Assert.Equal(4, total.FirstResponses);
        Assert.Equal((120d, 7200d), (total.FirstResponseMedian, total.FirstResponseP90));
        Assert.Equal((0.75, 1d), (total.AnsweredWithin1h, total.AnsweredWithin24h));
        Assert.Equal((2, 0.4, 1000d), (total.Resolved, total.ResolutionRate, total.ResolutionMedian));
        Assert.Equal((1, 0.5), (total.Reopened, total.ReopenRate));
        Assert.Equal((4d, 2, 3d, 2), (total.Csat, total.CsatAnswers, total.Effort, total.EffortAnswers));
        Assert.Equal((2, 1, 0.5), (total.NegativeOpenings, total.Recovered, total.RecoveryRate));
        // Business-hours durations were filled on save (this workspace counts every hour).
        Assert.Equal(120d, total.FirstResponseBusinessMedian);

        var api = report.Groups.Single(g => g.Key == setup.Channel.Id.ToString());
        Assert.Equal((3, 3, 3, 1d), (api.Conversations, api.NeededAnswer, api.Answered, api.ResponseRate));
        Assert.Equal((120d, 180d), (api.FirstResponseMedian, api.FirstResponseP90));
        var mail = report.Groups.Single(g => g.Key == other.Id.ToString());
        Assert.Equal(("Mail, chat", 2, 1, 0d), (mail.Label, mail.Conversations, mail.NeededAnswer, mail.ResponseRate));

        var byDay = await setup.Client.GetFromJsonAsync<CareReport>($"{setup.Url}/reports/care?{Period}&groupBy=Day", Json.Options);
        Assert.Equal("2026-06-10", Assert.Single(byDay!.Groups).Key);
        var byWeek = await setup.Client.GetFromJsonAsync<CareReport>($"{setup.Url}/reports/care?{Period}&groupBy=Week", Json.Options);
        Assert.Equal(("2026-06-08", 5), (Assert.Single(byWeek!.Groups).Key, byWeek.Groups[0].Conversations));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Csv_IsRfc4180_WithFormulaCellsNeutralised(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var hostile = await setup.Factory.CreateChannelAsync(setup.Workspace.Id, name: "=HYPERLINK(\"http://evil\",\"x\")");
        await SeedAsync(setup, hostile);
        var response = await setup.Client.GetAsync($"{setup.Url}/reports/care.csv?{Period}&groupBy=Channel");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("group,conversations,needed_answer,answered,response_rate,", csv, StringComparison.Ordinal);
        Assert.Contains("\r\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",2,1,0,0,", csv, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", csv, StringComparison.Ordinal);
        Assert.Equal("'@cmd", CsvWriter.Cell("@cmd"));
        Assert.Equal("'-1+2", CsvWriter.Cell("-1+2"));
        Assert.Equal("\"a\nb\"", CsvWriter.Cell("a\nb"));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reports_AreReadByAnalysts_ButNotByOtherWorkspaces(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var analyst = await setup.Factory.TokenClientAsync(setup.Workspace.Id, Role.Analyst);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync($"{setup.Url}/reports/care?{Period}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{setup.Url}/reports/care?from=2026-06-08&to=2026-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{setup.Url}/reports/care?from=2020-01-01&to=2026-01-01")).StatusCode);
        var (stranger, other) = await setup.Factory.CreateOwnerAsync(workspaceName: "Other");
        var client = await setup.Factory.TokenClientAsync(other.Id, Role.Owner, stranger.Id);
        // A member of another workspace is refused before anything of this workspace is read.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"{setup.Url}/reports/care?{Period}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"{setup.Url}/reports/care.csv?{Period}")).StatusCode);
    }

    /// <summary>
    /// Five conversations: c1–c3 on the API channel, c4–c5 on the other. c1–c4 needed an answer; c1, c2, c3 and c5 got a
    /// first response (60, 120, 180 s, then 7200 s); c1 and c2 were resolved (1000 s, 3000 s), c2 reopened; two
    /// surveys (5/2, 3/4); c1 and c2 opened negative, c1 ended neutral.
    /// </summary>
    private static async Task SeedAsync(ServiceWorkspace setup, Channel other)
    {
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        Guid ChannelOf(int i) => i < 3 ? setup.Channel.Id : other.Id;
        var events = new List<ReportingEvent>();
        void Add(string name, int i, double? seconds = null, double? value = null) => events.Add(new ReportingEvent
        {
            WorkspaceId = setup.Workspace.Id,
            Name = name,
            ConversationId = ids[i],
            ChannelId = ChannelOf(i),
            StartedAt = Day,
            EndedAt = Day.AddSeconds(seconds ?? 0),
            DurationSeconds = seconds,
            Value = value,
        });
        for (var i = 0; i < 5; i++)
        {
            Add(ReportingEventNames.ConversationCreated, i, value: i < 4 ? 0.9 : 0.1);
        }
        Add(ReportingEventNames.FirstResponse, 0, 60);
        Add(ReportingEventNames.FirstResponse, 1, 120);
        Add(ReportingEventNames.FirstResponse, 2, 180);
        Add(ReportingEventNames.FirstResponse, 4, 7200);
        Add(ReportingEventNames.ConversationResolved, 0, 1000);
        Add(ReportingEventNames.ConversationResolved, 1, 3000);
        Add(ReportingEventNames.ConversationReopened, 1, 10);
        Add(ReportingEventNames.SurveyCsat, 0, value: 5);
        Add(ReportingEventNames.SurveyEffort, 0, value: 2);
        Add(ReportingEventNames.SurveyCsat, 1, value: 3);
        Add(ReportingEventNames.SurveyEffort, 1, value: 4);
        Add(ReportingEventNames.SentimentAtOpening, 0, value: -1);
        Add(ReportingEventNames.SentimentAtOpening, 1, value: -1);
        Add(ReportingEventNames.SentimentAtOpening, 2, value: 0);
        Add(ReportingEventNames.SentimentAtResolution, 0, value: 0);
        Add(ReportingEventNames.SentimentAtResolution, 1, value: -1);
        // Outside the period: never counted.
        events.Add(new ReportingEvent { WorkspaceId = setup.Workspace.Id, Name = ReportingEventNames.ConversationCreated, StartedAt = Day.AddDays(-30), EndedAt = Day, Value = 1 });
        await using var db = setup.Factory.OpenDb();
        db.ReportingEvents.AddRange(events);
        await db.SaveChangesAsync();
    }
}
