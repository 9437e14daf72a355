using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Events;

namespace Rapport.Satisfaction;

/// <summary>Queues the survey invitation when a conversation is resolved, in the resolution's save.</summary>
public sealed class SurveyOnResolve(SurveyLinks links) : IEventHandler<ConversationResolved>
{
    public async Task HandleAsync(ConversationResolved e, RapportDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(db);
        var conversation = db.Conversations.Local.FirstOrDefault(c => c.Id == e.ConversationId)
            ?? await db.Conversations.FirstOrDefaultAsync(c => c.Id == e.ConversationId, ct);
        if (conversation is not null)
        {
            await links.QueueOnResolveAsync(db, conversation, ct);
        }
    }
}
