using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Analysis.Listening;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Learning;

namespace Rapport.Listening;

/// <summary>
/// Each workspace's topics compiled into one matcher, kept for a minute and dropped as soon as a topic changes on this
/// node (another node's change is seen within the minute, and the re-match after a change covers what came meanwhile).
/// </summary>
public sealed class TopicMatchers(RapportDbContextFactory databases, TimeProvider clock)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(1);

    /// <summary>A workspace's compiled topics: the matcher, and the topic id behind each of its indexes.</summary>
    public sealed record Compiled(TopicMatcher Matcher, Guid[] TopicIds, DateTime LoadedAt);

    private readonly ConcurrentDictionary<Guid, Compiled> cache = new();

    public async Task<Compiled> ForAsync(Guid workspaceId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (cache.TryGetValue(workspaceId, out var compiled) && now - compiled.LoadedAt < KeepFor)
        {
            return compiled;
        }
        await using var db = databases.CreateDbContext();
        var topics = await db.Set<Topic>().IgnoreQueryFilters().AsNoTracking().Where(t => t.WorkspaceId == workspaceId)
            .OrderBy(t => t.Id).Select(t => new { t.Id, t.Query, t.Languages }).ToListAsync(ct);
        var ids = new List<Guid>(topics.Count);
        var definitions = new List<TopicDefinition>(topics.Count);
        foreach (var topic in topics)
        {
            // A query saved by an older version that no longer reads is skipped, not fatal to every other topic.
            if (TopicQuery.TryParse(topic.Query, out var query, out _))
            {
                ids.Add(topic.Id);
                definitions.Add(new TopicDefinition(query!, topic.Languages.Length == 0 ? null : topic.Languages.Split(',')));
            }
        }
        compiled = new Compiled(TopicMatcher.Compile(definitions), [.. ids], now);
        cache[workspaceId] = compiled;
        return compiled;
    }

    public void Forget(Guid workspaceId) => cache.TryRemove(workspaceId, out _);

    /// <summary>The names a <c>source:</c> filter finds a channel by: its kind ("feed", "mastodon"…, "rss" for a feed) and its name.</summary>
    public static string[] SourcesOf(ChannelKind kind, string name) =>
        kind == ChannelKind.Feed ? ["feed", "rss", name] : [kind.ToString().ToLowerInvariant(), name];
}

/// <summary>
/// Processing for the items of listening channels: each becomes a <see cref="Mention"/> with the inbox's analysis,
/// matched against every topic of its workspace, and never a conversation (docs/decisions/0061). Idempotent on channel and
/// external id, like messages.
/// </summary>
public sealed class MentionIngest(WorkspaceAnalyzers analyzers, TopicMatchers topics, TimeProvider clock)
{
    /// <summary>The listening channels among the items' channels (one small query per batch).</summary>
    public static async Task<HashSet<Guid>> ListeningChannelsAsync(RapportDbContext db, IReadOnlyList<InboundItem> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(items);
        // A mention turned into a conversation takes the inbox's path: its channel counts as listening for the others only.
        var channels = items.Where(i => !i.TakenFromListening).Select(i => i.ChannelId).Distinct().ToList();
        if (channels.Count == 0)
        {
            return [];
        }
        return [.. await db.Channels.IgnoreQueryFilters()
            .Where(c => channels.Contains(c.Id) && c.Direction == ChannelDirection.Listening)
            .Select(c => c.Id).ToListAsync(ct)];
    }

