using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Outbox;

namespace Rapport.KnowledgeBase;

/// <summary>What running a macro did: the conversation's changes and, when the macro replies, the queued reply.</summary>
public sealed record MacroRunResult(ConversationActionResult Outcome, Message? Reply)
{
    public bool Succeeded => Outcome.Succeeded;
}

/// <summary>
/// Applies a macro to a conversation: its labels, status, priority and assignee through
/// <see cref="ConversationActions.UpdateAsync"/> (with the version the agent saw, so a stale one is refused), then its
/// reply, placeholders filled, through the outbox like any reply. Nothing is sent when the changes are refused.
/// </summary>
public sealed class MacroRunner(ConversationActions actions, OutboxService outbox)
{
    /// <summary>
    /// Runs the macro. With <c>confirmUndelivered</c> the agent has confirmed resolving although the conversation's last
    /// reply is not delivered (see <see cref="UpdateConversationRequest"/>); without it such a macro is refused, nothing done.
    /// </summary>
    public async Task<MacroRunResult> RunAsync(RapportDbContext db, Guid conversationId, Guid macroId, int version, Guid? actorId, string actorName,
        CancellationToken ct = default, bool confirmUndelivered = false)
    {
        ArgumentNullException.ThrowIfNull(db);
        var macro = await db.Macros.AsNoTracking().FirstOrDefaultAsync(m => m.Id == macroId, ct);
        if (macro is null)
        {
            return new(new(Problems.NotFound("Macro")), null);
        }
        var current = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId)
            .Select(c => new { Labels = c.Labels.Select(l => l.LabelId).ToList() })
            .FirstOrDefaultAsync(ct);
        if (current is null)
        {
            return new(new(Problems.NotFound("Conversation")), null);
        }
        // Labels are added to those the conversation has; a label deleted since the macro was saved is skipped.
        var existing = await db.Labels.Where(l => macro.AddLabelIds.Contains(l.Id)).Select(l => l.Id).ToListAsync(ct);
        var labels = macro.AddLabelIds.Count == 0 ? null : current.Labels.Union(existing).ToList();
        var request = new UpdateConversationRequest(version, macro.Status, null, macro.Priority, macro.AssigneeId, null, null, null, labels, null, null,
            ConfirmUndelivered: confirmUndelivered);
        var outcome = await actions.UpdateAsync(db, conversationId, request, actorId, ct);
        if (!outcome.Succeeded || macro.ReplyText is null)
        {
            return new(outcome, null);
        }
        var values = await Placeholders.ForConversationAsync(db, conversationId, actorName, ct);
        var text = Placeholders.Fill(macro.ReplyText, values!);
        var reply = await outbox.EnqueueReplyAsync(db, conversationId, actorId, actorName, text, ct);
        return new(outcome, reply);
    }
}
