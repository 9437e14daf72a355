using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Rapport.Analysis.Features;

namespace Rapport.Analysis.Models;

/// <summary>One example as hashed sparse features, with its class index.</summary>
internal sealed record SparseExample(int[] Indices, float[] Values, int Label, float Weight = 1f);

/// <summary>The learned weights of one multinomial logistic-regression head.</summary>
internal sealed record HeadWeights(string Name, string[] Labels, float[] Bias, Dictionary<int, float[]> Rows);

/// <summary>Settings of the maximum-entropy trainer.</summary>
internal sealed record MaxEntSettings(float L2 = 0.5f, float L1 = 0f, int MaxIterations = 200, int HistorySize = 10, float Tolerance = 1e-5f);

/// <summary>
/// Trains multinomial logistic regression (ML.NET L-BFGS maximum entropy, one thread, so it is deterministic)
/// on hashed sparse features and hands back the weights; prediction is done by <see cref="PackedLinearModel"/>.
/// </summary>
internal static class MaxEntTrainer
{
    private sealed class Row
    {
        public uint Label { get; set; }
        public float Weight { get; set; }
        public VBuffer<float> Features { get; set; }
    }

    public static HeadWeights Train(string name, string[] labels, IReadOnlyList<SparseExample> examples, int dimension, MaxEntSettings settings, int seed)
    {
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), labels.Length);
        var rows = examples.Select(e => new Row
        {
            // LoadFromEnumerable maps a 0-based uint onto the key type itself (key 0 is not "missing" here).
            Label = (uint)e.Label,
            Weight = e.Weight,
            Features = new VBuffer<float>(dimension, e.Indices.Length, e.Values, e.Indices),
        });
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var trainer = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = nameof(Row.Label),
            FeatureColumnName = nameof(Row.Features),
            ExampleWeightColumnName = nameof(Row.Weight),
            L2Regularization = settings.L2,
            L1Regularization = settings.L1,
            NumberOfThreads = 1,
            HistorySize = settings.HistorySize,
            MaximumNumberOfIterations = settings.MaxIterations,
            OptimizationTolerance = settings.Tolerance,
        });
        var model = trainer.Fit(data).Model;
        VBuffer<float>[] weights = [];
        model.GetWeights(ref weights, out var classes);
        var bias = model.GetBiases().ToArray();
        var rowsByFeature = new Dictionary<int, float[]>();
        for (var c = 0; c < classes; c++)
        {
            var w = weights[c];
            var values = w.GetValues();
            if (w.IsDense)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    if (values[i] != 0)
                    {
                        GetRow(rowsByFeature, i, classes)[c] = values[i];
                    }
                }
            }
            else
            {
                var indices = w.GetIndices();
                for (var k = 0; k < values.Length; k++)
                {
                    if (values[k] != 0)
                    {
                        GetRow(rowsByFeature, indices[k], classes)[c] = values[k];
                    }
                }
            }
        }
        if (bias.Length < labels.Length)
        {
            Array.Resize(ref bias, labels.Length);
        }
        return new HeadWeights(name, labels, bias, rowsByFeature);
    }

    private static float[] GetRow(Dictionary<int, float[]> rows, int index, int classes)
    {
        if (!rows.TryGetValue(index, out var row))
        {
            row = new float[classes];
            rows[index] = row;
        }
        return row;
    }
}

/// <summary>
/// Several linear heads over the same hashed features, packed so that each active feature reads one
/// contiguous row of weights for all heads: one memory access per feature, no allocation per prediction.
/// </summary>
internal sealed class PackedLinearModel
{
    public FeaturizerOptions Options { get; }
    public IReadOnlyList<HeadWeights> Heads { get; }
    public int Width { get; }
    private readonly int[] _offsets;
    private readonly int[] _slot;
    private readonly float[] _weights;
    private readonly float[] _bias;

