using System.Numerics.Tensors;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Meaning;
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
/// <see cref="ArticleIndex.AnswersThreshold"/>, and none close in meaning) are grouped greedily by TF-IDF cosine of their
/// stemmed words or by meaning (<see cref="TextMeaning"/>, decision 0076): "my parcel never arrived" and "the package was not
/// delivered" share no word and are one question.
/// </summary>
public sealed class UnansweredQuestions(TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(90);
    public const int MaxMessages = 5000;
    public const double SameQuestionThreshold = 0.5;
    private const double NeedsAnswerThreshold = 0.7;
    private const int ExamplesPerGroup = 3;
    private const int LookupWords = 8;
    private const int MinSharedWords = 2;
    private const int ManySharedWords = 5;
    private const double ManySharedThreshold = 0.3;

    public async Task<List<UnansweredQuestionGroup>> FindAsync(RapportDbContext db, int limit = 50, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var since = clock.GetUtcNow().UtcDateTime - Window;
        var questions = await db.Messages.AsNoTracking()
            .Where(m => m.Direction == MessageDirection.Inbound && m.CreatedAt >= since && m.Analysis != null
                && (m.Analysis.Intent == nameof(Rapport.Analysis.Intent.Question) || (m.Analysis.NeedsAnswer >= NeedsAnswerThreshold && m.Text.Contains("?"))))
            .OrderByDescending(m => m.CreatedAt)
            .Take(MaxMessages)
            .Select(m => new { m.Id, m.ConversationId, m.Text, m.AuthorName, m.CreatedAt, m.Analysis!.Language })
            .ToListAsync(ct);

        var articles = await ArticleIndex.LoadAsync(db, publishedOnly: true, ct);
        var meaning = TextMeaning.Shared;
        var articleMeanings = articles.Meanings(meaning);
        var candidates = questions
            // Read without the chatter around it, so a question an article answers is not listed for its "bonjour" and "merci".
            .Where(q => articles.BestScore(QuestionTerms.Of(q.Text, q.AuthorName, bringTogether: false)) < ArticleIndex.AnswersThreshold)
            .Select(q => (Question: q, Terms: QuestionTerms.Of(q.Text, q.AuthorName)))
            .Where(q => q.Terms.Count > 0)
            .ToList();
        var candidateMeanings = meaning.OfMany([.. candidates.Select(q => ((string?)q.Question.Text, (string?)q.Question.Language))]);
        // An article that says the same in other words answers the question too.
        var keep = Enumerable.Range(0, candidates.Count)
            .Where(i => articleMeanings.Search(candidateMeanings[i], 1, TextMeaning.Answers).Count == 0)
            .ToList();
        var open = keep.Select(i => candidates[i]).ToList();
        var meanings = new MeaningIndex([.. keep.Select(i => candidateMeanings[i])]);

        var weights = new TermWeights(open.Select(q => q.Terms));
        // A word no other question holds cannot make two questions the same; compared, it would only dilute the words that
        // do (a long message and a short one about the same crash). Each question is compared by its shared words.
        var shared = open.Select(q => q.Terms.Where(s => weights.Frequency(s) >= 2)).ToList();
        var groups = new List<(int Seed, List<int> Members)>();
        // Each group is found through the words of its questions, so a question is compared only with groups it shares a word with.
        var groupsByStem = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var centres = new List<float[]>();
        var centreNorms = new List<float>();
        for (var i = 0; i < open.Count; i++)
        {
            var terms = shared[i];
            var best = -1;
            var bestScore = 0.0;
            var matched = new List<int>();
            // By meaning: each group whose centre (the mean of its questions' vectors) is close. Against the centre, not
            // the closest member, so a chain of near neighbours does not drift from one question to another (V-measure on
            // BANKING77: 0.73 against 0.36, decision 0076).
            var closeByMeaning = new Dictionary<int, double>();
            var vector = meanings.Vector(i);
            // Each group's centre compared once: for joining by meaning, and for vetoing a join by words alone below.
            var similarities = new double[groups.Count];
            for (var g = 0; g < groups.Count; g++)
            {
                similarities[g] = centreNorms[g] > 0 ? Vectors.Cosine(vector, centres[g]) / centreNorms[g] : double.NaN;
                if (similarities[g] >= TextMeaning.SameQuestion)
                {
                    closeByMeaning[g] = similarities[g];
                }
            }
            // Candidates come through the question's rarest shared words: "bonjour" or "commande" in every question would
            // otherwise make every group a candidate, and two questions sharing only such words are not the same question.
            var rarest = terms.Stems.OrderByDescending(weights.Idf).Take(LookupWords);
            foreach (var g in rarest.SelectMany(s => groupsByStem.GetValueOrDefault(s) ?? []).Concat(closeByMeaning.Keys).Distinct())
            {
                // Like any one of the group's questions: the same crash told in French and in English joins through
                // whichever asking is closest, not only through the group's first; by its words or by its meaning.
                var byWords = groups[g].Members.Max(member => SameQuestionScore(terms, shared[member], weights));
                if (byWords >= SameQuestionThreshold && similarities[g] < TextMeaning.Unrelated)
                {
                    // Shared words, but unrelated meanings: a bike's annual service and a crack in its frame, a damaged
                    // delivery and an invoice for an order. The words alone do not make them the same question.
                    byWords = 0;
                }
                var groupScore = Math.Max(byWords, closeByMeaning.TryGetValue(g, out var cosine) ? Math.Max(cosine, SameQuestionThreshold) : 0);
                if (groupScore >= SameQuestionThreshold)
                {
                    // Only shared words join two groups: a meaning close to two centres picks the closer, as the bench measures.
                    if (byWords >= SameQuestionThreshold)
                    {
                        matched.Add(g);
                    }
                    if (groupScore > bestScore)
                    {
                        (best, bestScore) = (g, groupScore);
                    }
                }
            }
            if (best < 0)
            {
                groups.Add((i, []));
                centres.Add(new float[SentenceEncoder.Dimensions]);
                centreNorms.Add(0);
                best = groups.Count - 1;
            }
            groups[best].Members.Add(i);
            TensorPrimitives.Add(centres[best], vector, centres[best]);
            // A question like two groups joins them: they were the same question, told in words that did not meet before.
            foreach (var other in matched.Where(g => g != best))
            {
                TensorPrimitives.Add(centres[best], centres[other], centres[best]);
                centreNorms[other] = 0;
                groups[best].Members.AddRange(groups[other].Members);
                groups[other].Members.Clear();
                foreach (var list in groupsByStem.Values)
                {
                    for (var k = 0; k < list.Count; k++)
                    {
                        if (list[k] == other)
                        {
                            list[k] = best;
                        }
                    }
                }
            }
            centreNorms[best] = TensorPrimitives.Norm(centres[best]);
            foreach (var stem in terms.Stems)
            {
                if (!groupsByStem.TryGetValue(stem, out var list))
                {
                    groupsByStem[stem] = list = [];
                }
                if (list.Count == 0 || list[^1] != best)
                {
                    list.Add(best);
                }
            }
        }

        return [.. groups
            .Where(g => g.Members.Count > 0)
            .Select(g => (Seed: g.Members.Min(), Members: g.Members.Order().ToList()))
            .Select(g =>
            {
                // Newest first, as the window was read: the seed is the latest asking.
                var members = g.Members.Select(i => open[i].Question).ToList();
                var language = members.GroupBy(m => m.Language).OrderByDescending(l => l.Count()).First().Key;
                // The words the askers share first (what the group is about), then the seed's rarest.
                var seed = open[g.Seed].Terms;
                var keyWords = seed.Stems
                    .OrderByDescending(s => g.Members.Count(i => open[i].Terms.Contains(s)))
                    .ThenByDescending(weights.Idf)
                    .ThenBy(s => s, StringComparer.Ordinal)
                    .Take(5).Select(seed.WordOf).ToList();
                return new UnansweredQuestionGroup(Excerpt(members[0].Text), language, members.Count, members[0].CreatedAt, keyWords,
                    [.. members.Take(ExamplesPerGroup).Select(m => new QuestionExample(m.Id, m.ConversationId, Excerpt(m.Text), m.CreatedAt))]);
            })
            .OrderByDescending(g => g.Count)
            .ThenByDescending(g => g.LastAskedAt)
            .Take(Math.Clamp(limit, 1, 200))];
    }

    /// <summary>
    /// How much two questions are the same, by their shared words: one word in common is a topic, not the same question;
    /// many in common are the same question even when long messages around them lower the cosine (a crash report with
    /// its log next to a two-line one).
    /// </summary>
    private static double SameQuestionScore(TermSet a, TermSet b, TermWeights weights)
    {
        var common = a.Stems.Count(b.Contains);
        if (common < MinSharedWords)
        {
            return 0;
        }
        var score = weights.Cosine(a, b);
        return common >= ManySharedWords && score >= ManySharedThreshold ? Math.Max(score, SameQuestionThreshold) : score;
    }

    internal static string Excerpt(string text, int length = 280) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, length).TrimEnd(), "…");
}
