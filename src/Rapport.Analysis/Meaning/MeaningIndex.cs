namespace Rapport.Analysis.Meaning;

/// <summary>A nearest neighbour by meaning: the item's position in the index and its cosine with the query.</summary>
public readonly record struct MeaningHit(int Index, double Score);

/// <summary>
/// Unit vectors side by side in one array, searched exhaustively: 10,000 articles or past answers are 15 MB and a query
/// reads them in about a millisecond, so no approximate index is needed at a workspace's scale (the bench measures it).
/// </summary>
public sealed class MeaningIndex
{
    private readonly float[] vectors;

    public MeaningIndex(IReadOnlyList<float[]> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Count = items.Count;
        vectors = new float[Count * SentenceEncoder.Dimensions];
        for (var i = 0; i < Count; i++)
        {
            items[i].AsSpan(0, SentenceEncoder.Dimensions).CopyTo(vectors.AsSpan(i * SentenceEncoder.Dimensions));
        }
    }

    public int Count { get; }

    /// <summary>The vector of item <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Vector(int index) => vectors.AsSpan(index * SentenceEncoder.Dimensions, SentenceEncoder.Dimensions);

    /// <summary>The cosine of the query with item <paramref name="index"/>.</summary>
    public double Score(ReadOnlySpan<float> query, int index) =>
        Vectors.Cosine(query, vectors.AsSpan(index * SentenceEncoder.Dimensions, SentenceEncoder.Dimensions));

    /// <summary>The <paramref name="limit"/> items closest to the query with a cosine of at least <paramref name="minScore"/>, best first.</summary>
    public List<MeaningHit> Search(ReadOnlySpan<float> query, int limit, double minScore = 0, int? except = null)
    {
        var best = new List<MeaningHit>(limit + 1);
        if (limit <= 0)
        {
            return best;
        }
        for (var i = 0; i < Count; i++)
        {
            if (i == except)
            {
                continue;
            }
            var score = Score(query, i);
            if (score < minScore || (best.Count == limit && score <= best[^1].Score))
            {
                continue;
            }
            var at = best.FindIndex(h => h.Score < score);
            best.Insert(at < 0 ? best.Count : at, new MeaningHit(i, score));
            if (best.Count > limit)
            {
                best.RemoveAt(best.Count - 1);
            }
        }
        return best;
    }
}
