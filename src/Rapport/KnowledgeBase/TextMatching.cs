using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Meaning;
using Rapport.Analysis.Text;
using Rapport.Data;

namespace Rapport.KnowledgeBase;

/// <summary>The distinct stems of a text (<see cref="SearchTerms"/>), each with the first word it came from, to explain a match.</summary>
public sealed class TermSet
{
    private readonly Dictionary<string, string> words;

    private TermSet(Dictionary<string, string> words) => this.words = words;

    public static TermSet Of(string? text) => Of(text, term => term.Stem);

    /// <summary>The terms of a text, each stem replaced by what <paramref name="stemOf"/> says, or left out where it says null.</summary>
    public static TermSet Of(string? text, Func<SearchTerm, string?> stemOf)
    {
        ArgumentNullException.ThrowIfNull(stemOf);
        var words = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var term in SearchTerms.Extract(text))
        {
            if (stemOf(term) is { } stem)
            {
                words.TryAdd(stem, term.Word);
            }
        }
        return new TermSet(words);
    }

    /// <summary>The same set with only the stems <paramref name="keep"/> accepts.</summary>
    public TermSet Where(Func<string, bool> keep) => new(words.Where(w => keep(w.Key)).ToDictionary(StringComparer.Ordinal));

    public int Count => words.Count;

    public IEnumerable<string> Stems => words.Keys;

    public bool Contains(string stem) => words.ContainsKey(stem);

    public string WordOf(string stem) => words.GetValueOrDefault(stem, stem);
}

/// <summary>
/// Inverse document frequencies over a small corpus (a workspace's articles, a window of questions): rare words weigh
/// more than words every document shares. Smoothed, so every word counts a little.
/// </summary>
public sealed class TermWeights
{
    private readonly Dictionary<string, int> documentFrequency = new(StringComparer.Ordinal);
    private readonly int documents;

    public TermWeights(IEnumerable<TermSet> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        foreach (var set in corpus)
        {
            documents++;
            foreach (var stem in set.Stems)
            {
                documentFrequency[stem] = documentFrequency.GetValueOrDefault(stem) + 1;
            }
        }
    }

    /// <summary>
    /// A word no document holds weighs like one a single document holds: it cannot tell documents apart, and in a short
    /// question it is as often chatter ("combien", "hello") as substance, so it must not drown the words that match.
    /// </summary>
    /// <summary>How many documents hold <paramref name="stem"/>.</summary>
    public int Frequency(string stem) => documentFrequency.GetValueOrDefault(stem);

    public double Idf(string stem) => Math.Log(1 + (documents + 1.0) / (Math.Max(1, documentFrequency.GetValueOrDefault(stem)) + 1.0));

    /// <summary>Cosine of the two sets' binary TF-IDF vectors: 1 for the same words, 0 for none in common.</summary>
    public double Cosine(TermSet a, TermSet b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double dot = 0, normA = 0, normB = 0;
        foreach (var stem in a.Stems)
        {
            var w = Idf(stem);
            normA += w * w;
            if (b.Contains(stem))
            {
                dot += w * w;
            }
        }
        foreach (var stem in b.Stems)
        {
            var w = Idf(stem);
            normB += w * w;
        }
        return dot == 0 ? 0 : dot / Math.Sqrt(normA * normB);
    }
}

/// <summary>A workspace's articles by meaning: each article's vectors, and the article each belongs to.</summary>
public sealed class ArticleMeanings(MeaningIndex index, IReadOnlyList<int> owners)
{
    /// <summary>Each article (its position in the <see cref="ArticleIndex"/>) closer to the query than <paramref name="minScore"/>, with its best cosine, best first.</summary>
    public List<(int Article, double Score)> Search(ReadOnlySpan<float> query, int limit, double minScore) =>
        [.. index.Search(query, Math.Max(1, limit) * 2, minScore)
            .GroupBy(h => owners[h.Index])
            .Select(g => (Article: g.Key, Score: g.Max(h => h.Score)))
            .OrderByDescending(a => a.Score)
            .Take(limit)];
}

/// <summary>An article that matches a query: its relevance (0 to 1) and the query's words it holds.</summary>
public sealed record ArticleHit(Article Article, double Score, IReadOnlyList<string> Matched);

/// <summary>
/// A workspace's articles ready to be matched against a search or a customer's question. The relevance is the share of
/// the query's weight (IDF over the articles) that an article holds, a word in its title counting fully and one only in its
/// body a little less: short questions against long articles, where a cosine would be diluted by the article's length.
/// Built per request: a help centre holds tens to a few thousand articles.
/// </summary>
public sealed class ArticleIndex
{
    private const double BodyOnlyWeight = 0.8;

