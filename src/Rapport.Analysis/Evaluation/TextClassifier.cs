using Rapport.Analysis.Features;
using Rapport.Analysis.Models;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Evaluation;

/// <summary>How a <see cref="TextClassifier"/> reads and learns.</summary>
/// <param name="Features">Word, character and lexicon features.</param>
/// <param name="PriorModelFeatures">Adds the shipped default model's intent and sentiment probabilities as features (transfer from the seed corpus).</param>
/// <param name="L2">L2 regularisation of the logistic regression.</param>
/// <param name="MaxIterations">L-BFGS iterations.</param>
/// <param name="BalanceClasses">Weights examples so every class weighs the same in training (better macro-F1 on skewed sets).</param>
public sealed record TextClassifierOptions(FeaturizerOptions Features, bool PriorModelFeatures = false, float L2 = 1f, int MaxIterations = 200, bool BalanceClasses = false)
{
    /// <summary>Defaults per evaluation task, chosen on the seed corpus and general knowledge of each task, not on evaluation rows.</summary>
    public static TextClassifierOptions For(EvalTask task) => task switch
    {
        EvalTask.Complaint => new(new FeaturizerOptions(HashBits: 18, CharMin: 3, CharMax: 5), PriorModelFeatures: true, L2: 2f),
        EvalTask.Sentiment => new(new FeaturizerOptions(HashBits: 18, CharMin: 3, CharMax: 5), PriorModelFeatures: true, L2: 2f),
        EvalTask.Toxicity => new(new FeaturizerOptions(HashBits: 18, CharMin: 3, CharMax: 5, Normalize: true), PriorModelFeatures: false, L2: 0.1f, BalanceClasses: true),
        EvalTask.Clickbait => new(new FeaturizerOptions(HashBits: 18, CharMin: 3, CharMax: 5), PriorModelFeatures: false, L2: 1f),
        _ => new(new FeaturizerOptions(HashBits: 16, CharMin: 3, CharMax: 4), PriorModelFeatures: false, L2: 1f, MaxIterations: 100),
    };
}

/// <summary>
/// A trainable text classifier for any label set: multinomial logistic regression (ML.NET L-BFGS) on hashed
/// word uni/bigrams, character n-grams and the lexicon features, predicted with packed weights.
/// </summary>
public sealed class TextClassifier
{
    private readonly PackedLinearModel _model;
    private readonly TextClassifierOptions _options;

    private TextClassifier(PackedLinearModel model, TextClassifierOptions options)
    {
        _model = model;
        _options = options;
    }

    public IReadOnlyList<string> Labels => _model.Heads[0].Labels;

    public static TextClassifier Train(IReadOnlyList<(string Text, string Label)> examples, TextClassifierOptions options, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        var labels = examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var rows = new List<SparseExample>(examples.Count);
        var fv = new FeatureVector();
        var signals = new LexicalSignals();
        var perClass = examples.GroupBy(e => e.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var (text, label) in examples)
        {
            Featurize(text, options, signals, fv);
            var (i, v) = fv.ToSorted();
            var weight = options.BalanceClasses ? (float)examples.Count / (labels.Length * perClass[label]) : 1f;
            rows.Add(new SparseExample(i, v, index[label], weight));
        }
        var head = labels.Length == 1
            ? new HeadWeights("label", labels, new float[1], [])
            : MaxEntTrainer.Train("label", labels, rows, options.Features.Dimension, new MaxEntSettings(L2: options.L2, MaxIterations: options.MaxIterations), seed);
        return new TextClassifier(new PackedLinearModel(options.Features, [head]), options);
    }

    private static void Featurize(string text, TextClassifierOptions options, LexicalSignals signals, FeatureVector fv)
    {
        var tokens = Tokenizer.Rent(text);
        signals.Compute(tokens);
        Featurizer.Extract(tokens, signals, options.Features, fv);
        if (options.PriorModelFeatures)
        {
            var prior = TextAnalyzer.Default.Analyze(text);
            var mask = options.Features.Dimension - 1;
            // The default model's view, as a few dense features: how much it reads a complaint, a need for an answer, a polarity.
            fv.Add((int)(Featurizer.Hash(9, "prior:intent:" + prior.Intent.Value) & mask), (float)prior.Intent.Confidence, 0, 0);
            fv.Add((int)(Featurizer.Hash(9, "prior:needs") & mask), (float)prior.NeedsAnswer.Value, 0, 0);
            fv.Add((int)(Featurizer.Hash(9, "prior:sentiment") & mask), (float)prior.SentimentScore, 0, 0);
            fv.Add((int)(Featurizer.Hash(9, "prior:sentiment:" + prior.Sentiment.Value) & mask), 1f, 0, 0);
            foreach (var u in prior.Urgency)
            {
                fv.Add((int)(Featurizer.Hash(9, "prior:urgency:" + u.Value) & mask), 1f, 0, 0);
            }
        }
    }

    [ThreadStatic]
    private static (FeatureVector Fv, LexicalSignals Signals, float[] Logits)? s_scratch;

    /// <summary>Probabilities per label, in the order of <see cref="Labels"/>.</summary>
    public float[] PredictProbabilities(string text)
    {
        var scratch = s_scratch ??= (new FeatureVector(), new LexicalSignals(), new float[256]);
        Featurize(text ?? string.Empty, _options, scratch.Signals, scratch.Fv);
        var probs = new float[_model.Width];
        _model.Logits(scratch.Fv, probs);
        PackedLinearModel.Softmax(probs);
        return probs;
    }

    public string Predict(string text)
    {
        var p = PredictProbabilities(text);
        var best = 0;
        for (var i = 1; i < p.Length; i++)
        {
            if (p[i] > p[best])
            {
                best = i;
            }
        }
        return Labels[best];
    }
}
