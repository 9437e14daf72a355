using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Rapport.Conversations.Live;

public enum ConversationChangeKind
{
    /// <summary>Status, assignee, labels, priority, analysis… anything on the conversation itself.</summary>
    Updated,
    /// <summary>A message (inbound, reply or note) was added or its delivery changed.</summary>
    Message,
}

public sealed record ConversationChange(Guid WorkspaceId, Guid ConversationId, ConversationChangeKind Kind);

/// <summary>
/// Tells open pages (inbox, conversation) what changed, so they refresh without a reload. Fed by
/// <see cref="ConversationChangeInterceptor"/> after every successful save, whatever code path saved:
/// ingest, agents' actions, the outbox, corrections, automation. In-process: one server instance.
/// </summary>
public sealed class ConversationEvents
{
    private readonly ConcurrentDictionary<Guid, ImmutableList<Listener<IReadOnlyList<ConversationChange>>>> subscribers = new();

    /// <summary>
    /// Calls <paramref name="handler"/> with each batch of changes in the workspace, in the subscriber's execution context
    /// (its culture included), whatever thread saved; dispose to stop.
    /// </summary>
    public IDisposable Subscribe(Guid workspaceId, Action<IReadOnlyList<ConversationChange>> handler)
    {
        var listener = new Listener<IReadOnlyList<ConversationChange>>(handler);
        subscribers.AddOrUpdate(workspaceId, _ => [listener], (_, list) => list.Add(listener));
        return new DisposeOnce(() => subscribers.AddOrUpdate(workspaceId, _ => [], (_, list) => list.Remove(listener)));
    }

    public void Publish(IReadOnlyList<ConversationChange> changes)
    {
        foreach (var group in changes.GroupBy(c => c.WorkspaceId))
        {
            if (!subscribers.TryGetValue(group.Key, out var handlers))
            {
                continue;
            }
            var batch = group.Distinct().ToList();
            foreach (var handler in handlers)
            {
                try
                {
                    handler.Invoke(batch);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A page that fails to refresh must not fail the save that already happened.
                }
            }
        }
    }
}
