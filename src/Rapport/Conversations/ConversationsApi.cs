using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Channels;
using Rapport.Conversations.Attachments;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;

namespace Rapport.Conversations;

public sealed record ConversationDto(
    Guid Id, Guid ChannelId, Guid ContactId, string ContactName, string? Subject, ConversationStatus Status, Guid? CustomStatusId,
    Priority Priority, Guid? AssigneeId, Guid? TeamId, bool IsPublic, bool IsNoise, string? Language, double NeedsAnswer, double? Sentiment,
    IReadOnlyList<Guid> LabelIds, Guid? LinkedConversationId, DateTime CreatedAt, DateTime LastMessageAt, DateTime? FirstResponseAt,
    DateTime? ResolvedAt, DateTime? SnoozedUntil, int Version, Guid? MergedIntoId = null);

/// <summary>
/// Only the fields sent change. Send the <c>version</c> you read: a stale one gets 409 instead of overwriting a colleague.
/// Resolving a conversation whose last reply is not delivered (queued or failed) gets 409 unless
/// <c>confirmUndelivered</c> is true.
/// </summary>
public sealed record UpdateConversationRequest(
    int? Version, ConversationStatus? Status, Guid? CustomStatusId, Priority? Priority, Guid? AssigneeId, bool? Unassign,
    Guid? TeamId, bool? ClearTeam, IReadOnlyList<Guid>? LabelIds, bool? IsNoise, DateTime? SnoozedUntil, bool? ConfirmUndelivered = null);

public sealed record AnalysisDto(string Language, string Intent, double IntentConfidence, double NeedsAnswer, double SentimentScore,
    string Sentiment, string Urgency, string Toxicity, string Themes, string KeyPhrases, string ModelVersion,
    string Recommendation = "", string RecommendationEvidence = "");

/// <summary>A message; <c>attachments</c> lists its files (download those with <c>kept</c> true from …/attachments/{id}).</summary>
public sealed record MessageDto(Guid Id, MessageDirection Direction, string? ExternalId, string AuthorName, Guid? AuthorUserId, Guid? AuthorContactId,
    string Text, DateTime CreatedAt, DateTime ReceivedAt, string? InReplyToExternalId, DeliveryStatus DeliveryStatus, string? DeliveryError, AnalysisDto? Analysis,
    IReadOnlyList<AttachmentDto>? Attachments = null);

/// <summary>An inbound message pushed through an API channel. Sending the same externalId again changes nothing.</summary>
/// <summary>
/// An inbound message pushed to an API channel. Texts lose control characters; <c>createdAt</c> is between 1970 and 2199
/// (docs/api.md, "Limits").
/// </summary>
public sealed record InboundMessageRequest(
    [property: MaxLength(UserInput.MaxExternalIdLength)] string ExternalId,
    [property: MaxLength(UserInput.MaxHandleLength)] string AuthorHandle,
    [property: MaxLength(UserInput.MaxAuthorNameLength)] string? AuthorName,
    [property: MaxLength(IngestService.MaxTextLength)] string Text,
    DateTime? CreatedAt,
    [property: MaxLength(UserInput.MaxExternalIdLength)] string? InReplyToExternalId,
    [property: MaxLength(UserInput.MaxExternalIdLength)] string? ThreadId,
    [property: MaxLength(UserInput.MaxSubjectLength)] string? Subject,
    bool? IsPublic);

public sealed record InboundMessageResponse(Guid MessageId, Guid ConversationId, Guid ContactId, bool Created);

/// <summary>
/// An inbound message accepted for processing later (<c>Prefer: respond-async</c>): <c>Created</c> is false when this
/// external id was accepted before. Its state is at <c>GET …/channels/{channelId}/received?externalId=…</c>.
/// </summary>
public sealed record AcceptedMessageResponse(string ExternalId, bool Created);