    /// <summary>Stores the items as mentions (those stored before are answered as they are), in one save.</summary>
    public async Task<IngestResult[]> StoreAsync(RapportDbContext db, Guid workspaceId, IReadOnlyList<InboundItem> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(items);
        var now = clock.GetUtcNow().UtcDateTime;
        var results = new IngestResult[items.Count];
        var ids = items.Select(i => IngestService.Clean(i.ExternalId)).ToList();
        var channels = items.Select(i => i.ChannelId).Distinct().ToList();
        var lookup = ids.Distinct(StringComparer.Ordinal).ToList();
        var stored = (await db.Set<Mention>().IgnoreQueryFilters()
                .Where(m => channels.Contains(m.ChannelId) && lookup.Contains(m.ExternalId))
                .Select(m => new { m.Id, m.ChannelId, m.ExternalId }).ToListAsync(ct))
            .ToDictionary(m => (m.ChannelId, m.ExternalId), m => m.Id);
        var sources = (await db.Channels.IgnoreQueryFilters().Where(c => channels.Contains(c.Id)).Select(c => new { c.Id, c.Kind, c.Name }).ToListAsync(ct))
            .ToDictionary(c => c.Id, c => TopicMatchers.SourcesOf(c.Kind, c.Name));
        // The first place of each item in the batch: the same item twice is stored once, and the second answered as the first.
        var first = new Dictionary<(Guid, string), int>();
        var fresh = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            if (stored.TryGetValue((items[i].ChannelId, ids[i]), out var id))
            {
                results[i] = new IngestResult(id, Guid.Empty, Guid.Empty, Created: false);
            }
            else if (first.TryAdd((items[i].ChannelId, ids[i]), i))
            {
                fresh.Add(i);
            }
        }
        if (fresh.Count == 0)
        {
            return FillRepeats(items, ids, results, first);
        }
        var analyzer = await analyzers.ForAsync(workspaceId, ct);
        var compiled = await topics.ForAsync(workspaceId, ct);
        var mentions = new Mention[fresh.Count];
        var matched = new List<int>[fresh.Count];
        Parallel.For(0, fresh.Count, new ParallelOptions { MaxDegreeOfParallelism = fresh.Count < 8 ? 1 : -1 }, k =>
        {
            var item = items[fresh[k]];
            var text = IngestService.Clean(item.Text);
            var analysis = analyzer.Analyze(text, new AnalysisContext(null, IsPublic: true, null));
            mentions[k] = ToMention(workspaceId, item, ids[fresh[k]], text, analysis, now);
            mentions[k].SearchText = Mention.FoldForSearch(mentions[k].Subject, mentions[k].Text, mentions[k].AuthorName);
            matched[k] = compiled.Matcher.Match(MatchedText(mentions[k]), mentions[k].Language, sources.GetValueOrDefault(item.ChannelId));
        });
        for (var k = 0; k < fresh.Count; k++)
        {
            db.Set<Mention>().Add(mentions[k]);
            foreach (var t in matched[k])
            {
                db.Set<MentionTopic>().Add(MentionTopic.Of(compiled.TopicIds[t], mentions[k]));
            }
            results[fresh[k]] = new IngestResult(mentions[k].Id, Guid.Empty, Guid.Empty, Created: true);
        }
        await db.SaveChangesAsync(ct);
        return FillRepeats(items, ids, results, first);
    }

    /// <summary>What a topic reads of a mention: its title (a feed entry's) and its text.</summary>
    public static string MatchedText(Mention mention)
    {
        ArgumentNullException.ThrowIfNull(mention);
        return string.IsNullOrEmpty(mention.Subject) ? mention.Text : mention.Subject + "\n" + mention.Text;
    }

    private static IngestResult[] FillRepeats(IReadOnlyList<InboundItem> items, List<string> ids, IngestResult[] results, Dictionary<(Guid, string), int> first)
    {
        // The same item twice in one batch: the second is the first, stored once.
        for (var i = 0; i < items.Count; i++)
        {
            results[i] ??= results[first[(items[i].ChannelId, ids[i])]] with { Created = false };
        }
        return results;
    }

    private static Mention ToMention(Guid workspaceId, InboundItem item, string externalId, string text, TextAnalysisResult analysis, DateTime now) => new()
    {
        WorkspaceId = workspaceId,
        ChannelId = item.ChannelId,
        ExternalId = externalId,
        AuthorHandle = IngestService.Clean(item.AuthorHandle),
        AuthorName = IngestService.Clean(string.IsNullOrWhiteSpace(item.AuthorName) ? item.AuthorHandle : item.AuthorName),
        Subject = item.Subject is null ? null : IngestService.Clean(item.Subject),
        Text = text,
        RawPayload = item.RawPayload?.Replace('\0', '\uFFFD'),
        IsPublic = item.IsPublic,
        CreatedAt = item.CreatedAt is { } when ? IngestService.AsUtc(when) : now,
        ReceivedAt = now,
        Language = analysis.Language.Value,
        Intent = analysis.Intent.Value.ToString(),
        IntentConfidence = analysis.Intent.Confidence,
        NeedsAnswer = analysis.NeedsAnswer.Value,
        SentimentScore = analysis.SentimentScore,
        Sentiment = analysis.Sentiment.Value.ToString(),
        Urgency = string.Join(',', analysis.Urgency.Select(u => u.Value)),
        Toxicity = string.Join(',', analysis.Toxicity.Select(t => t.Value)),
        Themes = string.Join(',', analysis.Themes.Select(t => t.Value)),
        KeyPhrases = string.Join(", ", analysis.KeyPhrases),
        Recommendation = Reports.HeardRecommendations.StanceOf(analysis.Recommendation),
        RecommendationEvidence = Reports.HeardRecommendations.EvidenceOf(analysis.Recommendation),
        ModelVersion = analysis.ModelVersion,
    };
}
