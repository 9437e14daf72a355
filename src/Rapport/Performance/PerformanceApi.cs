using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Reports;

namespace Rapport.Performance;

/// <summary>One reading of a post's figures: when, from where (the network or a partner's webhook), and the figures.</summary>
public sealed record PostReadingDto(DateTime At, MetricsSource Source, PostFigures Figures);

/// <summary>A post's performance and every reading kept of it, oldest first.</summary>
public sealed record PostMetricsDto(PostPerformanceRow Post, IReadOnlyList<PostReadingDto> Readings);

/// <summary>Post performance over the API: read by every member (analysts included), like the other reports.</summary>
public static class PerformanceApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/reports/posts", PostsAsync)
            .WithSummary("The posts published in a period (default: the last 30 days), newest first, with their latest figures, followers and derived rates (amplification, conversation, earned share, applause) and their usefulness score.");
        workspace.MapGet("/reports/posts.csv", PostsCsvAsync)
            .WithSummary("The posts performance table as CSV; a figure the network does not give is written \"not given\".");
        workspace.MapGet("/posts/{postId:guid}/metrics", PostMetricsAsync)
            .WithSummary("One published post's performance and every reading of its figures kept since it was published.");
    }

    private static async Task<Results<Ok<List<PostPerformanceRow>>, ValidationProblem>> PostsAsync(
        Guid workspaceId, DateTime? from, DateTime? to, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (start, end) = OutcomesApi.Period(from, to, clock);
        if (OutcomeReports.CheckPeriod(start, end) is { } problem)
        {
            return Problems.Invalid("to", problem);
        }
        return TypedResults.Ok(await PostPerformanceReport.ListAsync(db, workspaceId, start, end, ct));
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem>> PostsCsvAsync(
        Guid workspaceId, DateTime? from, DateTime? to, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (start, end) = OutcomesApi.Period(from, to, clock);
        if (OutcomeReports.CheckPeriod(start, end) is { } problem)
        {
            return Problems.Invalid("to", problem);
        }
        var rows = await PostPerformanceReport.ListAsync(db, workspaceId, start, end, ct);
        var name = $"posts-performance-{start:yyyy-MM-dd}-{end:yyyy-MM-dd}.csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(ToCsv(rows)), "text/csv; charset=utf-8", name);
    }

    private static async Task<Results<Ok<PostMetricsDto>, ProblemHttpResult>> PostMetricsAsync(
        Guid workspaceId, Guid postId, RapportDbContext db, CancellationToken ct)
    {
        var row = (await PostPerformanceReport.ForPostsAsync(db, workspaceId, [postId], ct)).FirstOrDefault();
        if (row is null)
        {
            return Problems.NotFound("Post");
        }
        var readings = await PostPerformanceReport.HistoryAsync(db, workspaceId, postId, ct);
        return TypedResults.Ok(new PostMetricsDto(row, [.. readings.Select(r => new PostReadingDto(r.At, r.Source, r.Figures))]));
    }

    public static string ToCsv(IEnumerable<PostPerformanceRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        string?[] header =
        [
            "published_at", "channel", "post_id", "external_id", "draft", "usefulness_score", "measured_at", "shares", "replies", "quotes", "saves",
            "clicks", "impressions", "reach", "reach_organic", "reach_viral", "reach_paid", "followers", "amplification_rate", "conversation_rate",
            "earned_share", "link_clicks", "conversions", "revenue", "likes", "applause_rate", "deleted", "last_error",
        ];
        return CsvWriter.Write([header, .. rows.Select(r => new string?[]
        {
            CsvWriter.Time(r.PublishedAt), r.ChannelName, r.PostId.ToString(), r.ExternalId, r.DraftTitle, r.UsefulnessScore?.ToString(CultureInfo.InvariantCulture),
            r.MeasuredAt is { } at ? CsvWriter.Time(at) : "not measured yet", Given(r.Shares), Given(r.Replies), Given(r.Quotes), Given(r.Saves), Given(r.Clicks),
            Given(r.Impressions), Given(r.Reach), Given(r.ReachOrganic), Given(r.ReachViral), Given(r.ReachPaid), Given(r.Followers),
            CsvWriter.Number(r.AmplificationRate), CsvWriter.Number(r.ConversationRate), CsvWriter.Number(r.EarnedShare),
            r.LinkClicks.ToString(CultureInfo.InvariantCulture), r.Conversions.ToString(CultureInfo.InvariantCulture),
            Money.InCsv(r.Revenue), Given(r.Likes),
            CsvWriter.Number(r.ApplauseRate), r.Deleted ? "yes" : "no", r.LastError,
        })]);
    }

    /// <summary>A figure the network does not give is a word, never an empty cell or a zero a spreadsheet would add up.</summary>
    private static string Given(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "not given";
}
