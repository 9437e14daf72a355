using Microsoft.ML.Tokenizers;

namespace Rapport.Analysis.Meaning;

/// <summary>
/// Static word-piece vectors distilled from the sentence model in the manner of Model2Vec: each word piece of the
/// vocabulary is run through the model once, alone between [CLS] and [SEP], and its mean-pooled vector kept; a text is then
/// the weighted mean of its pieces' vectors, frequent pieces weighing less (a Zipf prior on the vocabulary's order). A few
/// microseconds per text instead of milliseconds, at a measured loss of quality (decision 0076, the bench's similarity run).
/// Built at first use in a few seconds of CPU, nothing shipped.
/// </summary>
public sealed class StaticWordVectors
{
    // In the uncased BERT vocabulary the whole words start at "the" (1996); before are [unused], characters and marks.
    private const int FirstWord = 1996;
    private const int BuildBatch = 256;
    private readonly float[] table;
    private readonly float[] weights;
    private readonly BertTokenizer tokenizer;

    private StaticWordVectors(BertTokenizer tokenizer, float[] table, float[] weights)
    {
        this.tokenizer = tokenizer;
        this.table = table;
        this.weights = weights;
    }

    /// <summary>Distils the table from <paramref name="encoder"/>: one run of the model per word piece, in batches.</summary>
    public static StaticWordVectors Distil(SentenceEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var size = encoder.VocabularySize;
        var table = new float[size * SentenceEncoder.Dimensions];
        var cls = encoder.Tokenizer.ClassificationTokenId;
        var sep = encoder.Tokenizer.SeparatorTokenId;
        for (var start = 0; start < size; start += BuildBatch)
        {
            var count = Math.Min(BuildBatch, size - start);
            var sequences = new IReadOnlyList<int>[count];
            for (var i = 0; i < count; i++)
            {
                // Three tokens so the pooled vector is not the empty-text zero; [CLS] and [SEP] are the same in every row.
                sequences[i] = [cls, start + i, sep];
            }
            var vectors = encoder.EncodeIds(sequences);
            for (var i = 0; i < count; i++)
            {
                vectors[i].CopyTo(table, (start + i) * SentenceEncoder.Dimensions);
            }
        }
        var weights = new float[size];
        var rankMass = 0.0;
        for (var id = FirstWord; id < size; id++)
        {
            rankMass += 1.0 / (id - FirstWord + 1);
        }
        const double a = 1e-3;
        for (var id = 0; id < size; id++)
        {
            // Smooth inverse frequency (Arora et al.) with a Zipf estimate of each piece's frequency from its rank.
            var p = id < FirstWord ? 1.0 / rankMass / 50 : 1.0 / (id - FirstWord + 1) / rankMass;
            weights[id] = (float)(a / (a + p));
        }
        return new StaticWordVectors(encoder.Tokenizer, table, weights);
    }

    /// <summary>The vector of a text: the weighted mean of its word pieces, of unit length (zeros for none).</summary>
    public float[] Encode(string? text)
    {
        var clean = SentenceEncoder.Prepare(text);
        var vector = new float[SentenceEncoder.Dimensions];
        if (clean.Length == 0)
        {
            return vector;
        }
        var ids = tokenizer.EncodeToIds(clean, SentenceEncoder.MaxTokens, addSpecialTokens: false, out _, out _);
        var span = table.AsSpan();
        foreach (var id in ids)
        {
            if (id < 0 || id >= weights.Length || id == tokenizer.UnknownTokenId)
            {
                continue;
            }
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(span.Slice(id * SentenceEncoder.Dimensions, SentenceEncoder.Dimensions), weights[id], vector, vector);
        }
        return Vectors.Normalize(vector);
    }
}
