using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Recommendations;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Listening;

namespace Rapport.Reports;

/// <summary>
/// Recommendations heard: the messages and mentions where someone recommends the brand or advises against it, as the
/// understanding engine read them. Stored beside each analysis (not as reporting events) so that a reprocessing or a
/// topic that changes is reflected at once in every report.
/// </summary>
public static class HeardRecommendations
{
    public const int MaxEvidenceLength = 500;

    /// <summary>The stance as stored: "Recommends", "AdvisesAgainst", "Mixed", or empty for none.</summary>
    public static string StanceOf(RecommendationReading reading) =>
        reading?.Stance is null or RecommendationStance.None ? "" : reading.Stance.ToString();

    /// <summary>The words that carry the stance, as written, joined by " · ".</summary>
    public static string EvidenceOf(RecommendationReading reading)
    {
        var words = string.Join(" · ", reading?.Evidence.Select(e => e.Text) ?? []);
        return words.Length > MaxEvidenceLength ? words[..MaxEvidenceLength] : words;
    }

    /// <summary>Whether a stored stance counts as a recommendation of the brand (mixed counts on both sides).</summary>
    public static bool Recommends(string stance) => stance is nameof(RecommendationStance.Recommends) or nameof(RecommendationStance.Mixed);

    public static bool AdvisesAgainst(string stance) => stance is nameof(RecommendationStance.AdvisesAgainst) or nameof(RecommendationStance.Mixed);

    /// <summary>
    /// The recommendations heard in [from, to) in a workspace, by channel: customers' messages, and listening mentions
    /// about the brand itself (matched by a brand or product topic: praise of a competitor is not a recommendation of
    /// us). A mixed text counts on both sides.
    /// </summary>
    public static Task<Dictionary<Guid, RecommendationCount>> ByChannelAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, CancellationToken ct = default) =>
        ByChannelAsync(db, workspaceId, from, to, includeMessages: true, ct);

    /// <summary>The same, without customers' messages when the caller counts them itself (the outcome report, from its roll-ups).</summary>
    internal static async Task<Dictionary<Guid, RecommendationCount>> ByChannelAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, bool includeMessages,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var messages = await db.MessageAnalyses.IgnoreQueryFilters().Where(a => includeMessages && a.WorkspaceId == workspaceId && a.Recommendation != "")
            .Join(db.Messages.IgnoreQueryFilters(), a => a.MessageId, m => m.Id, (a, m) => new { a.Recommendation, m.CreatedAt, m.ChannelId, m.Direction })
            .Where(r => r.Direction == MessageDirection.Inbound && r.CreatedAt >= from && r.CreatedAt < to)
            .GroupBy(r => new { r.ChannelId, r.Recommendation }).Select(g => new { g.Key.ChannelId, Stance = g.Key.Recommendation, Count = g.Count() }).ToListAsync(ct);
        var mentions = await db.Set<Mention>().IgnoreQueryFilters()
            .Where(m => m.WorkspaceId == workspaceId && m.Recommendation != "" && m.CreatedAt >= from && m.CreatedAt < to
                && db.Set<MentionTopic>().Any(t => t.MentionId == m.Id && db.Set<Topic>().Any(k => k.Id == t.TopicId && (k.Kind == TopicKind.Brand || k.Kind == TopicKind.Product))))
            .GroupBy(m => new { m.ChannelId, m.Recommendation }).Select(g => new { g.Key.ChannelId, Stance = g.Key.Recommendation, Count = g.Count() }).ToListAsync(ct);
        int Sum(IEnumerable<(string Stance, int Count)> rows, Func<string, bool> side) => rows.Where(r => side(r.Stance)).Sum(r => r.Count);
        return messages.Select(r => r.ChannelId).Concat(mentions.Select(r => r.ChannelId)).Distinct().ToDictionary(channel => channel, channel =>
        {
            var fromMessages = messages.Where(r => r.ChannelId == channel).Select(r => (r.Stance, r.Count)).ToList();
            var fromMentions = mentions.Where(r => r.ChannelId == channel).Select(r => (r.Stance, r.Count)).ToList();
            return new RecommendationCount(Sum(fromMessages, Recommends), Sum(fromMessages, AdvisesAgainst), Sum(fromMentions, Recommends), Sum(fromMentions, AdvisesAgainst));
        });
    }

    /// <summary>The recommendations heard in [from, to) in a workspace, in all its channels or in one.</summary>
    public static async Task<RecommendationCount> CountAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, Guid? channelId = null, CancellationToken ct = default) =>
        (await ByChannelAsync(db, workspaceId, from, to, ct)).Where(c => channelId is null || c.Key == channelId)
            .Aggregate(RecommendationCount.None, (sum, c) => sum + c.Value);
}

/// <summary>Recommendations heard in a period, from customers' messages and from mentions about the brand.</summary>
public sealed record RecommendationCount(int RecommendsInMessages, int AdvisesAgainstInMessages, int RecommendsInMentions, int AdvisesAgainstInMentions)
{
    public static readonly RecommendationCount None = new(0, 0, 0, 0);

    public int Recommends => RecommendsInMessages + RecommendsInMentions;

    public int AdvisesAgainst => AdvisesAgainstInMessages + AdvisesAgainstInMentions;

    public static RecommendationCount operator +(RecommendationCount a, RecommendationCount b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.RecommendsInMessages + b.RecommendsInMessages, a.AdvisesAgainstInMessages + b.AdvisesAgainstInMessages,
            a.RecommendsInMentions + b.RecommendsInMentions, a.AdvisesAgainstInMentions + b.AdvisesAgainstInMentions);
    }
}
