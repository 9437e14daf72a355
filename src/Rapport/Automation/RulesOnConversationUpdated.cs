using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Events;

namespace Rapport.Automation;

/// <summary>
/// Runs the "conversation updated" rules when a person changes a conversation, inside the change's save: the rules see
/// the change, and what they do is saved with it. A subscriber, so Conversations does not call Automation.
/// </summary>
public sealed class RulesOnConversationUpdated(AutomationEngine rules) : IEventHandler<ConversationUpdated>
{
    public async Task HandleAsync(ConversationUpdated e, RapportDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(db);
        // The publisher holds the conversation it changed: the rules must act on that very instance.
        var conversation = db.Conversations.Local.FirstOrDefault(c => c.Id == e.ConversationId)
            ?? await db.Conversations.Include(c => c.Labels).FirstOrDefaultAsync(c => c.Id == e.ConversationId, ct);
        if (conversation is not null)
        {
            await rules.RunAsync(db, conversation, RuleTrigger.ConversationUpdated, null, ct);
        }
    }
}
