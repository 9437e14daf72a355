using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.KnowledgeBase;

/// <summary>A published article that may answer the customer, with why it was picked.</summary>
public sealed record ArticleSuggestion(Guid ArticleId, string Title, string Slug, string Language, double Score, IReadOnlyList<string> Matched,
    bool OtherLanguage, string Why, string Excerpt);

/// <summary>What an agent answered to a similar first question in a resolved conversation.</summary>
public sealed record PastAnswerSuggestion(Guid ConversationId, string Question, string Answer, double Score, IReadOnlyList<string> Matched, string Why);

/// <summary>Suggestions for the composer: the customer's language as the analysis read it, articles, then past answers.</summary>
public sealed record SuggestionList(string? Language, string? WorkspaceSlug, IReadOnlyList<ArticleSuggestion> Articles, IReadOnlyList<PastAnswerSuggestion> PastAnswers);

/// <summary>
/// Suggests replies to a conversation from the customer's latest messages: published articles ranked by
/// <see cref="ArticleIndex"/> (the customer's language first), and the answers agents gave to resolved conversations
/// whose first question was similar (TF-IDF cosine). Bounded: the last few inbound messages, the latest resolved conversations.
/// </summary>
public sealed class ReplySuggestions(TimeProvider clock)
{
    private const int LatestMessages = 3;
    private const int MaxArticles = 5;
    private const double MinArticleScore = 0.2;
    private const int MaxPastConversations = 500;
    private static readonly TimeSpan PastWindow = TimeSpan.FromDays(180);
    private const int MaxPastAnswers = 3;
    private const double MinPastScore = 0.35;

    /// <summary>The suggestions for a conversation of <paramref name="workspaceId"/>; null when there is no such conversation.</summary>
    public async Task<SuggestionList?> SuggestAsync(RapportDbContext db, Guid workspaceId, Guid conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var conversation = await db.Conversations.AsNoTracking()
            .Where(c => c.Id == conversationId && c.WorkspaceId == workspaceId)
            .Select(c => new { c.Id, c.Language })
            .FirstOrDefaultAsync(ct);
        if (conversation is null)
        {
            return null;
        }
        var workspaceSlug = await db.Workspaces.AsNoTracking().Where(w => w.Id == workspaceId).Select(w => w.Slug).FirstOrDefaultAsync(ct);
        var latest = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Inbound)
            .OrderByDescending(m => m.CreatedAt)
            .Take(LatestMessages)
            .Select(m => new { m.Text, Language = m.Analysis == null ? null : m.Analysis.Language })
            .ToListAsync(ct);
        if (latest.Count == 0)
        {
            return new SuggestionList(conversation.Language, workspaceSlug, [], []);
        }
        var language = latest.Select(m => m.Language).FirstOrDefault(l => l is "fr" or "en") ?? conversation.Language;
        var query = TermSet.Of(string.Join('\n', latest.Select(m => m.Text)));

        var articles = (await ArticleIndex.LoadAsync(db, publishedOnly: true, ct))
            .Search(query, language, MinArticleScore, MaxArticles)
            .Select(h => new ArticleSuggestion(h.Article.Id, h.Article.Title, h.Article.Slug, h.Article.Language, h.Score, h.Matched,
                h.Article.Language != language, Why(h.Matched, h.Article.Language == language), UnansweredQuestions.Excerpt(ArticleMarkdown.ToPlainText(h.Article.Body), 200)))
            .ToList();
        var pastAnswers = await PastAnswersAsync(db, conversationId, query, ct);
        return new SuggestionList(language, workspaceSlug, articles, pastAnswers);
    }

    private async Task<List<PastAnswerSuggestion>> PastAnswersAsync(RapportDbContext db, Guid conversationId, TermSet query, CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime - PastWindow;
        var resolved = db.Conversations
            .Where(c => c.Status == ConversationStatus.Resolved && c.Id != conversationId && c.ResolvedAt >= since)
            .OrderByDescending(c => c.ResolvedAt)
            .Take(MaxPastConversations)
            .Select(c => c.Id);
        var firstQuestions = await db.Messages.AsNoTracking()
            .Where(m => resolved.Contains(m.ConversationId) && m.Direction == MessageDirection.Inbound)
            .GroupBy(m => m.ConversationId)
            .Select(g => g.OrderBy(m => m.CreatedAt).Select(m => new { m.ConversationId, m.Text, m.CreatedAt }).First())
            .ToListAsync(ct);
        var candidates = firstQuestions.Select(q => (q.ConversationId, q.Text, q.CreatedAt, Terms: TermSet.Of(q.Text))).ToList();
        var weights = new TermWeights(candidates.Select(c => c.Terms).Append(query));
        var similar = candidates
            .Select(c => (Candidate: c, Score: weights.Cosine(query, c.Terms)))
            .Where(c => c.Score >= MinPastScore)
            .OrderByDescending(c => c.Score)
            .Take(MaxPastAnswers * 2)
            .ToList();
        if (similar.Count == 0)
        {
            return [];
        }
        var ids = similar.Select(s => s.Candidate.ConversationId).ToList();
        var replies = await db.Messages.AsNoTracking()
            .Where(m => ids.Contains(m.ConversationId) && m.Direction == MessageDirection.Outbound)
            .OrderBy(m => m.CreatedAt)
            .Select(m => new { m.ConversationId, m.Text, m.CreatedAt })
            .ToListAsync(ct);
        var suggestions = new List<PastAnswerSuggestion>();
        foreach (var (candidate, score) in similar)
        {
            // The first reply after the question: the answer to it, not a later follow-up.
            var answer = replies.FirstOrDefault(r => r.ConversationId == candidate.ConversationId && r.CreatedAt >= candidate.CreatedAt);
            if (answer is null)
            {
                continue;
            }
            var shared = query.Stems.Where(candidate.Terms.Contains).Select(query.WordOf).ToList();
            suggestions.Add(new PastAnswerSuggestion(candidate.ConversationId, UnansweredQuestions.Excerpt(candidate.Text, 200), answer.Text,
                Math.Round(score, 3), shared, $"Similar question; shares: {string.Join(", ", shared)}"));
            if (suggestions.Count == MaxPastAnswers)
            {
                break;
            }
        }
        return suggestions;
    }

    private static string Why(IReadOnlyList<string> matched, bool sameLanguage) =>
        $"Matches: {string.Join(", ", matched)}" + (sameLanguage ? "" : " (other language)");
}
