using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Rapport.Conversations.Live;

/// <summary>
/// Someone with a conversation open, and whether they are typing in it: <see cref="IsReplying"/> when what they type is a
/// reply the customer will read (not a note), which a live channel such as the website chat may show the customer.
/// </summary>
public sealed record PresentAgent(Guid UserId, string DisplayName, bool IsTyping, bool IsReplying);

/// <summary>
/// Who is viewing and who is typing on each conversation, across every circuit of this server. Each open page is a
/// viewer (an agent with two tabs counts once); a page that vanishes without leaving (a closed laptop) expires after
/// <see cref="ViewerTimeout"/> unless it keeps calling <see cref="Heartbeat"/>; typing lasts <see cref="TypingTimeout"/>
/// after the last keystroke. The customer's side of a live channel is here too: a watcher (the website chat visitor's
/// stream) hears the same changes without being a viewer, and the customer's typing signals are kept per conversation.
/// Each node keeps its own pages here and tells the other nodes on the <see cref="NodeBus"/> who is on each conversation
/// it has open, so an agent on one node sees a colleague connected to another.
/// </summary>
public sealed class ConversationPresence
{
    private const string Topic = "presence";

    /// <summary>At most this many people of one node are told to the others about one conversation: one signal's worth.</summary>
    private const int MaxAnnounced = 40;

    private readonly TimeProvider clock;
    private readonly NodeBus? bus;

    /// <summary>What the other nodes last said about each conversation: by conversation, then by node.</summary>
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, Heard>> remote = new();

    /// <summary>One node's people on a conversation, as it last announced them, and when that was heard.</summary>
    private sealed record Heard(IReadOnlyList<Announced> Viewers, bool ContactTyping, DateTimeOffset HeardAt);

    /// <summary>A signal on the bus: a conversation, whether the customer is typing there, and the node's people on it.</summary>
    private sealed record Announcement(Guid Conversation, bool ContactTyping, List<Announced> Viewers);

    private sealed record Announced(Guid UserId, string Name, bool Typing, bool Replying);

    public ConversationPresence(TimeProvider clock, NodeBus? bus = null)
    {
        this.clock = clock;
        this.bus = bus;
        if (bus is not null)
        {
            bus.On(Topic, Hear);
            bus.OnRefresh(AnnounceAll);
        }
    }
    public static readonly TimeSpan ViewerTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan TypingTimeout = TimeSpan.FromSeconds(6);

    /// <summary>
    /// The customer may signal typing at most this often; a signal lasts <see cref="TypingTimeout"/>, so a customer who
    /// keeps typing stays shown as typing with one signal every few seconds.
    /// </summary>
    public static readonly TimeSpan TypingSignalInterval = TimeSpan.FromSeconds(3);

    private sealed record Viewer(Guid UserId, string DisplayName, DateTimeOffset SeenAt, DateTimeOffset? TypedAt, bool Replying);

    private sealed class Room(Guid id)
    {
        public Guid Id => id;

        public readonly ConcurrentDictionary<Guid, Viewer> Viewers = new();
        /// <summary>Listeners that are not viewers: the customer's live stream. The room stays while there is one.</summary>
        public int Watchers;
        public DateTimeOffset? ContactTypedAt;
        /// <summary>Set when the last page left and the room was dropped: a page joining then takes a fresh room.</summary>
        public bool Closed;
        /// <summary>Who hears changes; replaced, never changed in place, so <see cref="Raise"/> reads it without the lock.</summary>
        public ImmutableList<Listener<Room>> Listeners = [];

        public void Raise()
        {
            foreach (var listener in Listeners)
            {
                try
                {
                    // Each page hears it in its own context (its culture), not the raiser's.
                    listener.Invoke(this);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // One broken page must not keep the others from hearing about presence.
                }
            }
        }
    }

    private readonly ConcurrentDictionary<Guid, Room> rooms = new();

    /// <summary>Registers one open page (<paramref name="viewId"/>) and calls <paramref name="changed"/> whenever presence on the conversation changes.</summary>
    public IDisposable Join(Guid conversationId, Guid viewId, Guid userId, string displayName, Action changed)
    {
        var listener = new Listener<Room>(_ => changed());
        var room = Enter(conversationId, room =>
        {
            room.Listeners = room.Listeners.Add(listener);
            room.Viewers[viewId] = new Viewer(userId, displayName, clock.GetUtcNow(), null, false);
        });
        Changed(room);
        return new DisposeOnce(() =>
        {
            lock (room)
            {
                room.Listeners = room.Listeners.Remove(listener);
                room.Viewers.TryRemove(viewId, out _);
                CloseIfEmpty(conversationId, room);
            }
            Changed(room);
        });
    }