    public PackedLinearModel(FeaturizerOptions options, IReadOnlyList<HeadWeights> heads)
    {
        Options = options;
        Heads = heads;
        _offsets = new int[heads.Count];
        var width = 0;
        for (var h = 0; h < heads.Count; h++)
        {
            _offsets[h] = width;
            width += heads[h].Labels.Length;
        }
        Width = width;
        _bias = new float[width];
        for (var h = 0; h < heads.Count; h++)
        {
            heads[h].Bias.AsSpan(0, heads[h].Labels.Length).CopyTo(_bias.AsSpan(_offsets[h]));
        }
        var features = heads.SelectMany(h => h.Rows.Keys).Distinct().Order().ToArray();
        _slot = new int[options.Dimension];
        Array.Fill(_slot, -1);
        _weights = new float[features.Length * width];
        for (var r = 0; r < features.Length; r++)
        {
            _slot[features[r]] = r;
            for (var h = 0; h < heads.Count; h++)
            {
                if (heads[h].Rows.TryGetValue(features[r], out var row))
                {
                    row.AsSpan(0, heads[h].Labels.Length).CopyTo(_weights.AsSpan(r * width + _offsets[h]));
                }
            }
        }
    }

    public int Offset(int head) => _offsets[head];

    /// <summary>Computes the logits of every head into <paramref name="logits"/> (length <see cref="Width"/>).</summary>
    public void Logits(FeatureVector f, Span<float> logits)
    {
        _bias.CopyTo(logits);
        var width = Width;
        var weights = _weights;
        var slot = _slot;
        for (var k = 0; k < f.Count; k++)
        {
            var r = slot[f.Index[k]];
            if (r < 0)
            {
                continue;
            }
            var v = f.Value[k];
            var row = weights.AsSpan(r * width, width);
            for (var c = 0; c < row.Length; c++)
            {
                logits[c] += row[c] * v;
            }
        }
    }

    /// <summary>Turns a head's logits into probabilities in place.</summary>
    public static void Softmax(Span<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }
        var sum = 0f;
        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] = MathF.Exp(logits[c] - max);
            sum += logits[c];
        }
        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] /= sum;
        }
    }

    /// <summary>The weight of feature <paramref name="index"/> for one class of one head (0 when unseen).</summary>
    public float Weight(int index, int head, int label)
    {
        var r = _slot[index];
        return r < 0 ? 0f : _weights[r * Width + _offsets[head] + label];
    }

    public void Write(BinaryWriter w)
    {
        w.Write(Options.HashBits);
        w.Write(Options.WordBigrams);
        w.Write(Options.CharMin);
        w.Write(Options.CharMax);
        w.Write(Options.Lexicon);
        w.Write(Options.Normalize);
        w.Write(Heads.Count);
        foreach (var h in Heads)
        {
            w.Write(h.Name);
            w.Write(h.Labels.Length);
            foreach (var l in h.Labels)
            {
                w.Write(l);
            }
            foreach (var b in h.Bias.AsSpan(0, h.Labels.Length))
            {
                w.Write(b);
            }
            w.Write(h.Rows.Count);
            foreach (var key in h.Rows.Keys.Order())
            {
                w.Write(key);
                foreach (var v in h.Rows[key].AsSpan(0, h.Labels.Length))
                {
                    w.Write(v);
                }
            }
        }
    }

    public static PackedLinearModel Read(BinaryReader r)
    {
        var options = new FeaturizerOptions(r.ReadInt32(), r.ReadBoolean(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadBoolean());
        if (options.HashBits is < 8 or > 24)
        {
            throw new InvalidDataException("Unsupported hash size.");
        }
        var count = r.ReadInt32();
        var heads = new List<HeadWeights>(count);
        for (var h = 0; h < count; h++)
        {
            var name = r.ReadString();
            var labels = new string[r.ReadInt32()];
            for (var i = 0; i < labels.Length; i++)
            {
                labels[i] = r.ReadString();
            }
            var bias = new float[labels.Length];
            for (var i = 0; i < labels.Length; i++)
            {
                bias[i] = r.ReadSingle();
            }
            var rows = r.ReadInt32();
            var dict = new Dictionary<int, float[]>(rows);
            for (var k = 0; k < rows; k++)
            {
                var key = r.ReadInt32();
                var row = new float[labels.Length];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = r.ReadSingle();
                }
                dict[key] = row;
            }
            heads.Add(new HeadWeights(name, labels, bias, dict));
        }
        return new PackedLinearModel(options, heads);
    }
}
