using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Links;

/// <summary>Where a code sends readers, read once from the database and kept: a link's target never changes.</summary>
public sealed record LinkTarget(Guid LinkId, Guid WorkspaceId, string Destination);

/// <summary>
/// Codes and their destinations in memory, so a redirect reads no database once a code is known. Links are never
/// edited; a deleted link is forgotten here (on other nodes, it redirects until they restart — docs/links.md).
/// </summary>
public sealed class LinkCache(RapportDbContextFactory factory)
{
    /// <summary>Enough for every link of a large instance; beyond it, the cache starts again rather than grow without end.</summary>
    private const int MaxEntries = 200_000;
    private readonly ConcurrentDictionary<string, LinkTarget> targets = new(StringComparer.Ordinal);

    public async ValueTask<LinkTarget?> FindAsync(string code, CancellationToken ct)
    {
        if (targets.TryGetValue(code, out var known))
        {
            return known;
        }
        await using var db = factory.CreateDbContext();
        var link = await db.Set<TrackedLink>().AsNoTracking().IgnoreQueryFilters().FirstOrDefaultAsync(l => l.Code == code, ct);
        if (link is null)
        {
            return null;
        }
        if (targets.Count >= MaxEntries)
        {
            targets.Clear();
        }
        return targets[code] = new LinkTarget(link.Id, link.WorkspaceId, LinkService.Destination(link));
    }

    public void Forget(string code) => targets.TryRemove(code, out _);
}
