using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Satisfaction;

public sealed record SurveyLinkDto(Uri Url, string Token);
public sealed record SurveySettingsDto(bool SendOnResolve, [property: MaxLength(SurveySettings.MaxInvitationLength)] string Invitation, bool AskRecommendation = false);
/// <summary>A survey answer: CSAT 1–5, effort 1–5, and, when the workspace asks it, how likely the customer is to recommend the brand (0–10).</summary>
public sealed record SurveyAnswerRequest(int Csat, int Effort, [property: MaxLength(SurveyResponse.MaxCommentLength)] string? Comment, int? Recommend = null);

/// <summary>Reads, checks and saves the automatic survey invitation, for the API and the settings page alike.</summary>
public static class SurveySetup
{
    /// <summary>The settings of the context's workspace (the defaults until saved).</summary>
    public static async Task<SurveySettingsDto> ReadAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var settings = await db.SurveySettings.AsNoTracking().FirstOrDefaultAsync(ct) ?? new SurveySettings();
        return new SurveySettingsDto(settings.SendOnResolve, settings.Invitation, settings.AskRecommendation);
    }

    public static RuleViolation? Check(SurveySettingsDto request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return string.IsNullOrWhiteSpace(request.Invitation) || request.Invitation.Length > SurveySettings.MaxInvitationLength
            ? new RuleViolation("invitation", "Validation.Survey.Invitation",
                $"An invitation of 1 to {SurveySettings.MaxInvitationLength} characters is required; {SurveySettings.LinkPlaceholder} marks where the link goes.")
            : null;
    }

    /// <summary>Saves checked settings in the context's workspace.</summary>
    public static async Task<SurveySettingsDto> SaveAsync(RapportDbContext db, Guid workspaceId, SurveySettingsDto request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        var settings = await db.SurveySettings.FirstOrDefaultAsync(ct);
        if (settings is null)
        {
            settings = new SurveySettings { WorkspaceId = workspaceId };
            db.SurveySettings.Add(settings);
        }
        settings.SendOnResolve = request.SendOnResolve;
        settings.Invitation = request.Invitation.Trim();
        settings.AskRecommendation = request.AskRecommendation;
        await db.SaveChangesAsync(ct);
        return new SurveySettingsDto(settings.SendOnResolve, settings.Invitation, settings.AskRecommendation);
    }
}

public static class SurveyApi
{
    /// <summary>Agents get a conversation's link; admins set the automatic invitation; anyone with a link answers (rate-limited).</summary>
    public static void Map(RouteGroupBuilder api, RouteGroupBuilder workspace)
    {
        ArgumentNullException.ThrowIfNull(api);
        workspace.MapGet("/conversations/{conversationId:guid}/survey-link", LinkAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("The public satisfaction survey link of a conversation, to insert in a reply.");
        workspace.MapGet("/survey-settings", GetSettingsAsync).WithSummary("Whether the survey is sent on resolution, and its invitation text.");
        workspace.MapPut("/survey-settings", PutSettingsAsync).RequireAuthorization(Policies.Admin).WithSummary("Sets the automatic survey invitation.");
        api.MapPost("/surveys/{token}", AnswerAsync).AllowAnonymous().RequireRateLimiting(RapportHost.SurveyRateLimit)
            .WithSummary("Answers a satisfaction survey (no account): CSAT 1–5, effort 1–5, optional recommendation 0–10 and comment. Once per conversation.");
    }

    private static async Task<Results<Ok<SurveyLinkDto>, ProblemHttpResult>> LinkAsync(Guid workspaceId, Guid conversationId, RapportDbContext db, SurveyLinks links, CancellationToken ct)
    {
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId, ct))
        {
            return Problems.NotFound("Conversation");
        }
        var token = links.TokenFor(workspaceId, conversationId);
        return TypedResults.Ok(new SurveyLinkDto(links.UrlFor(token), token));
    }

    private static async Task<Ok<SurveySettingsDto>> GetSettingsAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await SurveySetup.ReadAsync(db, ct));

    private static async Task<Results<Ok<SurveySettingsDto>, ValidationProblem>> PutSettingsAsync(Guid workspaceId, SurveySettingsDto request, RapportDbContext db, CancellationToken ct)
    {
        if (SurveySetup.Check(request) is { } violation)
        {
            return Problems.Invalid(violation);
        }
        return TypedResults.Ok(await SurveySetup.SaveAsync(db, workspaceId, request, ct));
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> AnswerAsync(string token, SurveyAnswerRequest request, RapportDbContext db, SurveyService surveys, CancellationToken ct) =>
        await surveys.AnswerAsync(db, token, request.Csat, request.Effort, request.Recommend, request.Comment, ct) switch
        {
            SurveyOutcome.Recorded => TypedResults.NoContent(),
            SurveyOutcome.AlreadyAnswered => Problems.Conflict("Already answered", "This survey was already answered. Thank you!"),
            SurveyOutcome.InvalidScore => Problems.Invalid("csat", "Satisfaction and effort are scores from 1 to 5; the recommendation, when given, from 0 to 10."),
            SurveyOutcome.CommentTooLong => Problems.Invalid("comment", $"The comment is limited to {SurveyResponse.MaxCommentLength} characters."),
            _ => Problems.NotFound("Survey"),
        };
}
