using System.Collections.Concurrent;
using Rapport.Analysis.Language;

namespace Rapport.Analysis.Meaning;

/// <summary>
/// What a text means, as a unit vector: two texts that say the same thing in other words have a high cosine ("my parcel
/// never arrived" and "the package was not delivered"). English is read by the sentence model; French first through the
/// care glossary (<see cref="CareGlossary"/>), so French and English questions meet in one space. About 6 ms of CPU per
/// new text, so it is for questions, articles and drafts, never the per-message analysis; vectors are cached per text.
/// Thread-safe. Decision 0076.
/// </summary>
public sealed class TextMeaning
{
    /// <summary>From this cosine two questions are taken to ask the same thing (set on our own paraphrases, decision 0076).</summary>
    public const double SameQuestion = 0.5;

    /// <summary>
    /// Below this cosine two questions are about different things, whatever words they share (a bike's annual service and
    /// a crack in its frame: 0.21; a damaged delivery and an invoice: 0.29; two asks about a workshop's opening: 0.68).
    /// </summary>
    public const double Unrelated = 0.35;

    /// <summary>From this cosine an article or a past answer is close enough to suggest.</summary>
    public const double Related = 0.45;

    /// <summary>From this cosine an article is taken to answer a question.</summary>
    public const double Answers = 0.55;

    private const int CacheCapacity = 20_000;
    private const int BatchSize = 16;
    private static readonly Lazy<TextMeaning> LazyShared = new(() => new TextMeaning(SentenceEncoder.Shared));
    private readonly SentenceEncoder encoder;
    private readonly ConcurrentDictionary<string, float[]> cache = new(StringComparer.Ordinal);

    public TextMeaning(SentenceEncoder encoder) => this.encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));

    /// <summary>The process's one instance, on <see cref="SentenceEncoder.Shared"/>.</summary>
    public static TextMeaning Shared => LazyShared.Value;

    /// <summary>The vector of a text; <paramref name="language"/> ("fr", "en") as the analysis read it, or null to detect it.</summary>
    public float[] Of(string? text, string? language = null) => OfMany([(text, language)])[0];

    /// <summary>The vectors of several texts: cached ones at once, the others through the model in batches.</summary>
    public float[][] OfMany(IReadOnlyList<(string? Text, string? Language)> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new float[texts.Count][];
        var missing = new List<(int Index, string Reading)>();
        for (var i = 0; i < texts.Count; i++)
        {
            var reading = ReadingOf(texts[i].Text, texts[i].Language);
            if (reading.Length == 0)
            {
                result[i] = new float[SentenceEncoder.Dimensions];
            }
            else if (cache.TryGetValue(reading, out var cached))
            {
                result[i] = cached;
            }
            else
            {
                missing.Add((i, reading));
            }
        }
        // Similar lengths together, so a batch pads little.
        foreach (var batch in missing.OrderBy(m => m.Reading.Length).Chunk(BatchSize))
        {
            var vectors = encoder.EncodeBatch([.. batch.Select(m => m.Reading)]);
            if (cache.Count + batch.Length > CacheCapacity)
            {
                // Simple and bounded: a workspace's questions and articles come back into it on the next request.
                cache.Clear();
            }
            for (var k = 0; k < batch.Length; k++)
            {
                cache[batch[k].Reading] = vectors[k];
                result[batch[k].Index] = vectors[k];
            }
        }
        return result;
    }

    /// <summary>The cosine of two texts' meanings.</summary>
    public double Similarity(string? a, string? b, string? languageA = null, string? languageB = null)
    {
        var v = OfMany([(a, languageA), (b, languageB)]);
        return Vectors.Cosine(v[0], v[1]);
    }

    /// <summary>What the model reads: the text cut to its bounded start, French read through the care glossary.</summary>
    public static string ReadingOf(string? text, string? language)
    {
        var clean = SentenceEncoder.Prepare(text);
        if (clean.Length == 0)
        {
            return clean;
        }
        language ??= LanguageIdentifier.Identify(Text.Tokenizer.Rent(clean)).Value;
        return language == "fr" ? CareGlossary.ToEnglish(clean) : clean;
    }
}
