using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Webhooks;

/// <summary>
/// Which subscriptions of a workspace want which event types, read from the database at most every
/// <see cref="Lifetime"/> per workspace: ingest publishes an event per message, and most workspaces subscribe to none,
/// so asking the database each time would cost the pipeline a query per message. A change on this node is seen at once;
/// another node sees it within <see cref="Lifetime"/>.
/// </summary>
public sealed class WebhookSubscriptionCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, (DateTime ReadAt, IReadOnlyList<(Guid Id, IReadOnlyList<string> Types)> Subscriptions)> workspaces = new();

    public async Task<IReadOnlyList<Guid>> SubscribersAsync(RapportDbContext db, Guid workspaceId, string eventType, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!workspaces.TryGetValue(workspaceId, out var known) || now - known.ReadAt > Lifetime)
        {
            var rows = await db.Set<WebhookSubscription>().IgnoreQueryFilters().AsNoTracking()
                .Where(s => s.WorkspaceId == workspaceId && s.Enabled)
                .Select(s => new { s.Id, s.EventTypes }).ToListAsync(ct);
            known = (now, rows.Select(r => (r.Id, (IReadOnlyList<string>)r.EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList());
            workspaces[workspaceId] = known;
        }
        return known.Subscriptions.Where(s => s.Types.Contains(eventType, StringComparer.Ordinal)).Select(s => s.Id).ToList();
    }

    /// <summary>Forgets what it knew of a workspace, after one of its subscriptions changed.</summary>
    public void Forget(Guid workspaceId) => workspaces.TryRemove(workspaceId, out _);
}
