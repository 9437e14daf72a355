using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Conversations.Inbox;
using Rapport.Data;
using Rapport.Outbox;

namespace Rapport.Channels;

/// <summary>
/// What is piling up on a channel: replies and posts waiting in the outbox (<see cref="OutboxPending"/>, the oldest
/// since <see cref="OldestPendingSince"/>), those that failed for good (<see cref="OutboxFailed"/>, until an agent
/// sends them again), and open conversations waiting for an answer (<see cref="WaitingConversations"/>).
/// </summary>
public sealed record ChannelBacklog(int OutboxPending, int OutboxFailed, DateTime? OldestPendingSince, int WaitingConversations)
{
    public static readonly ChannelBacklog None = new(0, 0, null, 0);

    /// <summary>
    /// The backlog of every channel of the database's workspace (or of one channel), in two grouped queries whatever
    /// the number of channels. A scheduled reply whose time has not come is not waiting: it is where it should be.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, ChannelBacklog>> ForChannelsAsync(
        RapportDbContext db, DateTime now, CancellationToken ct, Guid? channelId = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        // Outgoing webhooks' events wait in the outbox too, under their subscription's id: they are no channel's backlog.
        var items = db.OutboxItems.Where(o => o.EventDeliveryId == null);
        var conversations = db.Conversations.AsQueryable();
        if (channelId is { } only)
        {
            items = items.Where(o => o.ChannelId == only);
            conversations = conversations.Where(c => c.ChannelId == only);
        }
        var outbox = await items
            .Where(o => o.Status == OutboxStatus.Failed
                || ((o.Status == OutboxStatus.Pending || o.Status == OutboxStatus.Sending) && (o.Attempts > 0 || o.NextAttemptAt <= now)))
            .GroupBy(o => o.ChannelId)
            .Select(g => new
            {
                ChannelId = g.Key,
                Pending = g.Count(o => o.Status != OutboxStatus.Failed),
                Failed = g.Count(o => o.Status == OutboxStatus.Failed),
                Oldest = g.Where(o => o.Status != OutboxStatus.Failed).Min(o => (DateTime?)o.CreatedAt),
            })
            .ToListAsync(ct);
        var waiting = await conversations
            .Where(c => c.Status == ConversationStatus.Open && !c.IsNoise && c.MergedIntoId == null && c.NeedsAnswer >= InboxQuery.NeedsAnswerThreshold)
            .GroupBy(c => c.ChannelId)
            .Select(g => new { ChannelId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.ChannelId, g => g.Count, ct);

        var backlog = outbox.ToDictionary(o => o.ChannelId,
            o => new ChannelBacklog(o.Pending, o.Failed, o.Oldest, waiting.GetValueOrDefault(o.ChannelId)));
        foreach (var (id, count) in waiting)
        {
            backlog.TryAdd(id, None with { WaitingConversations = count });
        }
        return backlog;
    }
}