    /// <summary>The relevance from which an article is taken to answer a question.</summary>
    public const double AnswersThreshold = 0.5;

    private readonly List<(Article Article, TermSet Title, TermSet Body)> entries;
    private readonly TermWeights weights;
    // Which articles hold each word, so a query costs the articles sharing its words rather than all of them.
    private readonly Dictionary<string, List<int>> postings = new(StringComparer.Ordinal);

    public ArticleIndex(IEnumerable<Article> articles)
    {
        ArgumentNullException.ThrowIfNull(articles);
        entries = [.. articles.Select(a => (a, TermSet.Of(a.Title), TermSet.Of(ArticleMarkdown.ToPlainText(a.Body))))];
        weights = new TermWeights(entries.Select(e => e.Body).Concat(entries.Select(e => e.Title)));
        Articles = [.. entries.Select(e => e.Article)];
        for (var i = 0; i < entries.Count; i++)
        {
            foreach (var stem in entries[i].Title.Stems.Concat(entries[i].Body.Stems).Distinct())
            {
                if (!postings.TryGetValue(stem, out var list))
                {
                    postings[stem] = list = [];
                }
                list.Add(i);
            }
        }
    }

    public int Count => entries.Count;

    /// <summary>The articles, in the index's order.</summary>
    public IReadOnlyList<Article> Articles { get; }

    /// <summary>
    /// What of each article is read for its meaning: its title alone (a question often says what the title says), and its
    /// title with the start of its text (the model reads 256 word pieces); an article is as close as the closer of the two.
    /// </summary>
    public ArticleMeanings Meanings(TextMeaning meaning)
    {
        ArgumentNullException.ThrowIfNull(meaning);
        var owners = new List<int>();
        var texts = new List<(string?, string?)>();
        for (var i = 0; i < entries.Count; i++)
        {
            var article = entries[i].Article;
            owners.Add(i);
            texts.Add((article.Title, article.Language));
            owners.Add(i);
            texts.Add((UnansweredQuestions.Excerpt(article.Title + ". " + ArticleMarkdown.ToPlainText(article.Body), 1000), article.Language));
        }
        return new ArticleMeanings(new MeaningIndex(meaning.OfMany(texts)), owners);
    }

    /// <summary>The articles of the context's workspace (published ones only unless told otherwise).</summary>
    public static async Task<ArticleIndex> LoadAsync(RapportDbContext db, bool publishedOnly, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var query = db.Articles.AsNoTracking();
        if (publishedOnly)
        {
            query = query.Where(a => a.IsPublished);
        }
        return new ArticleIndex(await query.ToListAsync(ct));
    }

    /// <summary>Articles holding some of the query's words, most relevant first; those in <paramref name="preferLanguage"/> ahead of equals.</summary>
    public List<ArticleHit> Search(TermSet query, string? preferLanguage = null, double minScore = 0.01, int limit = 20)
    {
        ArgumentNullException.ThrowIfNull(query);
        var hits = new List<ArticleHit>();
        foreach (var (i, relevance) in Scores(query))
        {
            var (article, title, body) = entries[i];
            // The customer's language first, but a good article in the other language beats a poor one in theirs.
            var score = preferLanguage is not null && article.Language != preferLanguage ? relevance * 0.85 : relevance;
            if (score >= minScore)
            {
                var matched = query.Stems.Where(s => title.Contains(s) || body.Contains(s)).Select(query.WordOf).ToList();
                hits.Add(new ArticleHit(article, Math.Round(score, 3), matched));
            }
        }
        return [.. hits.OrderByDescending(h => h.Score).ThenBy(h => h.Article.Title, StringComparer.Ordinal).Take(limit)];
    }

    /// <summary>The best relevance any article has for the query (0 when none).</summary>
    public double BestScore(TermSet query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var best = 0.0;
        foreach (var (_, score) in Scores(query))
        {
            best = Math.Max(best, score);
        }
        return best;
    }

    /// <summary>Each article sharing a word with the query, and its relevance.</summary>
    private Dictionary<int, double> Scores(TermSet query)
    {
        var held = new Dictionary<int, double>();
        var total = 0.0;
        foreach (var stem in query.Stems)
        {
            var w = weights.Idf(stem);
            total += w;
            if (!postings.TryGetValue(stem, out var list))
            {
                continue;
            }
            foreach (var i in list)
            {
                held[i] = held.GetValueOrDefault(i) + (entries[i].Title.Contains(stem) ? w : w * BodyOnlyWeight);
            }
        }
        if (total > 0)
        {
            foreach (var i in held.Keys)
            {
                held[i] /= total;
            }
        }
        return held;
    }
}
