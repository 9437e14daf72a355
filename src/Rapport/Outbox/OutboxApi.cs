using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Api;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;

namespace Rapport.Outbox;

/// <summary>
/// A reply from the brand to the customer, delivered through the conversation's channel. <c>sendAt</c> (UTC, in the future,
/// within a year) schedules it; <c>signature</c> appends the author's signature for this workspace.
/// </summary>
public sealed record ReplyRequest([property: MaxLength(IngestService.MaxTextLength)] string? Text, DateTime? SendAt = null, bool? Signature = null);

/// <summary>The queued reply: its message id and delivery status (Queued, then Sent or Failed with a reason).</summary>
public sealed record ReplyResponse(Guid MessageId, DeliveryStatus DeliveryStatus, string? DeliveryError);

/// <summary>Your signature in this workspace, appended to replies sent with <c>signature: true</c> (or the composer's box ticked).</summary>
public sealed record SignatureDto([property: MaxLength(Signatures.MaxLength)] string? Signature);

public static class OutboxApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapPost("/conversations/{conversationId:guid}/replies", ReplyAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Replies to the customer: the reply is queued in the outbox and delivered through the conversation's channel.");
        workspace.MapPost("/conversations/{conversationId:guid}/messages/{messageId:guid}/retry", RetryAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Queues a reply whose delivery failed again.");
        workspace.MapPost("/conversations/{conversationId:guid}/messages/{messageId:guid}/cancel", CancelAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Takes a scheduled reply back before its send-at time; it stays in the thread as cancelled.");
        workspace.MapGet("/signature", SignatureAsync).RequireAuthorization(Policies.Agent).WithSummary("Your signature in this workspace.");
        workspace.MapPut("/signature", SetSignatureAsync).RequireAuthorization(Policies.Agent)
            .WithSummary($"Sets your signature in this workspace (at most {Signatures.MaxLength} characters; empty removes it).");
    }

    private static async Task<Results<Accepted<ReplyResponse>, ValidationProblem, ProblemHttpResult>> ReplyAsync(
        Guid workspaceId, Guid conversationId, ReplyRequest request, HttpContext http, RapportDbContext db, OutboxService outbox, CancellationToken ct)
    {
        var sendAt = request.SendAt is { } at ? IngestService.AsUtc(at) : (DateTime?)null;
        var attempt = await outbox.ReplyAsync(db, conversationId, http.Member().UserId, http.User.Identity?.Name, request.Text, request.Signature == true, sendAt, ct);
        if (attempt.Message is not { } message)
        {
            return attempt.Violation is { } violation ? Problems.Invalid(violation) : Problems.NotFound("Conversation");
        }
        return TypedResults.Accepted(
            $"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/messages",
            new ReplyResponse(message.Id, message.DeliveryStatus, message.DeliveryError));
    }

    private static async Task<Results<Accepted<ReplyResponse>, ProblemHttpResult>> RetryAsync(
        Guid workspaceId, Guid conversationId, Guid messageId, RapportDbContext db, OutboxService outbox, CancellationToken ct)
    {
        if (!await db.Messages.AnyAsync(m => m.Id == messageId && m.ConversationId == conversationId, ct))
        {
            return Problems.NotFound("Message");
        }
        return await outbox.RetryAsync(db, messageId, ct) switch
        {
            RetryOutcome.NotFound => Problems.NotFound("Queued reply"),
            RetryOutcome.NotFailed => Problems.Conflict("Not failed", "Only a reply whose delivery failed can be retried; this one is queued or sent."),
            _ => TypedResults.Accepted(
                $"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/messages",
                new ReplyResponse(messageId, DeliveryStatus.Queued, null)),
        };
    }

    private static async Task<Results<Ok<ReplyResponse>, ProblemHttpResult>> CancelAsync(
        Guid conversationId, Guid messageId, RapportDbContext db, OutboxService outbox, CancellationToken ct)
    {
        if (!await db.Messages.AnyAsync(m => m.Id == messageId && m.ConversationId == conversationId, ct))
        {
            return Problems.NotFound("Message");
        }
        return await outbox.CancelAsync(db, messageId, ct) switch
        {
            CancelOutcome.NotFound => Problems.NotFound("Scheduled reply"),
            CancelOutcome.NotScheduled => Problems.Conflict("Not scheduled",
                "Only a scheduled reply that has not left yet can be cancelled; this one is being sent, sent, failed or already cancelled."),
            _ => TypedResults.Ok(new ReplyResponse(messageId, DeliveryStatus.Cancelled, null)),
        };
    }

    private static async Task<Results<Ok<SignatureDto>, ProblemHttpResult>> SignatureAsync(HttpContext http, RapportDbContext db, CancellationToken ct)
    {
        var userId = http.Member().UserId;
        var membership = await db.Memberships.Where(m => m.UserId == userId).Select(m => new SignatureDto(m.Signature)).FirstOrDefaultAsync(ct);
        return membership is null ? Problems.NotFound("Membership") : TypedResults.Ok(membership);
    }

    private static async Task<Results<Ok<SignatureDto>, ValidationProblem, ProblemHttpResult>> SetSignatureAsync(
        SignatureDto request, HttpContext http, RapportDbContext db, ProfileService profiles, CancellationToken ct)
    {
        var member = http.Member();
        if (member.UserId is not { } userId)
        {
            return Problems.NotFound("Membership");
        }
        var violations = await profiles.UpdateAsync(userId, member.WorkspaceId, new ProfileChange(Signature: request.Signature ?? ""));
        if (violations.Count > 0)
        {
            return Problems.Invalid(violations);
        }
        var saved = await db.Memberships.Where(m => m.UserId == userId).Select(m => new SignatureDto(m.Signature)).FirstOrDefaultAsync(ct);
        return saved is null ? Problems.NotFound("Membership") : TypedResults.Ok(saved);
    }
}
