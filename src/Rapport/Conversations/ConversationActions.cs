using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Reports;

namespace Rapport.Conversations;

/// <summary>The outcome of an action on a conversation: nothing (done), a problem, or invalid input.</summary>
public sealed record ConversationActionResult(ProblemHttpResult? Problem = null, ValidationProblem? Invalid = null)
{
    public bool Succeeded => Problem is null && Invalid is null;

    public string? Error => Problem?.ProblemDetails.Detail ?? Problem?.ProblemDetails.Title
        ?? Invalid?.ProblemDetails.Errors.Values.SelectMany(v => v).FirstOrDefault();
}

/// <summary>Status, assignment, labels and the rest: one place for the API and the inbox, with the reporting events they append.</summary>
public sealed class ConversationActions(TimeProvider clock)
{
    public async Task<ConversationActionResult> UpdateAsync(RapportDbContext db, Guid conversationId, UpdateConversationRequest request, Guid? actorId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        var conversation = await db.Conversations.Include(c => c.Labels).FirstOrDefaultAsync(c => c.Id == conversationId, ct);
        if (conversation is null)
        {
            return new(Problems.NotFound("Conversation"));
        }
        if (request.Version is { } version && version != conversation.Version)
        {
            return new(StaleVersion());
        }
        var now = clock.GetUtcNow().UtcDateTime;

        if (request.CustomStatusId is { } customId)
        {
            var custom = await db.CustomStatuses.FirstOrDefaultAsync(s => s.Id == customId, ct);
            if (custom is null)
            {
                return new(Invalid: Problems.Invalid("customStatusId", "Unknown status."));
            }
            conversation.CustomStatusId = custom.Id;
            SetStatus(db, conversation, custom.BehavesAs, actorId, now);
        }
        else if (request.Status is { } status)
        {
            if (!Enum.IsDefined(status))
            {
                return new(Invalid: Problems.Invalid("status", "The status is Open, Pending, Snoozed or Resolved."));
            }
            var snoozedUntil = request.SnoozedUntil is { } until ? Ingest.IngestService.AsUtc(until) : (DateTime?)null;
            if (status == ConversationStatus.Snoozed && (snoozedUntil is null || snoozedUntil <= now))
            {
                return new(Invalid: Problems.Invalid("snoozedUntil", "Snoozing needs a time in the future."));
            }
            conversation.CustomStatusId = null;
            SetStatus(db, conversation, status, actorId, now);
            conversation.SnoozedUntil = status == ConversationStatus.Snoozed ? snoozedUntil : null;
        }
        if (request.Priority is { } priority)
        {
            if (!Enum.IsDefined(priority))
            {
                return new(Invalid: Problems.Invalid("priority", "The priority is Low, Normal, High or Urgent."));
            }
            conversation.Priority = priority;
        }
        if (request.Unassign == true)
        {
            conversation.AssigneeId = null;
        }
        else if (request.AssigneeId is { } assignee && assignee != conversation.AssigneeId)
        {
            var role = await db.Memberships.Where(m => m.UserId == assignee).Select(m => (Workspaces.Role?)m.Role).FirstOrDefaultAsync(ct);
            if (role is null or Workspaces.Role.Analyst)
            {
                return new(Invalid: Problems.Invalid("assigneeId", "Conversations are assigned to agents, admins or owners of this workspace."));
            }
            conversation.AssigneeId = assignee;
            db.ReportingEvents.Add(Event(conversation, ReportingEventNames.AssigneeChanged, actorId, now, now));
        }
        if (request.ClearTeam == true)
        {
            conversation.TeamId = null;
        }
        else if (request.TeamId is { } teamId)
        {
            if (!await db.Teams.AnyAsync(t => t.Id == teamId, ct))
            {
                return new(Invalid: Problems.Invalid("teamId", "Unknown team."));
            }
            conversation.TeamId = teamId;
        }
        if (request.LabelIds is { } labelIds)
        {
            var wanted = labelIds.Distinct().ToList();
            if (await db.Labels.CountAsync(l => wanted.Contains(l.Id), ct) != wanted.Count)
            {
                return new(Invalid: Problems.Invalid("labelIds", "Unknown label."));
            }
            conversation.Labels.RemoveAll(l => !wanted.Contains(l.LabelId));
            foreach (var id in wanted.Where(id => conversation.Labels.All(l => l.LabelId != id)))
            {
                conversation.Labels.Add(new ConversationLabel { ConversationId = conversation.Id, LabelId = id });
            }
        }
        if (request.IsNoise is { } noise)
        {
            conversation.IsNoise = noise;
        }

        conversation.Version++;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new(StaleVersion());
        }
        return new();
    }

    /// <summary>
    /// Records a message from the brand (a reply, or a private note) and the response-time events it closes: the first
    /// response, or the next response to the customer's latest message. A reply is <see cref="DeliveryStatus.Sent"/>
    /// unless told otherwise; the outbox records its replies as <see cref="DeliveryStatus.Queued"/> until delivered.
    /// </summary>
    public Message RecordOutbound(RapportDbContext db, Conversation conversation, Guid? authorUserId, string authorName, string text, bool note, DateTime? at = null,
        DeliveryStatus delivery = DeliveryStatus.Sent)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(conversation);
        var when = at ?? clock.GetUtcNow().UtcDateTime;
        var message = new Message
        {
            WorkspaceId = conversation.WorkspaceId,
            ConversationId = conversation.Id,
            ChannelId = conversation.ChannelId,
            Direction = note ? MessageDirection.Note : MessageDirection.Outbound,
            AuthorUserId = authorUserId,
            AuthorName = authorName,
            Text = text,
            CreatedAt = when,
            ReceivedAt = when,
            DeliveryStatus = note ? DeliveryStatus.None : delivery,
        };
        db.Messages.Add(message);
        if (note)
        {
            return message;
        }
        var waitingSince = conversation.LastInboundAt;
        var name = conversation.FirstResponseAt is null ? ReportingEventNames.FirstResponse : ReportingEventNames.Reply;
        if (waitingSince is { } since && (conversation.LastResponseAt is null || since > conversation.LastResponseAt))
        {
            db.ReportingEvents.Add(Event(conversation, name, authorUserId, since, when));
        }
        conversation.FirstResponseAt ??= when;
        conversation.LastResponseAt = when;
        conversation.LastMessageAt = when > conversation.LastMessageAt ? when : conversation.LastMessageAt;
        // Answered: nothing is waiting for the brand until the customer writes again.
        conversation.NeedsAnswer = 0;
        conversation.Urgency = 0;
        conversation.Version++;
        return message;
    }

    private static void SetStatus(RapportDbContext db, Conversation conversation, ConversationStatus status, Guid? actorId, DateTime now)
    {
        if (status == conversation.Status)
        {
            return;
        }
        if (status == ConversationStatus.Resolved)
        {
            conversation.ResolvedAt = now;
            db.ReportingEvents.Add(Event(conversation, ReportingEventNames.ConversationResolved, actorId, conversation.CreatedAt, now));
        }
        else if (conversation.Status == ConversationStatus.Resolved)
        {
            db.ReportingEvents.Add(Event(conversation, ReportingEventNames.ConversationReopened, actorId, conversation.ResolvedAt ?? now, now));
            conversation.ResolvedAt = null;
        }
        conversation.Status = status;
    }

    private static ReportingEvent Event(Conversation conversation, string name, Guid? actorId, DateTime start, DateTime end) => new()
    {
        WorkspaceId = conversation.WorkspaceId,
        Name = name,
        ConversationId = conversation.Id,
        ChannelId = conversation.ChannelId,
        ActorUserId = actorId,
        StartedAt = start,
        EndedAt = end,
        DurationSeconds = Math.Max(0, (end - start).TotalSeconds),
    };

    private static ProblemHttpResult StaleVersion() => Problems.Conflict(
        "Conversation changed",
        "Someone else changed this conversation since you opened it. Reload it to see their change, then try again.");
}
