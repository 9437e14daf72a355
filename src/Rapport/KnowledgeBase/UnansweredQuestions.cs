using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.KnowledgeBase;

/// <summary>One question as a customer asked it.</summary>
public sealed record QuestionExample(Guid MessageId, Guid ConversationId, string Text, DateTime AskedAt);

/// <summary>Similar customer questions no published article answers: how often they were asked, and a few examples.</summary>
public sealed record UnansweredQuestionGroup(string Question, string Language, int Count, DateTime LastAskedAt, IReadOnlyList<string> KeyWords,
    IReadOnlyList<QuestionExample> Examples);

/// <summary>
/// Finds the questions customers ask that the knowledge base does not answer yet, computed on request over a bounded
/// recent window (see docs/decisions/0034-knowledge-base-matching.md): questions are inbound messages the analysis calls a
/// Question, or that need an answer and hold a question mark; those no published article answers (relevance below
/// <see cref="ArticleIndex.AnswersThreshold"/>) are grouped greedily by TF-IDF cosine of their stemmed words.
/// </summary>
public sealed class UnansweredQuestions(TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(90);
    public const int MaxMessages = 5000;
    public const double SameQuestionThreshold = 0.5;
    private const double NeedsAnswerThreshold = 0.7;
    private const int ExamplesPerGroup = 3;
    private const int LookupWords = 3;

    public async Task<List<UnansweredQuestionGroup>> FindAsync(RapportDbContext db, int limit = 50, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var since = clock.GetUtcNow().UtcDateTime - Window;
        var questions = await db.Messages.AsNoTracking()
            .Where(m => m.Direction == MessageDirection.Inbound && m.CreatedAt >= since && m.Analysis != null
                && (m.Analysis.Intent == nameof(Rapport.Analysis.Intent.Question) || (m.Analysis.NeedsAnswer >= NeedsAnswerThreshold && m.Text.Contains("?"))))
            .OrderByDescending(m => m.CreatedAt)
            .Take(MaxMessages)
            .Select(m => new { m.Id, m.ConversationId, m.Text, m.CreatedAt, m.Analysis!.Language })
            .ToListAsync(ct);

        var articles = await ArticleIndex.LoadAsync(db, publishedOnly: true, ct);
        var open = questions
            .Select(q => (Question: q, Terms: TermSet.Of(q.Text)))
            .Where(q => q.Terms.Count > 0 && articles.BestScore(q.Terms) < ArticleIndex.AnswersThreshold)
            .ToList();

        var weights = new TermWeights(open.Select(q => q.Terms));
        var groups = new List<(TermSet Seed, List<int> Members)>();
        // Each group is found through the words of its first question, so a question is compared only with groups it shares a word with.
        var groupsByStem = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < open.Count; i++)
        {
            var terms = open[i].Terms;
            var best = -1;
            var bestScore = SameQuestionThreshold;
            // Candidates come through the question's rarest words: "bonjour" or "commande" in every question would
            // otherwise make every group a candidate, and two questions sharing only such words are not the same question.
            var rarest = terms.Stems.OrderByDescending(weights.Idf).Take(LookupWords);
            foreach (var g in rarest.SelectMany(s => groupsByStem.GetValueOrDefault(s) ?? []).Distinct())
            {
                var score = weights.Cosine(terms, groups[g].Seed);
                if (score >= bestScore)
                {
                    (best, bestScore) = (g, score);
                }
            }
            if (best >= 0)
            {
                groups[best].Members.Add(i);
                continue;
            }
            groups.Add((terms, [i]));
            foreach (var stem in terms.Stems)
            {
                if (!groupsByStem.TryGetValue(stem, out var list))
                {
                    groupsByStem[stem] = list = [];
                }
                list.Add(groups.Count - 1);
            }
        }

        return [.. groups
            .Select(g =>
            {
                // Newest first, as the window was read: the seed is the latest asking.
                var members = g.Members.Select(i => open[i].Question).ToList();
                var language = members.GroupBy(m => m.Language).OrderByDescending(l => l.Count()).First().Key;
                var keyWords = g.Seed.Stems.OrderByDescending(weights.Idf).ThenBy(s => s, StringComparer.Ordinal).Take(5).Select(g.Seed.WordOf).ToList();
                return new UnansweredQuestionGroup(Excerpt(members[0].Text), language, members.Count, members[0].CreatedAt, keyWords,
                    [.. members.Take(ExamplesPerGroup).Select(m => new QuestionExample(m.Id, m.ConversationId, Excerpt(m.Text), m.CreatedAt))]);
            })
            .OrderByDescending(g => g.Count)
            .ThenByDescending(g => g.LastAskedAt)
            .Take(Math.Clamp(limit, 1, 200))];
    }

    internal static string Excerpt(string text, int length = 280) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, length).TrimEnd(), "…");
}
