using System.Collections.Concurrent;
using Rapport.Conversations.Live;

namespace Rapport.Channels.Chat;

/// <summary>
/// Whether someone can answer a website chat right now: an agent, admin or owner of the workspace has Rapport open (an
/// interactive page, whatever it shows). Each open page counts while it is connected (<see cref="ChatAvailabilityCircuit"/>);
/// closing the tab or losing the connection ends the count. With several nodes, each tells the others on the
/// <see cref="NodeBus"/> which workspaces have someone on it, when that changes and every <see cref="NodeBus.RefreshEvery"/>;
/// a node that stops telling (it died) stops counting after <see cref="HeardFor"/>.
/// </summary>
public sealed class ChatAvailability
{
    private const string Topic = "chat-available";

    /// <summary>How long another node's word counts: three of its refreshes, so one lost signal changes nothing.</summary>
    public static readonly TimeSpan HeardFor = NodeBus.RefreshEvery * 3;

    private readonly ConcurrentDictionary<Guid, int> openPages = new();
    private readonly ConcurrentDictionary<string, (HashSet<Guid> Workspaces, DateTimeOffset HeardAt)> otherNodes = new();
    private readonly NodeBus? bus;
    private readonly TimeProvider clock;

    public ChatAvailability(NodeBus? bus = null, TimeProvider? clock = null)
    {
        this.bus = bus;
        this.clock = clock ?? TimeProvider.System;
        if (bus is not null)
        {
            bus.On(Topic, Hear);
            bus.OnRefresh(Announce);
        }
    }

    /// <summary>One open page of someone who can answer; dispose when the page goes.</summary>
    public IDisposable Open(Guid workspaceId)
    {
        if (openPages.AddOrUpdate(workspaceId, 1, (_, count) => count + 1) == 1)
        {
            Announce();
        }
        return new DisposeOnce(() =>
        {
            if (openPages.AddOrUpdate(workspaceId, 0, (_, count) => Math.Max(0, count - 1)) == 0)
            {
                Announce();
            }
        });
    }

    public bool IsAvailable(Guid workspaceId) =>
        (openPages.TryGetValue(workspaceId, out var count) && count > 0)
        || otherNodes.Values.Any(n => clock.GetUtcNow() - n.HeardAt <= HeardFor && n.Workspaces.Contains(workspaceId));

    /// <summary>This node's workspaces with someone on, as a list of ids (a 2-core node holds a few hundred at most in one signal).</summary>
    private void Announce()
    {
        if (bus is { Enabled: true })
        {
            var open = openPages.Where(p => p.Value > 0).Select(p => p.Key.ToString("N")).Take(NodeBus.MaxBody / 33);
            bus.Send(Topic, string.Join(',', open));
        }
    }

    private void Hear(string node, string body)
    {
        var workspaces = body.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(id => Guid.TryParse(id, out var g) ? g : Guid.Empty)
            .Where(g => g != Guid.Empty).ToHashSet();
        otherNodes[node] = (workspaces, clock.GetUtcNow());
    }
}
