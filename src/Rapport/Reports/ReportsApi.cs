using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Reports;

public static class ReportsApi
{
    /// <summary>The longest period one report covers.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/reports/care", CareAsync)
            .WithSummary("Care report for a period (default: the last 30 days), grouped by day, week, agent, team or channel.");
        workspace.MapGet("/reports/care.csv", CareCsvAsync)
            .WithSummary("The care report as CSV (RFC 4180; formula-like cells neutralised).");
    }

    private static async Task<Results<Ok<CareReport>, ValidationProblem>> CareAsync(
        Guid workspaceId, DateTime? from, DateTime? to, ReportGrouping? groupBy, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (Period(from, to, groupBy, clock) is not { } period)
        {
            return Invalid();
        }
        return TypedResults.Ok(await CareReports.ComputeAsync(db, workspaceId, period.From, period.To, period.Grouping, ct));
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem>> CareCsvAsync(
        Guid workspaceId, DateTime? from, DateTime? to, ReportGrouping? groupBy, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (Period(from, to, groupBy, clock) is not { } period)
        {
            return Invalid();
        }
        var report = await CareReports.ComputeAsync(db, workspaceId, period.From, period.To, period.Grouping, ct);
        var name = $"care-{period.From:yyyy-MM-dd}-{period.To:yyyy-MM-dd}-{period.Grouping.ToString().ToLowerInvariant()}.csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(ToCsv(report)), "text/csv; charset=utf-8", name);
    }

    public static string ToCsv(CareReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string?[] header =
        [
            "group", "conversations", "needed_answer", "answered", "response_rate", "first_responses", "first_response_median_s", "first_response_p90_s",
            "first_response_business_median_s", "first_response_business_p90_s", "answered_within_1h", "answered_within_24h", "resolved", "resolution_rate",
            "resolution_median_s", "reopened", "reopen_rate", "csat", "csat_answers", "effort", "effort_answers", "negative_openings", "recovered", "recovery_rate",
        ];
        static string?[] Row(CareMetrics m) =>
        [
            m.Label, Count(m.Conversations), Count(m.NeededAnswer), Count(m.Answered), CsvWriter.Number(m.ResponseRate), Count(m.FirstResponses),
            CsvWriter.Number(m.FirstResponseMedian), CsvWriter.Number(m.FirstResponseP90), CsvWriter.Number(m.FirstResponseBusinessMedian),
            CsvWriter.Number(m.FirstResponseBusinessP90), CsvWriter.Number(m.AnsweredWithin1h), CsvWriter.Number(m.AnsweredWithin24h), Count(m.Resolved),
            CsvWriter.Number(m.ResolutionRate), CsvWriter.Number(m.ResolutionMedian), Count(m.Reopened), CsvWriter.Number(m.ReopenRate), CsvWriter.Number(m.Csat),
            Count(m.CsatAnswers), CsvWriter.Number(m.Effort), Count(m.EffortAnswers), Count(m.NegativeOpenings), Count(m.Recovered), CsvWriter.Number(m.RecoveryRate),
        ];
        return CsvWriter.Write([header, .. report.Groups.Select(Row), Row(report.Total)]);
    }

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static (DateTime From, DateTime To, ReportGrouping Grouping)? Period(DateTime? from, DateTime? to, ReportGrouping? groupBy, TimeProvider clock)
    {
        var end = to is { } t ? Ingest.IngestService.AsUtc(t) : clock.GetUtcNow().UtcDateTime;
        var start = from is { } f ? Ingest.IngestService.AsUtc(f) : end.AddDays(-30);
        var grouping = groupBy ?? ReportGrouping.Day;
        return start < end && end - start <= MaxPeriod && Enum.IsDefined(grouping) ? (start, end, grouping) : null;
    }

    private static ValidationProblem Invalid() =>
        Problems.Invalid("from", $"The period runs forward and covers at most {MaxPeriod.TotalDays} days; groupBy is Day, Week, Agent, Team or Channel.");
}