    /// <summary>
    /// Hears presence changes on the conversation without being shown as a viewer: how the customer's side of a live
    /// channel learns that an agent is typing a reply.
    /// </summary>
    public IDisposable Watch(Guid conversationId, Action changed)
    {
        var listener = new Listener<Room>(_ => changed());
        var room = Enter(conversationId, room =>
        {
            room.Listeners = room.Listeners.Add(listener);
            room.Watchers++;
        });
        return new DisposeOnce(() =>
        {
            lock (room)
            {
                room.Listeners = room.Listeners.Remove(listener);
                room.Watchers--;
                CloseIfEmpty(conversationId, room);
            }
        });
    }

    /// <summary>
    /// The conversation's room, with <paramref name="enter"/> done under its lock; a room closed meanwhile by the last one
    /// leaving is replaced by a new one.
    /// </summary>
    private Room Enter(Guid conversationId, Action<Room> enter)
    {
        while (true)
        {
            var room = rooms.GetOrAdd(conversationId, id => new Room(id));
            lock (room)
            {
                if (!room.Closed)
                {
                    enter(room);
                    return room;
                }
            }
        }
    }

    /// <summary>Nobody left: forget the conversation so the tracker holds only open pages and streams. Called under the room's lock.</summary>
    private void CloseIfEmpty(Guid conversationId, Room room)
    {
        if (room.Viewers.IsEmpty && room.Watchers == 0)
        {
            room.Closed = true;
            rooms.TryRemove(new KeyValuePair<Guid, Room>(conversationId, room));
        }
    }

    /// <summary>The page is still open.</summary>
    public void Heartbeat(Guid conversationId, Guid viewId)
    {
        if (rooms.TryGetValue(conversationId, out var room) && room.Viewers.TryGetValue(viewId, out var viewer))
        {
            // The other nodes hear it at the bus's next refresh, well within their ViewerTimeout.
            room.Viewers[viewId] = viewer with { SeenAt = clock.GetUtcNow() };
        }
    }

    /// <summary>
    /// A keystroke in the reply box (<paramref name="replying"/>) or the note box; others hear about it only when typing
    /// starts or moves between the two, not at every key.
    /// </summary>
    public void Typing(Guid conversationId, Guid viewId, bool replying = false)
    {
        if (!rooms.TryGetValue(conversationId, out var room) || !room.Viewers.TryGetValue(viewId, out var viewer))
        {
            return;
        }
        var now = clock.GetUtcNow();
        var wasTyping = IsTyping(viewer, now);
        room.Viewers[viewId] = viewer with { SeenAt = now, TypedAt = now, Replying = replying };
        if (!wasTyping || viewer.Replying != replying)
        {
            Changed(room);
        }
    }

    /// <summary>
    /// The customer is typing (a chat visitor's signal). Refused, returning false, when the last signal was less than
    /// <see cref="TypingSignalInterval"/> ago. Kept only while someone has the conversation open or watched: with nobody
    /// there, there is nobody to tell.
    /// </summary>
    public bool ContactTyping(Guid conversationId)
    {
        if (!rooms.TryGetValue(conversationId, out var room))
        {
            return true;
        }
        var now = clock.GetUtcNow();
        lock (room)
        {
            if (room.ContactTypedAt is { } at && now - at < TypingSignalInterval)
            {
                return false;
            }
            room.ContactTypedAt = now;
        }
        Changed(room);
        return true;
    }

    /// <summary>Whether the customer signalled typing within the last <see cref="TypingTimeout"/>.</summary>
    public bool IsContactTyping(Guid conversationId) =>
        (rooms.TryGetValue(conversationId, out var room) && room.ContactTypedAt is { } at && clock.GetUtcNow() - at < TypingTimeout)
        || HeardOn(conversationId, clock.GetUtcNow(), TypingTimeout).Any(h => h.ContactTyping);

    /// <summary>Sent or cleared: stops showing this page as typing.</summary>
    public void StoppedTyping(Guid conversationId, Guid viewId)
    {
        if (rooms.TryGetValue(conversationId, out var room) && room.Viewers.TryGetValue(viewId, out var viewer) && viewer.TypedAt is not null)
        {
            room.Viewers[viewId] = viewer with { TypedAt = null, Replying = false };
            Changed(room);
        }
    }

