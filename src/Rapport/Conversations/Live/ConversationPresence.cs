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
/// In-process, like <see cref="ConversationEvents"/>.
/// </summary>
public sealed class ConversationPresence(TimeProvider clock)
{
    public static readonly TimeSpan ViewerTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan TypingTimeout = TimeSpan.FromSeconds(6);

    /// <summary>
    /// The customer may signal typing at most this often; a signal lasts <see cref="TypingTimeout"/>, so a customer who
    /// keeps typing stays shown as typing with one signal every few seconds.
    /// </summary>
    public static readonly TimeSpan TypingSignalInterval = TimeSpan.FromSeconds(3);

    private sealed record Viewer(Guid UserId, string DisplayName, DateTimeOffset SeenAt, DateTimeOffset? TypedAt, bool Replying);

    private sealed class Room
    {
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
        room.Raise();
        return new DisposeOnce(() =>
        {
            lock (room)
            {
                room.Listeners = room.Listeners.Remove(listener);
                room.Viewers.TryRemove(viewId, out _);
                CloseIfEmpty(conversationId, room);
            }
            room.Raise();
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
            var room = rooms.GetOrAdd(conversationId, _ => new Room());
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
            room.Raise();
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
        room.Raise();
        return true;
    }

    /// <summary>Whether the customer signalled typing within the last <see cref="TypingTimeout"/>.</summary>
    public bool IsContactTyping(Guid conversationId) =>
        rooms.TryGetValue(conversationId, out var room) && room.ContactTypedAt is { } at && clock.GetUtcNow() - at < TypingTimeout;

    /// <summary>Sent or cleared: stops showing this page as typing.</summary>
    public void StoppedTyping(Guid conversationId, Guid viewId)
    {
        if (rooms.TryGetValue(conversationId, out var room) && room.Viewers.TryGetValue(viewId, out var viewer) && viewer.TypedAt is not null)
        {
            room.Viewers[viewId] = viewer with { TypedAt = null, Replying = false };
            room.Raise();
        }
    }

    /// <summary>Everyone on the conversation now, one entry per person (typing if any of their pages is).</summary>
    public IReadOnlyList<PresentAgent> Present(Guid conversationId)
    {
        if (!rooms.TryGetValue(conversationId, out var room))
        {
            return [];
        }
        var now = clock.GetUtcNow();
        foreach (var (id, viewer) in room.Viewers)
        {
            if (now - viewer.SeenAt > ViewerTimeout)
            {
                room.Viewers.TryRemove(id, out _);
            }
        }
        return room.Viewers.Values
            .GroupBy(v => v.UserId)
            .Select(g => new PresentAgent(g.Key, g.First().DisplayName, g.Any(v => IsTyping(v, now)), g.Any(v => v.Replying && IsTyping(v, now))))
            .OrderBy(p => p.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
    }

    private static bool IsTyping(Viewer viewer, DateTimeOffset now) => viewer.TypedAt is { } at && now - at < TypingTimeout;
}
