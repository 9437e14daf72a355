using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Data;
using Rapport.Events;
using Rapport.KnowledgeBase;
using Rapport.Workspaces;

namespace Rapport.Content;

/// <summary>The content studio over HTTP: ideas, drafts and their workflow, reviews, the calendar (docs/api.md, "Content").</summary>
public static class ContentApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.MapGet("/ideas", IdeasAsync).RequireAuthorization(Policies.Analyst).WithSummary("The idea board: ideas with their status and the real messages behind them.");
        workspace.MapGet("/ideas/suggestions", SuggestionsAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("Questions customers keep asking that nothing answers yet, grouped, with their count: ideas waiting to be taken.");
        workspace.MapPost("/ideas", CreateIdeaAsync).RequireAuthorization(Policies.Agent).WithSummary("Writes an idea.");
        workspace.MapPost("/ideas/from-question", FromQuestionAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Makes an idea of a suggested question group; it keeps links to the real messages and their count.");
        workspace.MapGet("/ideas/listening", ListeningSuggestionsAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("What listening heard that no idea takes yet: themes raised with no commitment, commitments due for an update, with their mentions' count and the latest of them.");
        workspace.MapPost("/ideas/from-listening", FromListeningAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Makes an idea of a listening suggestion (source Expectation or Commitment, and its key); it keeps links to the mentions and their count.");
        workspace.MapPut("/ideas/{ideaId:guid}", ChangeIdeaAsync).RequireAuthorization(Policies.Agent).WithSummary("Changes an idea's title, notes or status (new, planned, drafted, dropped).");
        workspace.MapGet("/drafts", DraftsAsync).RequireAuthorization(Policies.Analyst).WithSummary("Drafts, latest changed first, with their status and usefulness score.");
        workspace.MapGet("/drafts/{draftId:guid}", DraftAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("A draft with its variants, history and comments, and the review of each variant.");
        workspace.MapPost("/drafts", CreateDraftAsync).RequireAuthorization(Policies.Agent).WithSummary("Writes a draft with one variant per publishing channel.");
        workspace.MapPut("/drafts/{draftId:guid}", EditDraftAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Changes a draft; an approved or scheduled draft that changes goes back to review.");
        workspace.MapDelete("/drafts/{draftId:guid}", DeleteDraftAsync).RequireAuthorization(Policies.Agent).WithSummary("Deletes a draft not yet published.");
        workspace.MapPost("/drafts/{draftId:guid}/submit", SubmitAsync).RequireAuthorization(Policies.Agent).WithSummary("Sends a draft to review; its findings never block it.");
        workspace.MapPost("/drafts/{draftId:guid}/approve", ApproveAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Approves a draft in review, as the workspace's approval rule allows; two approvals at once make one (409 for the second).");
        workspace.MapPost("/drafts/{draftId:guid}/schedule", ScheduleAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Schedules an approved draft at a local time in the workspace's time zone; a past time or one in a DST gap is refused.");
        workspace.MapPost("/drafts/{draftId:guid}/retry", RetryAsync).RequireAuthorization(Policies.Agent).WithSummary("Publishes a failed draft's failed variants again.");
        workspace.MapPost("/drafts/{draftId:guid}/link", LinkAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Gives each variant not yet published a tracked link (/l/{code}) to the target, with the network as UTM source and the draft's campaign, and puts it in the text; its clicks count for the post.");
        workspace.MapPost("/drafts/{draftId:guid}/comments", CommentAsync).RequireAuthorization(Policies.Agent).WithSummary("Adds a comment to a draft's history.");
        workspace.MapPost("/content/review", ReviewAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("Reviews any text: findings line by line in the caller's language, and a usefulness score from 0 to 100 with its reasons. Saves nothing.");
        workspace.MapGet("/content/calendar", CalendarAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("A month (year, month) in the workspace's time zone: each day's scheduled and published drafts and world days.");
        workspace.MapGet("/content/calendar/week", WeekAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("The week (Monday to Sunday) that holds a day (day=yyyy-MM-dd), in the workspace's time zone: each day's drafts and world days. To move a scheduled draft, POST its schedule again.");
        workspace.MapGet("/content/settings", SettingsAsync).RequireAuthorization(Policies.Analyst).WithSummary("Who may approve, and the words the brand avoids.");
        workspace.MapPut("/content/settings", SaveSettingsAsync).RequireAuthorization(Policies.Admin).WithSummary("Changes who may approve and the words the brand avoids.");
    }

    private static ValidationProblem Invalid(RuleViolation violation) => Problems.Invalid(violation);

    /// <summary>A workflow rule broken by the draft's state (not by the request's shape) is a conflict; who may act is 403.</summary>
    private static ProblemHttpResult Refused(RuleViolation violation) => violation.Field switch
    {
        "approver" => Problems.Forbidden(violation.Message),
        _ => Problems.Conflict("Draft", violation.Message),
    };

    private static async Task<Ok<List<IdeaDto>>> IdeasAsync(RapportDbContext db, ContentService content, CancellationToken ct) =>
        TypedResults.Ok(await content.IdeasAsync(db, ct));

    private static async Task<Ok<List<UnansweredQuestionGroup>>> SuggestionsAsync(RapportDbContext db, ContentService content, CancellationToken ct) =>
        TypedResults.Ok(await content.SuggestionsAsync(db, ct));

    private static async Task<Results<Created<IdeaDto>, ValidationProblem>> CreateIdeaAsync(
        Guid workspaceId, IdeaRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct)
    {
        var change = await content.CreateIdeaAsync(db, http.Member(), request, ct);
        if (!change.Saved)
        {
            return Invalid(change.Violation!);
        }
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/ideas/{change.Item!.Id}", (await content.IdeaAsync(db, change.Item.Id, ct))!);
    }

    private static async Task<Results<Created<IdeaDto>, ValidationProblem>> FromQuestionAsync(
        Guid workspaceId, IdeaFromQuestionRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct)
    {
        var change = await content.CreateIdeaFromQuestionAsync(db, http.Member(), request.Question, ct);
        if (!change.Saved)
        {
            return Invalid(change.Violation!);
        }
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/ideas/{change.Item!.Id}", (await content.IdeaAsync(db, change.Item.Id, ct))!);
    }

    private static async Task<Ok<List<ListeningIdeaDto>>> ListeningSuggestionsAsync(Guid workspaceId, RapportDbContext db, ContentService content, CancellationToken ct) =>
        TypedResults.Ok(await content.ListeningSuggestionsAsync(db, workspaceId, ct));

    private static async Task<Results<Created<IdeaDto>, ValidationProblem>> FromListeningAsync(
        Guid workspaceId, IdeaFromListeningRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct)
    {
        var change = await content.CreateIdeaFromListeningAsync(db, http.Member(), request, ct);
        if (!change.Saved)
        {
            return Invalid(change.Violation!);
        }
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/ideas/{change.Item!.Id}", (await content.IdeaAsync(db, change.Item.Id, ct))!);
    }

    private static async Task<Results<Ok<IdeaDto>, ValidationProblem, ProblemHttpResult>> ChangeIdeaAsync(
        Guid ideaId, IdeaRequest request, RapportDbContext db, ContentService content, CancellationToken ct)
    {
        var change = await content.ChangeIdeaAsync(db, ideaId, request, ct);
        if (change is { Item: null, Violation: null })
        {
            return Problems.NotFound("Idea");
        }
        return change.Saved ? TypedResults.Ok((await content.IdeaAsync(db, ideaId, ct))!) : Invalid(change.Violation!);
    }

    private static async Task<Ok<List<DraftDto>>> DraftsAsync(DraftStatus? status, RapportDbContext db, ContentService content, CancellationToken ct) =>
        TypedResults.Ok(await content.DraftsAsync(db, status, ct));

    private static async Task<Results<Ok<DraftDetailsDto>, ProblemHttpResult>> DraftAsync(Guid draftId, RapportDbContext db, ContentService content, CancellationToken ct) =>
        await content.DraftAsync(db, draftId, ct) is { } draft ? TypedResults.Ok(draft) : Problems.NotFound("Draft");

    private static async Task<Results<Created<DraftDetailsDto>, ValidationProblem>> CreateDraftAsync(
        Guid workspaceId, DraftRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct)
    {
        var change = await content.CreateDraftAsync(db, http.Member(), http.User.Identity?.Name, request, ct);
        if (!change.Saved)
        {
            return Invalid(change.Violation!);
        }
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/drafts/{change.Item!.Id}", (await content.DraftAsync(db, change.Item.Id, ct))!);
    }

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> EditDraftAsync(
        Guid draftId, DraftRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct) =>
        await Answer(db, content, draftId, await content.EditDraftAsync(db, http.Member(), http.User.Identity?.Name, draftId, request, ct), ct);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteDraftAsync(Guid draftId, RapportDbContext db, ContentService content, CancellationToken ct)
    {
        var change = await content.DeleteDraftAsync(db, draftId, ct);
        if (change is { Item: null, Violation: null })
        {
            return Problems.NotFound("Draft");
        }
        return change.Saved ? TypedResults.NoContent() : Refused(change.Violation!);
    }

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        Guid draftId, WorkflowRequest? request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct) =>
        await Answer(db, content, draftId, await content.SubmitAsync(db, http.Member(), http.User.Identity?.Name, draftId, request?.Version, ct), ct);

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> ApproveAsync(
        Guid draftId, WorkflowRequest? request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct) =>
        await Answer(db, content, draftId, await content.ApproveAsync(db, http.Member(), http.User.Identity?.Name, draftId, request?.Version, ct), ct);

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> ScheduleAsync(
        Guid draftId, ScheduleRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct) =>
        await Answer(db, content, draftId, await content.ScheduleAsync(db, http.Member(), http.User.Identity?.Name, draftId, request.LocalTime, request.Version, ct), ct);

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> RetryAsync(
        Guid draftId, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct) =>
        await Answer(db, content, draftId, await content.RetryAsync(db, http.Member(), http.User.Identity?.Name, draftId, ct), ct);

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> LinkAsync(
        Guid draftId, DraftLinkRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct) =>
        await Answer(db, content, draftId, await content.AddTrackedLinkAsync(db, http.Member(), http.User.Identity?.Name, draftId, request, ct), ct);

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> CommentAsync(
        Guid draftId, CommentRequest request, RapportDbContext db, ContentService content, HttpContext http, CancellationToken ct)
    {
        var change = await content.CommentAsync(db, http.Member(), http.User.Identity?.Name, draftId, request.Text, ct);
        if (change is { Item: null, Violation: null })
        {
            return Problems.NotFound("Draft");
        }
        return change.Saved ? TypedResults.Ok((await content.DraftAsync(db, draftId, ct))!) : Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<DraftDetailsDto>, ValidationProblem, ProblemHttpResult>> Answer(
        RapportDbContext db, ContentService content, Guid draftId, Change<Draft> change, CancellationToken ct)
    {
        if (change is { Item: null, Violation: null })
        {
            return Problems.NotFound("Draft");
        }
        if (!change.Saved)
        {
            // The request's own values (a title, a time) are a 400; the draft's state or someone else's change, a 409.
            return change.Violation!.Field is "status" or "version" or "approver" ? Refused(change.Violation) : Invalid(change.Violation);
        }
        return TypedResults.Ok((await content.DraftAsync(db, draftId, ct))!);
    }

    private static async Task<Ok<ReviewDto>> ReviewAsync(Guid workspaceId, ReviewRequest request, RapportDbContext db, ContentService content, CancellationToken ct) =>
        TypedResults.Ok(await content.ReviewTextAsync(db, workspaceId, request, ct));

    private static async Task<Results<Ok<List<CalendarDayDto>>, ValidationProblem>> CalendarAsync(
        Guid workspaceId, int year, int month, RapportDbContext db, ContentService content, CancellationToken ct)
    {
        if (year is < 2000 or > 2100 || month is < 1 or > 12)
        {
            return Problems.Invalid("month", "A year from 2000 to 2100 and a month from 1 to 12 are required.");
        }
        return TypedResults.Ok(await content.CalendarAsync(db, workspaceId, year, month, ct));
    }

    private static async Task<Results<Ok<List<CalendarDayDto>>, ValidationProblem>> WeekAsync(
        Guid workspaceId, string? day, RapportDbContext db, ContentService content, CancellationToken ct)
    {
        if (!DateOnly.TryParseExact(day ?? "", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date)
            || date.Year is < 2000 or > 2100)
        {
            return Problems.Invalid("day", "A day from 2000 to 2100, written yyyy-MM-dd (2027-03-29), is required.");
        }
        return TypedResults.Ok(await content.WeekAsync(db, workspaceId, date, ct));
    }

    private static async Task<Ok<ContentSettingsDto>> SettingsAsync(Guid workspaceId, RapportDbContext db, CancellationToken ct)
    {
        var settings = await ContentService.SettingsAsync(db, workspaceId, ct);
        return TypedResults.Ok(new ContentSettingsDto(settings.ApprovalRule, settings.WordsToAvoid));
    }

    private static async Task<Results<Ok<ContentSettingsDto>, ValidationProblem>> SaveSettingsAsync(
        Guid workspaceId, ContentSettingsDto request, RapportDbContext db, CancellationToken ct)
    {
        var change = await ContentService.SaveSettingsAsync(db, workspaceId, request, ct);
        return change.Saved ? TypedResults.Ok(new ContentSettingsDto(change.Item!.ApprovalRule, change.Item.WordsToAvoid)) : Invalid(change.Violation!);
    }
}

/// <summary>Keeps a draft up to date the moment the outbox records one of its posts published (in the outbox's own save).</summary>
public sealed class DraftsOnPostPublished(ContentService content) : IEventHandler<PostPublished>
{
    public async Task HandleAsync(PostPublished e, RapportDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(db);
        var draftId = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(
            db.Set<DraftVariant>().Where(v => v.OutboxItemId == e.PostId).Select(v => (Guid?)v.DraftId), ct);
        if (draftId is { } id)
        {
            var item = db.OutboxItems.Local.FirstOrDefault(o => o.Id == e.PostId);
            await content.ReconcileAsync(db, id, item, ct, saveItself: false);
        }
    }
}

/// <summary>The content studio's settings. Bound from "Rapport:Content".</summary>
public sealed class ContentOptions
{
    public const string Section = "Rapport:Content";

    /// <summary>
    /// How often the job "publish-due-posts" looks for drafts whose time has come (default 5 seconds): a post goes out at
    /// most this late. Zero turns the schedule off (the job can still be run from Settings → Jobs).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Rapport:Content:PublishInterval is from 00:00:00 (off) to 01:00:00.")]
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The content studio's services, registered with the application's.</summary>
public static class ContentSetup
{
    public static IServiceCollection AddContent(this IServiceCollection services)
    {
        services.AddOptions<ContentOptions>().BindConfiguration(ContentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PastPosts>();
        services.AddScoped<ContentService>();
        services.AddScoped<IEventHandler<PostPublished>, DraftsOnPostPublished>();
        return services;
    }
}