    /// <summary>Everyone on the conversation now, one entry per person (typing if any of their pages is).</summary>
    public IReadOnlyList<PresentAgent> Present(Guid conversationId)
    {
        var now = clock.GetUtcNow();
        var here = new List<PresentAgent>();
        if (rooms.TryGetValue(conversationId, out var room))
        {
            foreach (var (id, viewer) in room.Viewers)
            {
                if (now - viewer.SeenAt > ViewerTimeout)
                {
                    room.Viewers.TryRemove(id, out _);
                }
            }
            here.AddRange(room.Viewers.Values.Select(v => new PresentAgent(v.UserId, v.DisplayName, IsTyping(v, now), v.Replying && IsTyping(v, now))));
        }
        // Another node's people count while its last word is fresh; typing while it is fresher still (no node says "stopped" when typing lapses).
        here.AddRange(HeardOn(conversationId, now, ViewerTimeout).SelectMany(h => h.Viewers.Select(v =>
            new PresentAgent(v.UserId, v.Name, v.Typing && now - h.HeardAt < TypingTimeout, v.Replying && v.Typing && now - h.HeardAt < TypingTimeout))));
        return here
            .GroupBy(p => p.UserId)
            .Select(g => new PresentAgent(g.Key, g.First().DisplayName, g.Any(p => p.IsTyping), g.Any(p => p.IsReplying)))
            .OrderBy(p => p.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
    }

    private IEnumerable<Heard> HeardOn(Guid conversationId, DateTimeOffset now, TimeSpan freshness) =>
        remote.TryGetValue(conversationId, out var nodes) ? nodes.Values.Where(h => now - h.HeardAt <= freshness) : [];

    /// <summary>Tells this node's pages on the conversation, and the other nodes who is here now.</summary>
    private void Changed(Room room)
    {
        room.Raise();
        Announce(room);
    }

    private void Announce(Room room)
    {
        if (bus is not { Enabled: true })
        {
            return;
        }
        var now = clock.GetUtcNow();
        var viewers = room.Viewers.Values.Where(v => now - v.SeenAt <= ViewerTimeout).GroupBy(v => v.UserId).Take(MaxAnnounced)
            .Select(g => new Announced(g.Key, Truncate(g.First().DisplayName), g.Any(v => IsTyping(v, now)), g.Any(v => v.Replying && IsTyping(v, now))))
            .ToList();
        var contactTyping = room.ContactTypedAt is { } at && now - at < TypingTimeout;
        bus.Send(Topic, System.Text.Json.JsonSerializer.Serialize(new Announcement(room.Id, contactTyping, viewers)));
    }

    private static string Truncate(string name) => name.Length <= 80 ? name : name[..80];

    /// <summary>Repeats every open conversation's people, for a node that just started or missed a signal.</summary>
    private void AnnounceAll()
    {
        // A node that died said nothing more: forget what it said once it has expired.
        var now = clock.GetUtcNow();
        foreach (var (conversation, nodes) in remote)
        {
            foreach (var (node, heard) in nodes)
            {
                if (now - heard.HeardAt > ViewerTimeout)
                {
                    nodes.TryRemove(node, out _);
                }
            }
            if (nodes.IsEmpty)
            {
                remote.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<string, Heard>>(conversation, nodes));
            }
        }
        foreach (var room in rooms.Values)
        {
            if (!room.Viewers.IsEmpty)
            {
                Announce(room);
            }
        }
    }

    private void Hear(string node, string body)
    {
        if (System.Text.Json.JsonSerializer.Deserialize<Announcement>(body) is not { Viewers: not null } said)
        {
            return;
        }
        var nodes = remote.GetOrAdd(said.Conversation, _ => new());
        if (said.Viewers.Count == 0 && !said.ContactTyping)
        {
            nodes.TryRemove(node, out _);
            if (nodes.IsEmpty)
            {
                remote.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<string, Heard>>(said.Conversation, nodes));
            }
        }
        else
        {
            nodes[node] = new Heard(said.Viewers, said.ContactTyping, clock.GetUtcNow());
        }
        if (rooms.TryGetValue(said.Conversation, out var room))
        {
            room.Raise();
        }
    }

    private static bool IsTyping(Viewer viewer, DateTimeOffset now) => viewer.TypedAt is { } at && now - at < TypingTimeout;
}
