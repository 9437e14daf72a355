using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Workspaces;

namespace Rapport.KnowledgeBase;

public sealed record CannedResponseDto(Guid Id, string Name, string Language, string Body, DateTime UpdatedAt);

/// <summary>A canned response filled for one conversation, ready for the composer.</summary>
public sealed record FilledTextDto(string Text);

public sealed record MacroDto(Guid Id, string Name, string? ReplyText, IReadOnlyList<Guid> AddLabelIds, ConversationStatus? Status, Priority? Priority,
    Guid? AssigneeId, DateTime UpdatedAt);

/// <summary>
/// Send the conversation's <c>version</c> you read: a stale one gets 409 and nothing is changed or sent. A macro that
/// resolves a conversation whose last reply is not delivered gets 409 too, unless <c>confirmUndelivered</c> is true.
/// </summary>
public sealed record RunMacroRequest(int? Version, bool? ConfirmUndelivered = null);

/// <summary>The conversation as the macro left it (its new version included) and the reply it queued, if any.</summary>
public sealed record MacroRunDto(Guid ConversationId, int Version, ConversationStatus Status, Priority Priority, Guid? AssigneeId, IReadOnlyList<Guid> LabelIds,
    ReplyResponse? Reply);

/// <summary>The composer's saved replies (canned responses) and macros.</summary>
public static class ComposerApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/canned-responses", ListCannedAsync).WithSummary("Canned responses, by name.");
        workspace.MapPost("/canned-responses", CreateCannedAsync).RequireAuthorization(Policies.Agent).WithSummary("Saves a canned response.");
        workspace.MapPut("/canned-responses/{cannedResponseId:guid}", UpdateCannedAsync).RequireAuthorization(Policies.Agent).WithSummary("Edits a canned response.");
        workspace.MapDelete("/canned-responses/{cannedResponseId:guid}", DeleteCannedAsync).RequireAuthorization(Policies.Agent).WithSummary("Deletes a canned response.");
        workspace.MapGet("/conversations/{conversationId:guid}/canned-responses/{cannedResponseId:guid}", FillAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("A canned response with its placeholders filled for this conversation and the caller.");
        workspace.MapGet("/macros", ListMacrosAsync).WithSummary("Macros, by name.");
        workspace.MapPost("/macros", CreateMacroAsync).RequireAuthorization(Policies.Admin).WithSummary("Saves a macro.");
        workspace.MapPut("/macros/{macroId:guid}", UpdateMacroAsync).RequireAuthorization(Policies.Admin).WithSummary("Edits a macro.");
        workspace.MapDelete("/macros/{macroId:guid}", DeleteMacroAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a macro.");
        workspace.MapPost("/conversations/{conversationId:guid}/macros/{macroId:guid}/run", RunAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Applies a macro: labels, status, priority, assignee, then its reply through the outbox; optimistic concurrency on version.");
    }

    private static CannedResponseDto ToDto(CannedResponse c) => new(c.Id, c.Name, c.Language, c.Body, c.UpdatedAt);

    private static MacroDto ToDto(Macro m) => new(m.Id, m.Name, m.ReplyText, m.AddLabelIds, m.Status, m.Priority, m.AssigneeId, m.UpdatedAt);

    private static async Task<Ok<List<CannedResponseDto>>> ListCannedAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.CannedResponses.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct)).Select(ToDto).ToList());

    private static async Task<Results<Created<CannedResponseDto>, ValidationProblem>> CreateCannedAsync(
        Guid workspaceId, CannedResponseInput request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveCannedResponseAsync(db, http.Member(), http.User.Identity?.Name, null, request, ct);
        return change.Item is { } canned
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/canned-responses/{canned.Id}", ToDto(canned))
            : Problems.Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<CannedResponseDto>, ValidationProblem, ProblemHttpResult>> UpdateCannedAsync(
        Guid cannedResponseId, CannedResponseInput request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveCannedResponseAsync(db, http.Member(), http.User.Identity?.Name, cannedResponseId, request, ct);
        return change switch
        {
            { Item: { } canned } => TypedResults.Ok(ToDto(canned)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Canned response"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteCannedAsync(
        Guid cannedResponseId, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct) =>
        (await knowledge.DeleteCannedResponseAsync(db, http.Member(), http.User.Identity?.Name, cannedResponseId, ct)).Saved
            ? TypedResults.NoContent()
            : Problems.NotFound("Canned response");

    private static async Task<Results<Ok<FilledTextDto>, ProblemHttpResult>> FillAsync(
        Guid conversationId, Guid cannedResponseId, HttpContext http, RapportDbContext db, CancellationToken ct)
    {
        var canned = await db.CannedResponses.AsNoTracking().FirstOrDefaultAsync(c => c.Id == cannedResponseId, ct);
        if (canned is null)
        {
            return Problems.NotFound("Canned response");
        }
        var values = await Placeholders.ForConversationAsync(db, conversationId, await ActorNameAsync(http, db, ct), ct);
        return values is null ? Problems.NotFound("Conversation") : TypedResults.Ok(new FilledTextDto(Placeholders.Fill(canned.Body, values)));
    }

    private static async Task<Ok<List<MacroDto>>> ListMacrosAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.Macros.AsNoTracking().OrderBy(m => m.Name).ToListAsync(ct)).Select(ToDto).ToList());

    private static async Task<Results<Created<MacroDto>, ValidationProblem>> CreateMacroAsync(
        Guid workspaceId, MacroInput request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveMacroAsync(db, http.Member(), http.User.Identity?.Name, null, request, ct);
        return change.Item is { } macro
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/macros/{macro.Id}", ToDto(macro))
            : Problems.Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<MacroDto>, ValidationProblem, ProblemHttpResult>> UpdateMacroAsync(
        Guid macroId, MacroInput request, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct)
    {
        var change = await knowledge.SaveMacroAsync(db, http.Member(), http.User.Identity?.Name, macroId, request, ct);
        return change switch
        {
            { Item: { } macro } => TypedResults.Ok(ToDto(macro)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Macro"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteMacroAsync(
        Guid macroId, HttpContext http, RapportDbContext db, KnowledgeBaseService knowledge, CancellationToken ct) =>
        (await knowledge.DeleteMacroAsync(db, http.Member(), http.User.Identity?.Name, macroId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Macro");

    private static async Task<Results<Ok<MacroRunDto>, ValidationProblem, ProblemHttpResult>> RunAsync(
        Guid conversationId, Guid macroId, RunMacroRequest request, HttpContext http, RapportDbContext db, MacroRunner runner, CancellationToken ct)
    {
        if (request.Version is not { } version)
        {
            return Problems.Invalid("version", "Send the conversation's version you read, so a colleague's change is not overwritten.");
        }
        var result = await runner.RunAsync(db, conversationId, macroId, version, http.Member().UserId, await ActorNameAsync(http, db, ct), ct,
            request.ConfirmUndelivered == true);
        if (result.Outcome.Problem is { } problem)
        {
            return problem;
        }
        if (result.Outcome.Invalid is { } invalid)
        {
            return invalid;
        }
        var c = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId)
            .Select(c => new { c.Version, c.Status, c.Priority, c.AssigneeId, Labels = c.Labels.Select(l => l.LabelId).ToList() })
            .FirstAsync(ct);
        var reply = result.Reply is { } message ? new ReplyResponse(message.Id, message.DeliveryStatus, message.DeliveryError) : null;
        return TypedResults.Ok(new MacroRunDto(conversationId, c.Version, c.Status, c.Priority, c.AssigneeId, c.Labels, reply));
    }

    /// <summary>The caller's display name, as replies are signed (the API's fallback when a token has none).</summary>
    private static async Task<string> ActorNameAsync(HttpContext http, RapportDbContext db, CancellationToken ct)
    {
        var userId = http.Member().UserId;
        var name = userId is { } id ? await db.Users.Where(u => u.Id == id).Select(u => u.DisplayName).FirstOrDefaultAsync(ct) : null;
        return string.IsNullOrWhiteSpace(name) ? http.User.Identity?.Name ?? "API" : name;
    }
}
