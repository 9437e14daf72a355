using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Meaning;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.KnowledgeBase;

/// <summary>A published article that may answer the customer, with why it was picked.</summary>
public sealed record ArticleSuggestion(Guid ArticleId, string Title, string Slug, string Language, double Score, IReadOnlyList<string> Matched,
    bool OtherLanguage, string Why, string Excerpt, bool ByMeaning = false);

/// <summary>What an agent answered to a similar first question in a resolved conversation.</summary>
public sealed record PastAnswerSuggestion(Guid ConversationId, string Question, string Answer, double Score, IReadOnlyList<string> Matched, string Why,
    bool ByMeaning = false);

/// <summary>Suggestions for the composer: the customer's language as the analysis read it, articles, then past answers.</summary>
public sealed record SuggestionList(string? Language, string? WorkspaceSlug, IReadOnlyList<ArticleSuggestion> Articles, IReadOnlyList<PastAnswerSuggestion> PastAnswers);

/// <summary>
/// Suggests replies to a conversation from the customer's latest messages: published articles ranked by
/// <see cref="ArticleIndex"/> (the customer's language first), and the answers agents gave to resolved conversations
/// whose first question was similar (TF-IDF cosine); both also by meaning (<see cref="TextMeaning"/>, decision 0076), so
/// "the package was not delivered" finds the article "My parcel never arrived". Bounded: the last few inbound messages, the latest resolved conversations.
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
        var queryText = string.Join('\n', latest.Select(m => m.Text));
        var query = TermSet.Of(queryText);
        var queryMeaning = TextMeaning.Shared.Of(queryText, latest.Select(m => m.Language).FirstOrDefault(l => l is not null));

        var index = await ArticleIndex.LoadAsync(db, publishedOnly: true, ct);
        var byWords = index.Search(query, language, MinArticleScore, MaxArticles).ToDictionary(h => h.Article.Id);
        var byMeaning = index.Meanings(TextMeaning.Shared).Search(queryMeaning, MaxArticles, TextMeaning.Related)
            .ToDictionary(h => index.Articles[h.Article].Id, h => h.Score);
        var articles = index.Articles
            .Where(a => byWords.ContainsKey(a.Id) || byMeaning.ContainsKey(a.Id))
            .Select(a =>
            {
                var words = byWords.GetValueOrDefault(a.Id);
                var meaning = byMeaning.GetValueOrDefault(a.Id);
                // The customer's language first, as for words; a close meaning counts like a close wording.
                var meaningScore = a.Language == language ? meaning : meaning * 0.85;
                var score = Math.Round(Math.Max(words?.Score ?? 0, meaningScore), 3);
                var matched = words?.Matched ?? [];
                var viaMeaning = meaningScore > (words?.Score ?? 0);
                return new ArticleSuggestion(a.Id, a.Title, a.Slug, a.Language, score, matched, a.Language != language,
                    Why(matched, a.Language == language, viaMeaning), UnansweredQuestions.Excerpt(ArticleMarkdown.ToPlainText(a.Body), 200), viaMeaning);
            })
            .OrderByDescending(a => a.Score)
            .ThenBy(a => a.Title, StringComparer.Ordinal)
            .Take(MaxArticles)
            .ToList();
        var pastAnswers = await PastAnswersAsync(db, conversationId, query, queryMeaning, ct);
        return new SuggestionList(language, workspaceSlug, articles, pastAnswers);
    }

    private async Task<List<PastAnswerSuggestion>> PastAnswersAsync(RapportDbContext db, Guid conversationId, TermSet query, float[] queryMeaning,
        CancellationToken ct)
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
        var meanings = TextMeaning.Shared.OfMany([.. candidates.Select(c => ((string?)c.Text, (string?)null))]);
        var similar = candidates
            .Select((c, i) =>
            {
                var words = weights.Cosine(query, c.Terms);
                var meaning = Vectors.Cosine(queryMeaning, meanings[i]);
                return (Candidate: c, Score: meaning >= TextMeaning.Related ? Math.Max(words, meaning) : words, ByMeaning: meaning >= TextMeaning.Related && meaning > words);
            })
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
        foreach (var (candidate, score, byMeaning) in similar)
        {
            // The first reply after the question: the answer to it, not a later follow-up.
            var answer = replies.FirstOrDefault(r => r.ConversationId == candidate.ConversationId && r.CreatedAt >= candidate.CreatedAt);
            if (answer is null)
            {
                continue;
            }
            var shared = query.Stems.Where(candidate.Terms.Contains).Select(query.WordOf).ToList();
            suggestions.Add(new PastAnswerSuggestion(candidate.ConversationId, UnansweredQuestions.Excerpt(candidate.Text, 200), answer.Text,
                Math.Round(score, 3), shared, byMeaning ? "Similar question by meaning" : $"Similar question; shares: {string.Join(", ", shared)}", byMeaning));
            if (suggestions.Count == MaxPastAnswers)
            {
                break;
            }
        }
        return suggestions;
    }

    private static string Why(IReadOnlyList<string> matched, bool sameLanguage, bool byMeaning) =>
        (byMeaning ? "Same meaning" + (matched.Count > 0 ? $"; matches: {string.Join(", ", matched)}" : "") : $"Matches: {string.Join(", ", matched)}")
        + (sameLanguage ? "" : " (other language)");
}
