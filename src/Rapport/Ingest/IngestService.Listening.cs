using Rapport.Data;

namespace Rapport.Ingest;

public sealed partial class IngestService
{
    /// <summary>
    /// A batch holding items of listening channels: those become mentions, never conversations (docs/decisions/0061), and
    /// the others take the inbox's path. A listening channel's batch (a feed poll, an import) holds only its own items.
    /// </summary>
    private async Task<IReadOnlyList<IngestResult>> IngestWithMentionsAsync(
        RapportDbContext db, Guid workspaceId, IReadOnlyList<InboundItem> items, HashSet<Guid> listening, CancellationToken cancellationToken)
    {
        var heard = items.Select((item, i) => (item, i)).Where(x => Heard(x.item, listening)).ToList();
        var results = new IngestResult[items.Count];
        var stored = await mentions.StoreAsync(db, workspaceId, [.. heard.Select(x => x.item)], cancellationToken);
        for (var k = 0; k < heard.Count; k++)
        {
            results[heard[k].i] = stored[k];
        }
        var addressed = items.Select((item, i) => (item, i)).Where(x => !Heard(x.item, listening)).ToList();
        if (addressed.Count > 0)
        {
            // Analysed ahead for the whole batch, by position: the rest is analysed again (a mixed batch is rare).
            var rest = await IngestOnceAsync(db, workspaceId, [.. addressed.Select(x => x.item)], ahead: null, cancellationToken);
            for (var k = 0; k < addressed.Count; k++)
            {
                results[addressed[k].i] = rest[k];
            }
        }
        return results;
    }

    private static bool Heard(InboundItem item, HashSet<Guid> listening) => listening.Contains(item.ChannelId) && !item.TakenFromListening;
}
