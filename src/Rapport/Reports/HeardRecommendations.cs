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
    /// The recommendations heard in [from, to) in the context's workspace: customers' messages (of one channel when
    /// given) and listening mentions about the brand itself (matched by a brand or product topic: praise of a competitor
    /// is not a recommendation of us). A mixed text counts on both sides.
    /// </summary>
    public static async Task<RecommendationCount> CountAsync(RapportDbContext db, DateTime from, DateTime to, Guid? channelId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var messages = await db.MessageAnalyses.Where(a => a.Recommendation != "")
            .Join(db.Messages, a => a.MessageId, m => m.Id, (a, m) => new { a.Recommendation, m.CreatedAt, m.ChannelId, m.Direction })
            .Where(r => r.Direction == MessageDirection.Inbound && r.CreatedAt >= from && r.CreatedAt < to && (channelId == null || r.ChannelId == channelId))
            .GroupBy(r => r.Recommendation).Select(g => new { Stance = g.Key, Count = g.Count() }).ToListAsync(ct);
        var mentions = await db.Set<Mention>()
            .Where(m => m.Recommendation != "" && m.CreatedAt >= from && m.CreatedAt < to && (channelId == null || m.ChannelId == channelId)
                && db.Set<MentionTopic>().Any(t => t.MentionId == m.Id && db.Set<Topic>().Any(k => k.Id == t.TopicId && (k.Kind == TopicKind.Brand || k.Kind == TopicKind.Product))))
            .GroupBy(m => m.Recommendation).Select(g => new { Stance = g.Key, Count = g.Count() }).ToListAsync(ct);
        int Sum(IEnumerable<(string Stance, int Count)> rows, Func<string, bool> side) => rows.Where(r => side(r.Stance)).Sum(r => r.Count);
        var fromMessages = messages.Select(r => (r.Stance, r.Count)).ToList();
        var fromMentions = mentions.Select(r => (r.Stance, r.Count)).ToList();
        return new RecommendationCount(
            Sum(fromMessages, Recommends), Sum(fromMessages, AdvisesAgainst),
            Sum(fromMentions, Recommends), Sum(fromMentions, AdvisesAgainst));
    }
}

/// <summary>Recommendations heard in a period, from customers' messages and from mentions about the brand.</summary>
public sealed record RecommendationCount(int RecommendsInMessages, int AdvisesAgainstInMessages, int RecommendsInMentions, int AdvisesAgainstInMentions)
{
    public int Recommends => RecommendsInMessages + RecommendsInMentions;

    public int AdvisesAgainst => AdvisesAgainstInMessages + AdvisesAgainstInMentions;
}