/// <summary>
/// Where an inbound message stands: <c>Accepted</c> (waiting to be processed), <c>Processed</c> (with the message,
/// conversation and contact it became), or <c>Failed</c> with the reason, after the attempts it was given.
/// </summary>
public sealed record ReceivedMessageDto(string ExternalId, ReceivedItemState State, int Attempts, string? Error, DateTime AcceptedAt,
    DateTime? ProcessedAt, Guid? MessageId, Guid? ConversationId, Guid? ContactId);

public static class ConversationsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/conversations", ListAsync).WithSummary("Conversations, most recent activity first, with filters.");
        workspace.MapGet("/conversations/{conversationId:guid}", GetAsync).WithSummary("One conversation.");
        workspace.MapPatch("/conversations/{conversationId:guid}", UpdateAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Changes status, assignee, team, priority, labels; optimistic concurrency on version.");
        workspace.MapGet("/conversations/{conversationId:guid}/messages", MessagesAsync).WithSummary("A conversation's messages, oldest first, paged.");
        workspace.MapPost("/channels/{channelId:guid}/messages", ReceiveAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Receives an inbound message through an API channel (idempotent on externalId). With the header "
                + "`Prefer: respond-async`, it is only accepted and answered 202 at once; the message is processed moments later.");
        workspace.MapGet("/channels/{channelId:guid}/received", ReceivedAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Where an inbound message stands: accepted, processed (with its message and conversation) or failed, with the reason.");
    }

    private static async Task<Results<Ok<Page<ConversationDto>>, ValidationProblem>> ListAsync(
        RapportDbContext db, ConversationStatus? status, Guid? channelId, Guid? assigneeId, bool? unassigned, Guid? teamId, Guid? labelId,
        string? language, bool? noise, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Cursor.Limit(limit);
        var query = db.Conversations.Where(c => c.IsNoise == (noise ?? false));
        if (status is { } s)
        {
            query = query.Where(c => c.Status == s);
        }
        if (channelId is { } ch)
        {
            query = query.Where(c => c.ChannelId == ch);
        }
        if (assigneeId is { } a)
        {
            query = query.Where(c => c.AssigneeId == a);
        }
        if (unassigned == true)
        {
            query = query.Where(c => c.AssigneeId == null);
        }
        if (teamId is { } t)
        {
            query = query.Where(c => c.TeamId == t);
        }
        if (labelId is { } l)
        {
            query = query.Where(c => c.Labels.Any(x => x.LabelId == l));
        }
        if (!string.IsNullOrWhiteSpace(language))
        {
            query = query.Where(c => c.Language == language);
        }
        if (cursor is not null)
        {
            if (!Cursor.TryDecode(cursor, out var at, out var id))
            {
                return Problems.Invalid("cursor", "This cursor is not one the API gave.");
            }
            query = query.Where(c => c.LastMessageAt < at || (c.LastMessageAt == at && c.Id.CompareTo(id) < 0));
        }
        var items = await query.OrderByDescending(c => c.LastMessageAt).ThenByDescending(c => c.Id).Take(take + 1)
            .Select(ToDto).ToListAsync(ct);
        var next = items.Count > take ? Cursor.Encode(items[take - 1].LastMessageAt, items[take - 1].Id) : null;
        return TypedResults.Ok(new Page<ConversationDto>(items.Take(take).ToList(), next));
    }

    private static async Task<Results<Ok<ConversationDto>, ProblemHttpResult>> GetAsync(Guid conversationId, RapportDbContext db, CancellationToken ct)
    {
        var dto = await db.Conversations.Where(c => c.Id == conversationId).Select(ToDto).FirstOrDefaultAsync(ct);
        return dto is null ? Problems.NotFound("Conversation") : TypedResults.Ok(dto);
    }

    private static async Task<Results<Ok<ConversationDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid conversationId, UpdateConversationRequest request, HttpContext http, RapportDbContext db, ConversationActions actions, CancellationToken ct)
    {
        var result = await actions.UpdateAsync(db, conversationId, request, http.Member().UserId, ct, http.User.Identity?.Name);
        return result switch
        {
            { Problem: { } problem } => problem,
            { Invalid: { } invalid } => invalid,
            _ => TypedResults.Ok(await db.Conversations.Where(c => c.Id == conversationId).Select(ToDto).FirstAsync(ct)),
        };
    }

    private static async Task<Results<Ok<Page<MessageDto>>, ValidationProblem, ProblemHttpResult>> MessagesAsync(
        Guid conversationId, RapportDbContext db, string? cursor, int? limit, CancellationToken ct)
    {
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId, ct))
        {
            return Problems.NotFound("Conversation");
        }
        var take = Cursor.Limit(limit);
        var query = db.Messages.Where(m => m.ConversationId == conversationId);
        if (cursor is not null)
        {
            if (!Cursor.TryDecode(cursor, out var at, out var id))
            {
                return Problems.Invalid("cursor", "This cursor is not one the API gave.");
            }
            query = query.Where(m => m.CreatedAt > at || (m.CreatedAt == at && m.Id.CompareTo(id) > 0));
        }
        var items = await query.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).Take(take + 1)
            .Select(m => new MessageDto(m.Id, m.Direction, m.ExternalId, m.AuthorName, m.AuthorUserId, m.AuthorContactId, m.Text, m.CreatedAt,
                m.ReceivedAt, m.InReplyToExternalId, m.DeliveryStatus, m.DeliveryError,
                m.Analysis == null ? null : new AnalysisDto(m.Analysis.Language, m.Analysis.Intent, m.Analysis.IntentConfidence, m.Analysis.NeedsAnswer,
                    m.Analysis.SentimentScore, m.Analysis.Sentiment, m.Analysis.Urgency, m.Analysis.Toxicity, m.Analysis.Themes, m.Analysis.KeyPhrases,
                    m.Analysis.ModelVersion, m.Analysis.Recommendation, m.Analysis.RecommendationEvidence),
                m.Attachments.OrderBy(a => a.Position)
                    .Select(a => new AttachmentDto(a.Id, a.FileName, a.ContentType, a.Size, a.Content != null, a.NotKeptReason)).ToList()))
            .ToListAsync(ct);
        var next = items.Count > take ? Cursor.Encode(items[take - 1].CreatedAt, items[take - 1].Id) : null;
        return TypedResults.Ok(new Page<MessageDto>(items.Take(take).ToList(), next));
    }

    private static async Task<Results<Created<InboundMessageResponse>, Ok<InboundMessageResponse>, Accepted<AcceptedMessageResponse>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        Guid workspaceId, Guid channelId, InboundMessageRequest request, [FromHeader(Name = "Prefer")] string? prefer, HttpContext http,
        RapportDbContext db, IngestService ingest, CancellationToken ct)
    {
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return Problems.NotFound("Channel");
        }
        if (channel.Kind != ChannelKind.Api)
        {
            return Problems.Conflict("Not an API channel", $"Messages can be pushed only to API channels; this one is {channel.Kind}.");
        }
        if (channel.Paused)
        {
            return Problems.Conflict("Channel paused", "This channel is paused; resume it to receive messages.");
        }
        if (string.IsNullOrWhiteSpace(request.ExternalId) || request.ExternalId.Length > 256)
        {
            return Problems.Invalid("externalId", "An externalId of 1 to 256 characters is required: it makes delivery idempotent.");
        }
        if (string.IsNullOrWhiteSpace(request.AuthorHandle) || request.AuthorHandle.Length > 320)
        {
            return Problems.Invalid("authorHandle", "An authorHandle of 1 to 320 characters is required.");
        }
        if (request.Text is null || request.Text.Length > IngestService.MaxTextLength)
        {
            return Problems.Invalid("text", $"A text of at most {IngestService.MaxTextLength} characters is required.");
        }
        var item = new InboundItem
        {
            ChannelId = channelId,
            ExternalId = request.ExternalId,
            AuthorHandle = request.AuthorHandle,
            AuthorName = request.AuthorName,
            Text = request.Text,
            CreatedAt = request.CreatedAt,
            InReplyToExternalId = request.InReplyToExternalId,
            ThreadId = request.ThreadId,
            Subject = request.Subject,
            IsPublic = request.IsPublic ?? false,
            RawPayload = System.Text.Json.JsonSerializer.Serialize(request),
        };
        if (RespondAsync(prefer))
        {
            // Only accepted (stored as received, docs/pipeline.md): the ingest worker processes it moments later, in batches.
            var created = await ingest.AcceptAsync(db, workspaceId, [item], claim: false, ct) == 1;
            http.Response.Headers["Preference-Applied"] = "respond-async";
            return TypedResults.Accepted(
                $"/api/v1/workspaces/{workspaceId}/channels/{channelId}/received?externalId={Uri.EscapeDataString(request.ExternalId)}",
                new AcceptedMessageResponse(request.ExternalId, created));
        }
        var result = await ingest.IngestAsync(db, workspaceId, item, ct);
        var response = new InboundMessageResponse(result.MessageId, result.ConversationId, result.ContactId, result.Created);
        return result.Created
            ? TypedResults.Created(result.ConversationId == Guid.Empty
                // A listening channel's item is a mention, not a conversation (docs/decisions/0061).
                ? $"/api/v1/workspaces/{workspaceId}/mentions/{result.MessageId}"
                : $"/api/v1/workspaces/{workspaceId}/conversations/{result.ConversationId}", response)
            : TypedResults.Ok(response);
    }

    /// <summary>Whether the client asked, with RFC 7240's <c>Prefer</c> header, for an answer before the work is done.</summary>
    private static bool RespondAsync(string? prefer) =>
        prefer is not null && prefer.Split(',').Any(p => p.Split(';')[0].Trim().Equals("respond-async", StringComparison.OrdinalIgnoreCase));

    private static async Task<Results<Ok<ReceivedMessageDto>, ValidationProblem, ProblemHttpResult>> ReceivedAsync(
        Guid channelId, string? externalId, RapportDbContext db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(externalId) || externalId.Length > 256)
        {
            return Problems.Invalid("externalId", "An externalId of 1 to 256 characters is required.");
        }
        // Received items are kept apart from the workspace's filtered tables: the channel is looked up in the workspace first.
        if (!await db.Channels.AnyAsync(c => c.Id == channelId, ct))
        {
            return Problems.NotFound("Channel");
        }
        var cleaned = IngestService.Clean(externalId);
        var received = await db.ReceivedItems.IgnoreQueryFilters().AsNoTracking()
            .FirstOrDefaultAsync(r => r.ChannelId == channelId && r.ExternalId == cleaned, ct);
        if (received is null)
        {
            return Problems.NotFound("Received message");
        }
        var message = received.State == ReceivedItemState.Processed
            ? await db.Messages.Where(m => m.ChannelId == channelId && m.ExternalId == cleaned)
                .Select(m => new { m.Id, m.ConversationId, ContactId = m.AuthorContactId }).FirstOrDefaultAsync(ct)
            : null;
        return TypedResults.Ok(new ReceivedMessageDto(received.ExternalId, received.State, received.Attempts, received.Error, received.AcceptedAt,
            received.ProcessedAt, message?.Id, message?.ConversationId, message?.ContactId));
    }

    internal static readonly System.Linq.Expressions.Expression<Func<Conversation, ConversationDto>> ToDto = c => new ConversationDto(
        c.Id, c.ChannelId, c.ContactId, c.Contact!.DisplayName, c.Subject, c.Status, c.CustomStatusId, c.Priority, c.AssigneeId, c.TeamId,
        c.IsPublic, c.IsNoise, c.Language, c.NeedsAnswer, c.Sentiment, c.Labels.Select(l => l.LabelId).ToList(), c.LinkedConversationId,
        c.CreatedAt, c.LastMessageAt, c.FirstResponseAt, c.ResolvedAt, c.SnoozedUntil, c.Version, c.MergedIntoId);
}
