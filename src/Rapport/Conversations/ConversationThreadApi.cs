using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Conversations;

/// <summary>A private note; "@Display Name" or "@local-part" of a member's e-mail notifies them.</summary>
public sealed record NoteRequest([property: MaxLength(Ingest.IngestService.MaxTextLength)] string? Text);

public sealed record MentionDto(Guid UserId, string DisplayName);

public sealed record NoteResponse(Guid MessageId, IReadOnlyList<MentionDto> Mentioned);

/// <summary>Moves every message of this conversation into <c>targetId</c> (same contact). Send the <c>version</c> you read.</summary>
public sealed record MergeRequest(Guid TargetId, int? Version);

/// <summary>Notes, merging and the audit trail of one conversation.</summary>
public static class ConversationThreadApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapPost("/conversations/{conversationId:guid}/notes", NoteAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Adds a private note (never sent to the customer); @mentions notify the members named.");
        workspace.MapPost("/conversations/{conversationId:guid}/merge", MergeAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Merges this conversation into another of the same contact: its messages move there and it is closed with a link.");
        workspace.MapGet("/conversations/{conversationId:guid}/audit", AuditAsync)
            .WithSummary("Who assigned, resolved, labelled, merged or noted this conversation, and when; newest first.");
    }

    private static async Task<Results<Created<NoteResponse>, ValidationProblem, ProblemHttpResult>> NoteAsync(
        Guid workspaceId, Guid conversationId, NoteRequest request, HttpContext http, RapportDbContext db, ConversationNotes notes, CancellationToken ct)
    {
        var userId = http.Member().UserId;
        var author = userId is { } id ? await db.Users.Where(u => u.Id == id).Select(u => u.DisplayName).FirstOrDefaultAsync(ct) : null;
        var result = await notes.AddAsync(db, conversationId, userId, string.IsNullOrWhiteSpace(author) ? http.User.Identity?.Name ?? "API" : author,
            request.Text ?? "", ct);
        return result.Result switch
        {
            { Problem: { } problem } => problem,
            { Invalid: { } invalid } => invalid,
            _ => TypedResults.Created($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/messages",
                new NoteResponse(result.Note!.Id, result.Mentioned.Select(m => new MentionDto(m.UserId, m.DisplayName)).ToList())),
        };
    }

    private static async Task<Results<Ok<ConversationDto>, ValidationProblem, ProblemHttpResult>> MergeAsync(
        Guid workspaceId, Guid conversationId, MergeRequest request, HttpContext http, RapportDbContext db, ConversationMerge merge, CancellationToken ct)
    {
        var result = await merge.MergeAsync(db, conversationId, request.TargetId, request.Version, http.Member().UserId, http.User.Identity?.Name, ct);
        if (result.Problem is { } problem)
        {
            return problem;
        }
        if (result.Invalid is { } invalid)
        {
            return invalid;
        }
        return TypedResults.Ok(await db.Conversations.Where(c => c.Id == request.TargetId).Select(ConversationsApi.ToDto).FirstAsync(ct));
    }

    private static async Task<Results<Ok<List<ConversationAuditDto>>, ProblemHttpResult>> AuditAsync(
        Guid workspaceId, Guid conversationId, RapportDbContext db, CancellationToken ct)
    {
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId, ct))
        {
            return Problems.NotFound("Conversation");
        }
        return TypedResults.Ok(await ConversationAudit.ForConversationAsync(db, workspaceId, conversationId, ct));
    }
}
