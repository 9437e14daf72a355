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
/// ingest, agents' actions, the outbox, corrections, automation. With several nodes on one PostgreSQL, each batch also
/// travels on the <see cref="NodeBus"/> to the pages open on the other nodes.
/// </summary>
public sealed class ConversationEvents
{
    private const string Topic = "changes";

    /// <summary>A change on the bus is "workspace,conversation,kind;": about 77 characters, so this many fit in one signal.</summary>
    private const int ChangesPerSignal = NodeBus.MaxBody / 80;

    private readonly ConcurrentDictionary<Guid, ImmutableList<Listener<IReadOnlyList<ConversationChange>>>> subscribers = new();
    private readonly NodeBus? bus;

    public ConversationEvents(NodeBus? bus = null)
    {
        this.bus = bus;
        bus?.On(Topic, (_, body) => Deliver(Parse(body)));
    }

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

    /// <summary>Tells this node's pages and, through the bus, the other nodes' pages.</summary>
    public void Publish(IReadOnlyList<ConversationChange> changes)
    {
        Deliver(changes);
        if (bus is { Enabled: true })
        {
            foreach (var chunk in changes.Distinct().Chunk(ChangesPerSignal))
            {
                bus.Send(Topic, string.Join(';', chunk.Select(c => $"{c.WorkspaceId:N},{c.ConversationId:N},{(int)c.Kind}")));
            }
        }
    }

    private static List<ConversationChange> Parse(string body)
    {
        var changes = new List<ConversationChange>();
        foreach (var part in body.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = part.Split(',');
            if (f.Length == 3 && Guid.TryParse(f[0], out var workspaceId) && Guid.TryParse(f[1], out var conversationId)
                && Enum.TryParse<ConversationChangeKind>(f[2], out var kind) && Enum.IsDefined(kind))
            {
                changes.Add(new(workspaceId, conversationId, kind));
            }
        }
        return changes;
    }

    /// <summary>Tells this node's pages only: what another node announced arrives here.</summary>
    private void Deliver(IReadOnlyList<ConversationChange> changes)
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
