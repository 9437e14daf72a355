using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Rapport.Api;
using Rapport.Data;
using Rapport.Reports;
using Rapport.Resources;

namespace Rapport.Conversations;

/// <summary>The outcome of an action on a conversation: nothing (done), a problem, or invalid input.</summary>
public sealed record ConversationActionResult(ProblemHttpResult? Problem = null, ValidationProblem? Invalid = null)
{
    public bool Succeeded => Problem is null && Invalid is null;

    /// <summary>
    /// Refused because the conversation would be resolved while its last reply is not delivered: the same request with
    /// <see cref="UpdateConversationRequest.ConfirmUndelivered"/> set goes through.
    /// </summary>
    public bool AwaitsUndeliveredConfirmation { get; init; }

    public string? Error => Problem?.ProblemDetails.Detail ?? Problem?.ProblemDetails.Title
        ?? Invalid?.ProblemDetails.Errors.Values.SelectMany(v => v).FirstOrDefault();
}

/// <summary>Status, assignment, labels and the rest: one place for the API and the inbox, with the reporting events they append.</summary>
/// <remarks>
/// What follows a change is announced, not called: <see cref="Events.ConversationUpdated"/> (the automation rules subscribe)
/// and <see cref="Events.ConversationResolved"/> (the survey invitation and outgoing webhooks subscribe), inside the change's
/// save, so Conversations depends on neither Automation nor Satisfaction (docs/events.md).
/// </remarks>
public sealed class ConversationActions(TimeProvider clock, Events.EventPublisher events, Audit.AuditLog audit, IStringLocalizer<Strings> text)
{
    /// <summary>The audit log's target for a conversation: its trail is read back with <see cref="ConversationAudit"/>.</summary>
    public static string AuditTarget(Guid conversationId) => "conversation:" + conversationId.ToString("N");

    /// <summary>
    /// Applies the fields sent. <paramref name="actorName"/> is what the conversation's audit trail shows; automation
    /// passes none and is recorded as such.
    /// </summary>
    public async Task<ConversationActionResult> UpdateAsync(RapportDbContext db, Guid conversationId, UpdateConversationRequest request, Guid? actorId,
        CancellationToken ct = default, string? actorName = null)
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
        // What the conversation's audit trail shows: who changed what, appended with the change itself.
        var trail = new List<(string Action, string? Details)>();

