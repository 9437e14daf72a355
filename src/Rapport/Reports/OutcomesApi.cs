using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Reports;

/// <summary>Which table of the outcome report a CSV export holds.</summary>
public enum OutcomeTable
{
    /// <summary>Every headline figure, this period and the previous one.</summary>
    Summary,
    Channels,
    Campaigns,
}

/// <summary>The outcome report over the API: read by every member (analysts included), like the care report.</summary>
public static class OutcomesApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/reports/outcomes", OutcomesAsync)
            .WithSummary("Outcome report for a period (default: the last 30 days) and the previous period of the same length: outputs, out-takes, outcomes, impact.");
        workspace.MapGet("/reports/outcomes.csv", OutcomesCsvAsync)
            .WithSummary("One table of the outcome report as CSV: table=Summary (default), Channels or Campaigns; both periods.");
    }

    private static async Task<Results<Ok<OutcomeReport>, ValidationProblem>> OutcomesAsync(
        Guid workspaceId, DateTime? from, DateTime? to, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (start, end) = Period(from, to, clock);
        if (OutcomeReports.CheckPeriod(start, end) is { } problem)
        {
            return Problems.Invalid("to", problem);
        }
        return TypedResults.Ok(await OutcomeReports.ComputeAsync(db, workspaceId, start, end, ct));
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem>> OutcomesCsvAsync(
        Guid workspaceId, DateTime? from, DateTime? to, OutcomeTable? table, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (start, end) = Period(from, to, clock);
        if (OutcomeReports.CheckPeriod(start, end) is { } problem)
        {
            return Problems.Invalid("to", problem);
        }
        var which = table ?? OutcomeTable.Summary;
        if (!Enum.IsDefined(which))
        {
            return Problems.Invalid("table", "The table is Summary, Channels or Campaigns.");
        }
        var report = await OutcomeReports.ComputeAsync(db, workspaceId, start, end, ct);
        var name = $"outcomes-{which.ToString().ToLowerInvariant()}-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}.csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(ToCsv(report, which)), "text/csv; charset=utf-8", name);
    }

    /// <summary>The period a report's query string asks for: the last 30 days unless it says otherwise.</summary>
    internal static (DateTime From, DateTime To) Period(DateTime? from, DateTime? to, TimeProvider clock)
    {
        var end = to is { } t ? Ingest.IngestService.AsUtc(t) : clock.GetUtcNow().UtcDateTime;
        var start = from is { } f ? Ingest.IngestService.AsUtc(f) : end.AddDays(-30);
        return (start, end);
    }

    public static string ToCsv(OutcomeReport report, OutcomeTable table)
    {
        ArgumentNullException.ThrowIfNull(report);
        var periods = new[] { ("current", report.Current), ("previous", report.Previous) };
        return table switch
        {
            OutcomeTable.Channels => CsvWriter.Write([ChannelHeader, .. periods.SelectMany(p => p.Item2.Channels.Append(p.Item2.Total)
                .Select(f => ChannelRow(p.Item1, p.Item2, f)))]),
            OutcomeTable.Campaigns => CsvWriter.Write([CampaignHeader, .. periods.SelectMany(p => p.Item2.Campaigns.Select(c => CampaignRow(p.Item1, p.Item2, c)))]),
            _ => CsvWriter.Write([["stage", "figure", "current", "previous"], .. SummaryRows(report.Current.Total, report.Previous.Total)]),
        };
    }

    private static readonly string?[] ChannelHeader =
    [
        "period", "from", "to", "channel", "posts_published", "replies_delivered", "reach", "engagement", "positive_messages", "neutral_messages",
        "negative_messages", "net_sentiment", "clicks", "conversions", "csat", "csat_answers", "effort", "effort_answers", "nps", "promoters", "passives",
        "detractors", "recommends", "advises_against", "negative_openings", "recovered", "complaints", "complaints_resolved", "revenue",
        "threatened_to_leave", "stayed", "applause",
    ];

    private static string?[] ChannelRow(string period, OutcomeSlice slice, OutcomeFigures f) =>
    [
        period, CsvWriter.Time(slice.From), CsvWriter.Time(slice.To), f.Label, Count(f.PostsPublished), Count(f.RepliesDelivered), Measured(f.Reach), Measured(f.Engagement),
        Count(f.PositiveMessages), Count(f.NeutralMessages), Count(f.NegativeMessages), CsvWriter.Number(f.NetSentiment), Count(f.Clicks),
        Count(f.Conversions), CsvWriter.Number(f.Csat), Count(f.CsatAnswers), CsvWriter.Number(f.Effort), Count(f.EffortAnswers), CsvWriter.Number(f.Nps),
        Count(f.Promoters), Count(f.Passives), Count(f.Detractors), Count(f.Recommends), Count(f.AdvisesAgainst), Count(f.NegativeOpenings),
        Count(f.Recovered), Count(f.Complaints), Count(f.ComplaintsResolved), Money.InCsv(f.Revenue), Count(f.ThreatenedToLeave), Count(f.Stayed),
        Measured(f.Applause),
    ];

    private static readonly string?[] CampaignHeader = ["period", "from", "to", "campaign", "posts_published", "replies_delivered", "clicks", "conversions", "revenue", "reach", "engagement"];

    private static string?[] CampaignRow(string period, OutcomeSlice slice, CampaignOutcome c) =>
    [
        period, CsvWriter.Time(slice.From), CsvWriter.Time(slice.To), c.Campaign, Count(c.PostsPublished), Count(c.RepliesDelivered), Count(c.Clicks), Count(c.Conversions),
        Money.InCsv(c.Revenue), Measured(c.Reach), Measured(c.Engagement),
    ];

    private static IEnumerable<string?[]> SummaryRows(OutcomeFigures now, OutcomeFigures before)
    {
        string?[] Row(string stage, string figure, Func<OutcomeFigures, string> value) => [stage, figure, value(now), value(before)];
        yield return Row("outputs", "posts_published", f => Count(f.PostsPublished));
        yield return Row("outputs", "replies_delivered", f => Count(f.RepliesDelivered));
        yield return Row("out-takes", "reach", f => Measured(f.Reach));
        yield return Row("out-takes", "engagement", f => Measured(f.Engagement));
        yield return Row("out-takes", "applause", f => Measured(f.Applause));
        yield return Row("out-takes", "net_sentiment", f => CsvWriter.Number(f.NetSentiment));
        yield return Row("outcomes", "clicks", f => Count(f.Clicks));
        yield return Row("outcomes", "conversions", f => Count(f.Conversions));
        yield return Row("outcomes", "csat", f => CsvWriter.Number(f.Csat));
        yield return Row("outcomes", "effort", f => CsvWriter.Number(f.Effort));
        yield return Row("outcomes", "nps", f => CsvWriter.Number(f.Nps));
        yield return Row("outcomes", "promoters", f => Count(f.Promoters));
        yield return Row("outcomes", "passives", f => Count(f.Passives));
        yield return Row("outcomes", "detractors", f => Count(f.Detractors));
        yield return Row("outcomes", "recommends", f => Count(f.Recommends));
        yield return Row("outcomes", "advises_against", f => Count(f.AdvisesAgainst));
        yield return Row("outcomes", "sentiment_recovered", f => $"{Count(f.Recovered)}/{Count(f.NegativeOpenings)}");
        yield return Row("outcomes", "complaints_resolved", f => $"{Count(f.ComplaintsResolved)}/{Count(f.Complaints)}");
        yield return Row("impact", "revenue", f => Money.InCsv(f.Revenue));
        yield return Row("impact", "threatened_to_leave_and_stayed", f => $"{Count(f.Stayed)}/{Count(f.ThreatenedToLeave)}");
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Not measured is a word, never an empty cell or a zero a spreadsheet would add up.</summary>
    private static string Measured(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "not measured";

}
