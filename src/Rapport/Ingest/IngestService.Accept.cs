using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Ingest;

/// <summary>
/// Accept, then process (docs/decisions/0056-accept-then-process.md): every inbound item is first stored as received
/// (<see cref="ReceivedItem"/>), then processed into a message. A caller that answers someone (the API, the webhook
/// receiver, the chat, a poll, an import) processes what it accepted at once, holding the item's lease meanwhile; what it
/// leaves unprocessed (a crash, a failure) the <see cref="IngestWorker"/> claims once the lease is over. Processing is
/// idempotent on the message's channel and external id, so an item processed again stores nothing twice.
/// </summary>
public sealed partial class IngestService
{
    private const int MaxErrorLength = 2000;

    /// <summary>
    /// Stores the items as received (each channel and external id once: an item accepted before is left as it is) and
    /// returns how many were new. With <paramref name="claim"/>, the caller holds the new items' lease and processes them
    /// itself; without, the worker processes them. The items are stored in one transaction of their own, before any
    /// processing, so what was accepted survives whatever happens next.
    /// </summary>
    public async Task<int> AcceptAsync(RapportDbContext db, Guid workspaceId, IReadOnlyList<InboundItem> items, bool claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(items);
        items = Normalized(items);
        var now = clock.GetUtcNow().UtcDateTime;
        var known = await AcceptedAsync(db, items, cancellationToken);
        var added = new List<ReceivedItem>(items.Count);
        foreach (var item in items)
        {
            var externalId = Clean(item.ExternalId);
            if (!known.Add((item.ChannelId, externalId)))
            {
                continue; // Accepted before, or twice in this batch.
            }
            added.Add(new ReceivedItem
            {
                WorkspaceId = workspaceId,
                ChannelId = item.ChannelId,
                ExternalId = externalId,
                Payload = JsonSerializer.Serialize(item, ReceivedItemJson.Default.InboundItem),
                State = ReceivedItemState.Accepted,
                AcceptedAt = now,
                ClaimedUntil = claim ? now + options.Value.Lease : null,
                Attempts = claim ? 1 : 0,
            });
        }
        if (added.Count == 0)
        {
            return 0;
        }
        if (db.Database.CurrentTransaction is not null)
        {
            // Inside the caller's transaction (a webhook delivery and its receipt): accepted with it, or not at all.
            await AddAsync(db, added, cancellationToken);
            return added.Count;
        }
        try
        {
            await AddAsync(db, added, cancellationToken);
            if (!claim)
            {
                // Nobody processes them here: the worker is told at once rather than at its next round.
                signal.Notify();
            }
            return added.Count;
        }
        catch (DbUpdateException) when (added.Count > 1)
        {
            // Another delivery of some of them got there first: accept them one by one, leaving the ones stored.
            db.ChangeTracker.Clear();
            var count = 0;
            foreach (var one in added)
            {
                try
                {
                    await AddAsync(db, [one], cancellationToken);
                    count++;
                }
                catch (DbUpdateException)
                {
                    db.ChangeTracker.Clear();
                }
            }
            return count;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return 0; // The same item delivered twice at once: the unique index lets one through.
        }
    }

    private async Task AddAsync(RapportDbContext db, List<ReceivedItem> added, CancellationToken ct)
    {
        var detecting = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            db.ReceivedItems.AddRange(added);
            foreach (var item in added)
            {
                // Announced in the accepting save: a subscriber's writes are accepted with the item, or not at all.
                await events.PublishAsync(db, new Events.MessageAccepted(item.WorkspaceId, item.ChannelId, item.ExternalId, item.AcceptedAt), ct);
            }
            await SaveAsync(db, ct);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detecting;
            foreach (var item in added)
            {
                db.Entry(item).State = EntityState.Detached;
            }
        }
    }

    /// <summary>The items among these accepted already, by channel and external id.</summary>
    private static async Task<HashSet<(Guid, string)>> AcceptedAsync(RapportDbContext db, IReadOnlyList<InboundItem> items, CancellationToken ct)
    {
        var known = new HashSet<(Guid, string)>();
        foreach (var channel in items.GroupBy(i => i.ChannelId))
        {
            var ids = channel.Select(i => Clean(i.ExternalId)).Distinct(StringComparer.Ordinal).ToList();
            IngestBatch.PadForQueryCache(ids);
            var channelId = channel.Key;
            var stored = await db.ReceivedItems.IgnoreQueryFilters()
                .Where(r => r.ChannelId == channelId && EF.MultipleParameters(ids).Contains(r.ExternalId))
                .Select(r => r.ExternalId)
                .ToListAsync(ct);
            known.UnionWith(stored.Select(id => (channelId, id)));
        }
        return known;
    }

    /// <summary>
    /// Records what processing did with accepted items: those whose message is stored (now or before) are processed; a
    /// brand reply whose parent is not stored yet is left to be processed again (the import sends it again when its
    /// parent comes; the worker tries until <see cref="IngestOptions.MaxAttempts"/>).
    /// </summary>
    public async Task RecordProcessedAsync(RapportDbContext db, IReadOnlyList<InboundItem> items, IReadOnlyList<IngestResult> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(results);
        var now = clock.GetUtcNow().UtcDateTime;
        var processed = items.Where((_, i) => !results[i].ParentUnknown).ToList();
        foreach (var channel in processed.GroupBy(i => i.ChannelId))
        {
            var ids = channel.Select(i => Clean(Normalized(i).ExternalId)).Distinct(StringComparer.Ordinal).ToList();
            IngestBatch.PadForQueryCache(ids);
            var channelId = channel.Key;
            await db.ReceivedItems.IgnoreQueryFilters()
                .Where(r => r.ChannelId == channelId && EF.MultipleParameters(ids).Contains(r.ExternalId) && r.State != ReceivedItemState.Processed)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.State, ReceivedItemState.Processed)
                    .SetProperty(r => r.ProcessedAt, now)
                    .SetProperty(r => r.Error, (string?)null)
                    .SetProperty(r => r.ClaimedUntil, (DateTime?)null)
                    .SetProperty(r => r.ClaimedBy, (Guid?)null), cancellationToken);
        }
        foreach (var item in items.Where((_, i) => results[i].ParentUnknown))
        {
            await RecordFailureAsync(db, item.ChannelId, Clean(Normalized(item).ExternalId),
                $"The brand reply answers message {item.InReplyToExternalId}, which is not stored yet.", cancellationToken);
        }
    }

    /// <summary>
    /// Records a failed attempt: the item waits for its lease to end and is claimed again, until the last attempt marks
    /// it failed with the reason. An item processed meanwhile (by another node) is left processed.
    /// </summary>
    public async Task RecordFailureAsync(RapportDbContext db, Guid channelId, string externalId, string error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(error);
        var maxAttempts = options.Value.MaxAttempts;
        var reason = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        await db.ReceivedItems.IgnoreQueryFilters()
            .Where(r => r.ChannelId == channelId && r.ExternalId == externalId && r.State == ReceivedItemState.Accepted)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Error, reason)
                .SetProperty(r => r.State, r => r.Attempts >= maxAttempts ? ReceivedItemState.Failed : ReceivedItemState.Accepted), cancellationToken);
    }

    /// <summary>The item an accepted row holds; null when its payload cannot be read.</summary>
    internal static InboundItem? Payload(ReceivedItem received) =>
        JsonSerializer.Deserialize(received.Payload, ReceivedItemJson.Default.InboundItem);
}

/// <summary>How an accepted item is kept: generated at build time, since an import accepts thousands a second.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InboundItem))]
internal sealed partial class ReceivedItemJson : JsonSerializerContext;