        if (request.CustomStatusId is { } customId)
        {
            var custom = await db.CustomStatuses.FirstOrDefaultAsync(s => s.Id == customId, ct);
            if (custom is null)
            {
                return new(Invalid: Problems.Invalid("customStatusId", "Unknown status."));
            }
            if (await UndeliveredBeforeResolvingAsync(db, conversation, custom.BehavesAs, request, ct) is { } unconfirmed)
            {
                return unconfirmed;
            }
            conversation.CustomStatusId = custom.Id;
            SetStatus(db, conversation, custom.BehavesAs, actorId, now);
            trail.Add(("conversation.status", custom.Name));
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
            if (await UndeliveredBeforeResolvingAsync(db, conversation, status, request, ct) is { } unconfirmed)
            {
                return unconfirmed;
            }
            conversation.CustomStatusId = null;
            SetStatus(db, conversation, status, actorId, now);
            conversation.SnoozedUntil = status == ConversationStatus.Snoozed ? snoozedUntil : null;
            trail.Add(("conversation.status", snoozedUntil is { } u && status == ConversationStatus.Snoozed ? $"{status} until {u:u}" : status.ToString()));
        }
        if (request.Priority is { } priority)
        {
            if (!Enum.IsDefined(priority))
            {
                return new(Invalid: Problems.Invalid("priority", "The priority is Low, Normal, High or Urgent."));
            }
            if (conversation.Priority != priority)
            {
                trail.Add(("conversation.priority", priority.ToString()));
            }
            conversation.Priority = priority;
        }
        if (request.Unassign == true)
        {
            if (conversation.AssigneeId is not null)
            {
                trail.Add(("conversation.unassigned", null));
            }
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
            var assigneeName = await db.Users.Where(u => u.Id == assignee).Select(u => u.DisplayName).FirstOrDefaultAsync(ct);
            trail.Add(("conversation.assigned", assigneeName));
        }
        if (request.ClearTeam == true)
        {
            if (conversation.TeamId is not null)
            {
                trail.Add(("conversation.team", null));
            }
            conversation.TeamId = null;
        }
        else if (request.TeamId is { } teamId)
        {
            var team = await db.Teams.Where(t => t.Id == teamId).Select(t => t.Name).FirstOrDefaultAsync(ct);
            if (team is null)
            {
                return new(Invalid: Problems.Invalid("teamId", "Unknown team."));
            }
            if (conversation.TeamId != teamId)
            {
                trail.Add(("conversation.team", team));
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
            var before = conversation.Labels.Select(l => l.LabelId).ToHashSet();
            if (!before.SetEquals(wanted))
            {
                var names = await db.Labels.Where(l => wanted.Contains(l.Id)).OrderBy(l => l.Name).Select(l => l.Name).ToListAsync(ct);
                trail.Add(("conversation.labelled", names.Count == 0 ? null : string.Join(", ", names)));
            }
            conversation.Labels.RemoveAll(l => !wanted.Contains(l.LabelId));
            foreach (var id in wanted.Where(id => conversation.Labels.All(l => l.LabelId != id)))
            {
                conversation.Labels.Add(new ConversationLabel { ConversationId = conversation.Id, LabelId = id });
            }
        }
        if (request.IsNoise is { } noise)
        {
            if (conversation.IsNoise != noise)
            {
                trail.Add((noise ? "conversation.set_aside" : "conversation.brought_back", null));
            }
            conversation.IsNoise = noise;
        }
        var resolvedNow = conversation.Status == ConversationStatus.Resolved && db.Entry(conversation).Property(c => c.Status).IsModified;
        // The rules see the agent's change; what the rules change does not run them again.
        await events.PublishAsync(db, new Events.ConversationUpdated(conversation.WorkspaceId, conversation.Id, actorId, now), ct);
        if (resolvedNow && conversation.Status == ConversationStatus.Resolved)
        {
            await events.PublishAsync(db, new Events.ConversationResolved(conversation.WorkspaceId, conversation.Id, conversation.ChannelId, actorId, now), ct);
        }

        foreach (var (action, details) in trail)
        {
            audit.Add(db, action, conversation.WorkspaceId, actorId, actorName, AuditTarget(conversation.Id), details);
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
    /// A person resolving a conversation whose last reply has not reached the customer (still queued, or failed) is asked
    /// to confirm: resolved, it leaves the inbox while the customer may have heard nothing. Null when nothing needs
    /// confirming; nothing has been changed when it answers.
    /// </summary>
    private async Task<ConversationActionResult?> UndeliveredBeforeResolvingAsync(RapportDbContext db, Conversation conversation, ConversationStatus status,
        UpdateConversationRequest request, CancellationToken ct)
    {
        if (status != ConversationStatus.Resolved || conversation.Status == ConversationStatus.Resolved || request.ConfirmUndelivered == true)
        {
            return null;
        }
        // Scheduled and cancelled replies were never meant to have left yet: the last reply is the latest of the others.
        var last = await db.Messages
            .Where(m => m.ConversationId == conversation.Id && m.Direction == MessageDirection.Outbound
                && m.DeliveryStatus != DeliveryStatus.Scheduled && m.DeliveryStatus != DeliveryStatus.Cancelled)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Select(m => (DeliveryStatus?)m.DeliveryStatus)
            .FirstOrDefaultAsync(ct);
        if (last is not (DeliveryStatus.Queued or DeliveryStatus.Failed))
        {
            return null;
        }
        var problem = TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: text["Conversation.UndeliveredTitle"],
            detail: text[last == DeliveryStatus.Failed ? "Conversation.UndeliveredFailed" : "Conversation.UndeliveredQueued"],
            extensions: new Dictionary<string, object?> { ["lastReply"] = last.ToString() });
        return new(problem) { AwaitsUndeliveredConfirmation = true };
    }

    /// <summary>
    /// Records a message from the brand (a reply, or a private note). A reply already in the customer's hands
    /// (<see cref="DeliveryStatus.Sent"/>, the default: a demo's history) closes its response-time events now; one the
    /// outbox still has to deliver (<see cref="DeliveryStatus.Queued"/> or <see cref="DeliveryStatus.Scheduled"/>) is
    /// not a response yet: <see cref="CountDeliveredAsync"/> counts it when the outbox records it delivered, so a reply
    /// that fails never counts.
    /// </summary>
    public Message RecordOutbound(RapportDbContext db, Conversation conversation, Guid? authorUserId, string authorName, string text, bool note, DateTime? at = null,
        DeliveryStatus delivery = DeliveryStatus.Sent)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(conversation);
        var when = at ?? clock.GetUtcNow().UtcDateTime;
        var message = NewOutbound(db, conversation, authorUserId, authorName, text, note, when, delivery);
        if (note || delivery == DeliveryStatus.Scheduled)
        {
            // A note is not for the customer; a scheduled reply joins the thread's activity when it leaves.
            return message;
        }
        if (delivery == DeliveryStatus.Sent)
        {
            CountResponse(db, conversation, authorUserId, when);
            return message;
        }
        // Queued: the thread moved, but the customer still waits for the brand until it is delivered.
        conversation.LastMessageAt = when > conversation.LastMessageAt ? when : conversation.LastMessageAt;
        conversation.Version++;
        return message;
    }

