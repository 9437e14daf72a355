using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rapport.Conversations.Inbox;

/// <summary>
/// The inbox's order, kept on the conversation itself so the default view is an index range scan
/// (docs/decisions/0030-inbox-rank.md). A coarse rank says how much an answer matters; inside a rank, the nearest
/// due time comes first, so SLA time left orders conversations of equal weight without going stale as time passes.
/// </summary>
public static class InboxRank
{
    /// <summary>Resolved and snoozed conversations: nothing to do now, below everything else.</summary>
    public const int Done = 0;

    public const int Highest = 13;

    /// <summary>Without an SLA, an answer is "due" a day after the customer wrote: the oldest wait comes first.</summary>
    public static readonly TimeSpan DefaultResponseTime = TimeSpan.FromDays(1);

    /// <summary>
    /// Weights in rank steps: a certain need for an answer is worth 4, each urgency signal 1.5 (two at most), a
    /// fully negative sentiment 2, a high or urgent priority 1.5 or 3; waiting on the customer takes 2 away.
    /// </summary>
    public static int Of(ConversationStatus status, Priority priority, double needsAnswer, int urgency, double? sentiment)
    {
        if (status is ConversationStatus.Resolved or ConversationStatus.Snoozed)
        {
            return Done;
        }
        var score = 4 * Math.Clamp(needsAnswer, 0, 1)
            + 1.5 * Math.Clamp(urgency, 0, 2)
            + 2 * Math.Clamp(-(sentiment ?? 0), 0, 1)
            + priority switch
            {
                Priority.Low => -1,
                Priority.High => 1.5,
                Priority.Urgent => 3,
                _ => 0,
            }
            - (status == ConversationStatus.Pending ? 2 : 0);
        return 1 + (int)Math.Clamp(Math.Round(score, MidpointRounding.AwayFromZero), 0, Highest - 1);
    }

    /// <summary>The earliest response still owed under the SLA, else a day after the customer's latest message.</summary>
    public static DateTime DueAt(DateTime? firstResponseDueAt, DateTime? firstResponseAt, DateTime? nextResponseDueAt, DateTime? lastInboundAt, DateTime createdAt)
    {
        DateTime? due = firstResponseAt is null ? firstResponseDueAt : null;
        if (nextResponseDueAt is { } next && (due is null || next < due))
        {
            due = next;
        }
        return due ?? (lastInboundAt ?? createdAt) + DefaultResponseTime;
    }

    /// <summary>Sets the conversation's rank and due time from what it holds now.</summary>
    public static void Apply(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        conversation.InboxRank = Of(conversation.Status, conversation.Priority, conversation.NeedsAnswer, conversation.Urgency, conversation.Sentiment);
        conversation.InboxDueAt = DueAt(conversation.FirstResponseDueAt, conversation.FirstResponseAt, conversation.NextResponseDueAt,
            conversation.LastInboundAt, conversation.CreatedAt);
    }
}

/// <summary>Keeps <see cref="InboxRank"/> true on every save, whatever code path changed the conversation.</summary>
public sealed class InboxRankInterceptor : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Rank(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Rank(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Rank(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        foreach (var entry in context.ChangeTracker.Entries<Conversation>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                InboxRank.Apply(entry.Entity);
                // Marks the rank as changed even when the saver detected changes itself and turned automatic detection off.
                entry.DetectChanges();
            }
        }
    }
}
