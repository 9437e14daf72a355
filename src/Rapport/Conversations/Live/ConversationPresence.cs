using System.Collections.Concurrent;

namespace Rapport.Conversations.Live;

/// <summary>Someone with a conversation open, and whether they are typing in it.</summary>
public sealed record PresentAgent(Guid UserId, string DisplayName, bool IsTyping);

/// <summary>
/// Who is viewing and who is typing on each conversation, across every circuit of this server. Each open page is a
/// viewer (an agent with two tabs counts once); a page that vanishes without leaving (a closed laptop) expires after
/// <see cref="ViewerTimeout"/> unless it keeps calling <see cref="Heartbeat"/>; typing lasts <see cref="TypingTimeout"/>
/// after the last keystroke. In-process, like <see cref="ConversationEvents"/>.
/// </summary>
public sealed class ConversationPresence(TimeProvider clock)
{
    public static readonly TimeSpan ViewerTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan TypingTimeout = TimeSpan.FromSeconds(6);

    private sealed record Viewer(Guid UserId, string DisplayName, DateTimeOffset SeenAt, DateTimeOffset? TypedAt);

    private sealed class Room
    {
        public readonly ConcurrentDictionary<Guid, Viewer> Viewers = new();
        /// <summary>Set when the last page left and the room was dropped: a page joining then takes a fresh room.</summary>
        public bool Closed;
        public event Action? Changed;

        public void Raise()
        {
            foreach (var handler in Changed?.GetInvocationList() ?? [])
            {
                try
                {
                    ((Action)handler)();
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
        while (true)
        {
            var room = rooms.GetOrAdd(conversationId, _ => new Room());
            lock (room)
            {
                if (room.Closed)
                {
                    continue;
                }
                room.Changed += changed;
                room.Viewers[viewId] = new Viewer(userId, displayName, clock.GetUtcNow(), null);
            }
            room.Raise();
            return new Leave(() =>
            {
                lock (room)
                {
                    room.Changed -= changed;
                    room.Viewers.TryRemove(viewId, out _);
                    if (room.Viewers.IsEmpty)
                    {
                        // Nobody left: forget the conversation so the tracker holds only open pages.
                        room.Closed = true;
                        rooms.TryRemove(new KeyValuePair<Guid, Room>(conversationId, room));
                    }
                }
                room.Raise();
            });
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

    /// <summary>A keystroke in the reply or note box; others hear about it only when typing starts, not at every key.</summary>
    public void Typing(Guid conversationId, Guid viewId)
    {
        if (!rooms.TryGetValue(conversationId, out var room) || !room.Viewers.TryGetValue(viewId, out var viewer))
        {
            return;
        }
        var now = clock.GetUtcNow();
        var wasTyping = viewer.TypedAt is { } at && now - at < TypingTimeout;
        room.Viewers[viewId] = viewer with { SeenAt = now, TypedAt = now };
        if (!wasTyping)
        {
            room.Raise();
        }
    }

    /// <summary>Sent or cleared: stops showing this page as typing.</summary>
    public void StoppedTyping(Guid conversationId, Guid viewId)
    {
        if (rooms.TryGetValue(conversationId, out var room) && room.Viewers.TryGetValue(viewId, out var viewer) && viewer.TypedAt is not null)
        {
            room.Viewers[viewId] = viewer with { TypedAt = null };
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
            .Select(g => new PresentAgent(g.Key, g.First().DisplayName, g.Any(v => v.TypedAt is { } at && now - at < TypingTimeout)))
            .OrderBy(p => p.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
    }

    private sealed class Leave(Action leave) : IDisposable
    {
        private Action? leave = leave;

        public void Dispose() => Interlocked.Exchange(ref leave, null)?.Invoke();
    }
}