    /// <summary>
    /// Counts a person's reply as the brand's response at <paramref name="deliveredAt"/>, when the outbox records it
    /// delivered; the caller saves this with the delivered status, so it is counted once or not at all. A customer
    /// message that arrived after the reply was written (while it waited to leave) is not answered by it: the reply
    /// closes the wait before it, and the conversation still waits for the brand.
    /// </summary>
    internal static async Task CountDeliveredAsync(RapportDbContext db, Conversation conversation, Message reply, DateTime deliveredAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(reply);
        if (conversation.LastInboundAt is not { } lastInbound || lastInbound <= reply.CreatedAt)
        {
            CountResponse(db, conversation, reply.AuthorUserId, deliveredAt);
            return;
        }
        var waitingSince = await db.Messages
            .Where(m => m.ConversationId == conversation.Id && m.Direction == MessageDirection.Inbound && m.CreatedAt <= reply.CreatedAt)
            .MaxAsync(m => (DateTime?)m.CreatedAt, ct);
        if (waitingSince is { } since && (conversation.LastResponseAt is null || since > conversation.LastResponseAt))
        {
            var name = conversation.FirstResponseAt is null ? ReportingEventNames.FirstResponse : ReportingEventNames.Reply;
            db.ReportingEvents.Add(Event(conversation, name, reply.AuthorUserId, since, deliveredAt));
        }
        conversation.FirstResponseAt ??= deliveredAt;
        // Answered up to the moment it was written: the customer's later message still waits (for the SLA and the next event).
        if (conversation.LastResponseAt is null || reply.CreatedAt > conversation.LastResponseAt)
        {
            conversation.LastResponseAt = reply.CreatedAt;
        }
        conversation.Version++;
    }

    /// <summary>
    /// The response-time bookkeeping of a reply that reached the customer at <paramref name="when"/>:
    /// the first or next response event, and nothing waiting for the brand any more.
    /// </summary>
    internal static void CountResponse(RapportDbContext db, Conversation conversation, Guid? authorUserId, DateTime when)
    {
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
    }

    /// <summary>
    /// The response-time bookkeeping of a brand reply from an imported history that is older than the customer's latest
    /// message already stored (the file listed them out of order): it answered the customer's wait that began at
    /// <paramref name="waitingSince"/> (from the conversation's messages), and the conversation still waits for the
    /// brand. Its event is the first response unless a later reply was counted first: reporting events are appended,
    /// never rewritten.
    /// </summary>
    internal static void CountEarlierResponse(RapportDbContext db, Conversation conversation, DateTime when, DateTime? waitingSince)
    {
        if (waitingSince is { } since)
        {
            var name = conversation.FirstResponseAt is null ? ReportingEventNames.FirstResponse : ReportingEventNames.Reply;
            db.ReportingEvents.Add(Event(conversation, name, null, since, when));
        }
        conversation.FirstResponseAt ??= when;
        if (conversation.LastResponseAt is null || when > conversation.LastResponseAt)
        {
            conversation.LastResponseAt = when;
        }
        conversation.Version++;
    }

    /// <summary>
    /// Records a message the product sends by itself (a rule's acknowledgement, a survey invitation), queued for the outbox.
    /// It is not the brand's response: the conversation still waits for a person, and no response-time event is closed.
    /// </summary>
    internal static Message RecordAutomatedReply(RapportDbContext db, Conversation conversation, string authorName, string text, DateTime at)
    {
        var message = NewOutbound(db, conversation, null, authorName, text, note: false, at, DeliveryStatus.Queued);
        conversation.LastMessageAt = at > conversation.LastMessageAt ? at : conversation.LastMessageAt;
        return message;
    }

    private static Message NewOutbound(RapportDbContext db, Conversation conversation, Guid? authorUserId, string authorName, string text, bool note, DateTime when,
        DeliveryStatus delivery)
    {
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
        return message;
    }

    internal static void SetStatus(RapportDbContext db, Conversation conversation, ConversationStatus status, Guid? actorId, DateTime now)
    {
        if (status == conversation.Status)
        {
            return;
        }
        if (status == ConversationStatus.Resolved)
        {
            conversation.ResolvedAt = now;
            db.ReportingEvents.Add(Event(conversation, ReportingEventNames.ConversationResolved, actorId, conversation.CreatedAt, now));
            // How the customer feels at the end, for sentiment recovery (compared with how they opened).
            var closing = Event(conversation, ReportingEventNames.SentimentAtResolution, actorId, conversation.CreatedAt, now);
            closing.DurationSeconds = null;
            closing.Value = SentimentScale.Of(conversation.Sentiment);
            db.ReportingEvents.Add(closing);
        }
        else if (conversation.Status == ConversationStatus.Resolved)
        {
            db.ReportingEvents.Add(Event(conversation, ReportingEventNames.ConversationReopened, actorId, conversation.ResolvedAt ?? now, now));
            conversation.ResolvedAt = null;
        }
        conversation.Status = status;
    }

    internal static ReportingEvent Event(Conversation conversation, string name, Guid? actorId, DateTime start, DateTime end) => new()
    {
        WorkspaceId = conversation.WorkspaceId,
        Name = name,
        ConversationId = conversation.Id,
        ChannelId = conversation.ChannelId,
        TeamId = conversation.TeamId,
        ActorUserId = actorId,
        StartedAt = start,
        EndedAt = end,
        DurationSeconds = Math.Max(0, (end - start).TotalSeconds),
    };

    private static ProblemHttpResult StaleVersion() => Problems.Conflict(
        "Conversation changed",
        "Someone else changed this conversation since you opened it. Reload it to see their change, then try again.");
}
