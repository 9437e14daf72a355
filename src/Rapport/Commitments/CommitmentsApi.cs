using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Listening;
using Rapport.Reports;
using Rapport.Workspaces;

namespace Rapport.Commitments;

/// <summary>Expectations, commitments and the public page's switch: analysts read, admins write (docs/api.md, "Expectations and commitments").</summary>
public static class CommitmentsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.MapGet("/expectations", ExpectationsAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("The societal themes people raise, built-in and the workspace's theme topics: mentions by sentiment against the period before, commitments per theme and the latest quotes; every mention or one topic's. Dates are the workspace's days, both ends included (default: the last 30).");
        workspace.MapGet("/expectations/{chart}.csv", ExpectationsCsvAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("The expectations' table as CSV (chart: themes).");
        workspace.MapGet("/commitments", ListAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("The brand's commitments with their progress, updates, overdue and off-track flags, and what people say about each.");
        workspace.MapGet("/commitments/{commitmentId:guid}", GetAsync).RequireAuthorization(Policies.Analyst).WithSummary("A commitment.");
        workspace.MapPost("/commitments", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Creates a commitment.");
        workspace.MapPut("/commitments/{commitmentId:guid}", UpdateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Changes a commitment: what the request names changes, the rest stays.");
        workspace.MapDelete("/commitments/{commitmentId:guid}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a commitment and its updates.");
        workspace.MapPost("/commitments/{commitmentId:guid}/updates", AddUpdateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Adds a dated progress update, with the figure reached and a link to the evidence.");
        workspace.MapDelete("/commitments/{commitmentId:guid}/updates/{updateId:guid}", DeleteUpdateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Deletes a progress update.");
        workspace.MapGet("/transparency", SettingsAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("Whether the public transparency page is on, and its path.");
        workspace.MapPut("/transparency", SetSettingsAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Turns the public transparency page on or off (off by default).");
    }

    private static async Task<Results<Ok<ExpectationsDto>, ValidationProblem, ProblemHttpResult>> ExpectationsAsync(
        Guid workspaceId, Guid? topicId, DateOnly? from, DateOnly? to, RapportDbContext db, Expectations expectations, CancellationToken ct)
    {
        if (DashboardPeriod.Of(from, to, DashboardStep.Day, await expectations.TodayAsync(db, workspaceId, ct)) is not { } period)
        {
            return InvalidPeriod();
        }
        return await expectations.ReadAsync(db, workspaceId, topicId, period, ct) is { } read ? TypedResults.Ok(read) : Problems.NotFound("Topic");
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ExpectationsCsvAsync(
        Guid workspaceId, string chart, Guid? topicId, DateOnly? from, DateOnly? to, RapportDbContext db, Expectations expectations, CancellationToken ct)
    {
        if (chart != "themes")
        {
            return Problems.NotFound("Chart");
        }
        if (DashboardPeriod.Of(from, to, DashboardStep.Day, await expectations.TodayAsync(db, workspaceId, ct)) is not { } period)
        {
            return InvalidPeriod();
        }
        if (await expectations.ReadAsync(db, workspaceId, topicId, period, ct) is not { } read)
        {
            return Problems.NotFound("Topic");
        }
        var scope = read.TopicId is { } id ? "topic-" + id.ToString("N")[..8] : "all-topics";
        var name = $"expectations-{scope}-{read.From:yyyy-MM-dd}-{read.To:yyyy-MM-dd}.csv";
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(Csv(read)), "text/csv; charset=utf-8", name);
    }

    /// <summary>The expectations' table, through the reports' writer (a theme topic's name cannot run as a formula).</summary>
    public static string Csv(ExpectationsDto read)
    {
        ArgumentNullException.ThrowIfNull(read);
        static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
        IEnumerable<IReadOnlyList<string?>> rows =
        [
            ["theme_id", "theme", "built_in", "mentions", "positive", "neutral", "negative", "net_sentiment", "previous_mentions", "change", "commitments", "heard_without_commitment"],
            .. read.Themes.Select(t => new[]
            {
                t.Id, t.Name, t.BuiltIn ? "true" : "false", N(t.Counts.Mentions), N(t.Counts.Positive), N(t.Counts.Neutral), N(t.Counts.Negative),
                CsvWriter.Number(t.Counts.NetSentiment), N(t.Previous.Mentions), CsvWriter.Number(t.Change), N(t.Commitments), t.HeardWithoutCommitment ? "true" : "false",
            }),
        ];
        return CsvWriter.Write(rows);
    }

    private static ValidationProblem InvalidPeriod() =>
        Problems.Invalid("from", $"The period runs forward (from on or before to, as yyyy-MM-dd) and covers at most {DashboardPeriod.MaxDays} days.");

    private static async Task<Ok<List<CommitmentDto>>> ListAsync(Guid workspaceId, RapportDbContext db, CommitmentService commitments, CancellationToken ct) =>
        TypedResults.Ok(await commitments.ListAsync(db, workspaceId, ct));

    private static async Task<Results<Ok<CommitmentDto>, ProblemHttpResult>> GetAsync(Guid workspaceId, Guid commitmentId, RapportDbContext db, CommitmentService commitments, CancellationToken ct) =>
        await commitments.GetAsync(db, workspaceId, commitmentId, ct) is { } c ? TypedResults.Ok(c) : Problems.NotFound("Commitment");

    private static async Task<Results<Created<CommitmentDto>, ValidationProblem>> CreateAsync(
        Guid workspaceId, CommitmentRequest request, RapportDbContext db, CommitmentService commitments, HttpContext http, CancellationToken ct)
    {
        var change = await commitments.CreateAsync(db, http.Member(), http.User.Identity?.Name, request, ct);
        if (!change.Saved)
        {
            return Problems.Invalid(change.Violations);
        }
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/commitments/{change.Commitment!.Id}", (await commitments.GetAsync(db, workspaceId, change.Commitment.Id, ct))!);
    }

    private static async Task<Results<Ok<CommitmentDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid workspaceId, Guid commitmentId, CommitmentRequest request, RapportDbContext db, CommitmentService commitments, HttpContext http, CancellationToken ct)
    {
        var change = await commitments.ChangeAsync(db, http.Member(), http.User.Identity?.Name, commitmentId, request, ct);
        if (change == CommitmentChange.NotFound)
        {
            return Problems.NotFound("Commitment");
        }
        if (!change.Saved)
        {
            return Problems.Invalid(change.Violations);
        }
        return TypedResults.Ok((await commitments.GetAsync(db, workspaceId, commitmentId, ct))!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid commitmentId, RapportDbContext db, CommitmentService commitments, HttpContext http, CancellationToken ct) =>
        (await commitments.DeleteAsync(db, http.Member(), http.User.Identity?.Name, commitmentId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Commitment");

    private static async Task<Results<Created<CommitmentUpdateDto>, ValidationProblem, ProblemHttpResult>> AddUpdateAsync(
        Guid workspaceId, Guid commitmentId, CommitmentUpdateRequest request, RapportDbContext db, CommitmentService commitments, HttpContext http, CancellationToken ct)
    {
        var change = await commitments.AddUpdateAsync(db, http.Member(), http.User.Identity?.Name, commitmentId, request, ct);
        if (change == CommitmentUpdateChange.NotFound)
        {
            return Problems.NotFound("Commitment");
        }
        if (!change.Saved)
        {
            return Problems.Invalid(change.Violations);
        }
        var u = change.Update!;
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/commitments/{commitmentId}/updates/{u.Id}",
            new CommitmentUpdateDto(u.Id, u.On, u.Value, u.TextFr, u.TextEn, u.EvidenceUrl, u.CreatedAt));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteUpdateAsync(
        Guid commitmentId, Guid updateId, RapportDbContext db, CommitmentService commitments, HttpContext http, CancellationToken ct) =>
        (await commitments.DeleteUpdateAsync(db, http.Member(), http.User.Identity?.Name, commitmentId, updateId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Update");

    private static async Task<Ok<TransparencySettingsDto>> SettingsAsync(Guid workspaceId, RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await CommitmentService.SettingsAsync(db, workspaceId, ct));

    private static async Task<Ok<TransparencySettingsDto>> SetSettingsAsync(
        TransparencyRequest request, RapportDbContext db, CommitmentService commitments, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await commitments.SetPublicPageAsync(db, http.Member(), http.User.Identity?.Name, request.PublicPage, ct));
}

/// <summary>The commitments' services, registered with the application's, and the public page's feed.</summary>
public static class CommitmentsSetup
{
    public static IServiceCollection AddCommitments(this IServiceCollection services)
    {
        services.AddScoped<Expectations>();
        services.AddScoped<CommitmentService>();
        return services;
    }
}
