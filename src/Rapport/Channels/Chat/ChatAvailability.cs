using System.Collections.Concurrent;

namespace Rapport.Channels.Chat;

/// <summary>
/// Whether someone can answer a website chat right now: an agent, admin or owner of the workspace has Rapport open (an
/// interactive page, whatever it shows). Each open page counts while it is connected (<see cref="ChatAvailabilityCircuit"/>);
/// closing the tab or losing the connection ends the count. In-process, like the other live features: one server instance.
/// </summary>
public sealed class ChatAvailability
{
    private readonly ConcurrentDictionary<Guid, int> openPages = new();

    /// <summary>One open page of someone who can answer; dispose when the page goes.</summary>
    public IDisposable Open(Guid workspaceId)
    {
        openPages.AddOrUpdate(workspaceId, 1, (_, count) => count + 1);
        return new Conversations.Live.DisposeOnce(() => openPages.AddOrUpdate(workspaceId, 0, (_, count) => Math.Max(0, count - 1)));
    }

    public bool IsAvailable(Guid workspaceId) => openPages.TryGetValue(workspaceId, out var count) && count > 0;
}
