using Rapport.Analysis.Features;
using Rapport.Analysis.Lexicons;
using Rapport.Analysis.Models;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Evaluation;

/// <summary>How a <see cref="TextClassifier"/> reads and learns.</summary>
/// <param name="Features">Word, character and lexicon features.</param>
/// <param name="PriorModelFeatures">Adds the shipped default model's intent and sentiment probabilities as features (transfer from the seed corpus).</param>
/// <param name="L2">L2 regularisation of the logistic regression.</param>
/// <param name="MaxIterations">L-BFGS iterations.</param>
/// <param name="BalanceClasses">Weights examples so every class weighs the same in training (better macro-F1 on skewed sets).</param>
/// <param name="NaiveBayesScaling">For two classes, scales each feature by its naive-Bayes log-count ratio (NB-LR, Wang and Manning 2012).</param>
/// <param name="TuneThreshold">For two classes, picks the decision threshold that maximises macro-F1 in a 3-fold CV on the training set.</param>
/// <param name="OffensiveLexicon">Adds counts of our English insult, profanity, demeaning, violence and second-person-attack words as features.</param>
public sealed record TextClassifierOptions(FeaturizerOptions Features, bool PriorModelFeatures = false, float L2 = 1f, int MaxIterations = 200, bool BalanceClasses = false, bool NaiveBayesScaling = false, bool TuneThreshold = false, bool OffensiveLexicon = false)
{
    /// <summary>Defaults per evaluation task, chosen by cross-validation on training files only (never on a test split).</summary>
    public static TextClassifierOptions For(EvalTask task) => task switch
    {
        EvalTask.Complaint => new(new FeaturizerOptions(HashBits: 18, CharMin: 3, CharMax: 5), PriorModelFeatures: true, L2: 2f),
        EvalTask.Sentiment => new(new FeaturizerOptions(HashBits: 18, CharMin: 3, CharMax: 5), PriorModelFeatures: true, L2: 2f),
        // Character 2-5-grams and our English offensive lexicon: 5-fold CV on offensive-en/train.csv only, 0.7447 -> 0.7524 macro-F1 (docs/decisions/0013).
        EvalTask.Toxicity => new(new FeaturizerOptions(HashBits: 20, CharMin: 2, CharMax: 5, Normalize: true), PriorModelFeatures: false, L2: 0.5f, BalanceClasses: true, NaiveBayesScaling: true, TuneThreshold: true, OffensiveLexicon: true),
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
    private readonly Dictionary<int, float>? _ratios;

    private TextClassifier(PackedLinearModel model, TextClassifierOptions options, Dictionary<int, float>? ratios)
    {
        _model = model;
        _options = options;
        _ratios = ratios;
    }

    /// <summary>For two classes: the probability of the second label from which it is predicted (0.5 unless tuned).</summary>
    public double Threshold { get; private init; } = 0.5;

    public IReadOnlyList<string> Labels => _model.Heads[0].Labels;

    public static TextClassifier Train(IReadOnlyList<(string Text, string Label)> examples, TextClassifierOptions options, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        var classifier = TrainOnce(examples, options, seed);
        if (!options.TuneThreshold || classifier.Labels.Count != 2 || examples.Count < 30)
        {
            return classifier;
        }
        // Inner 3-fold CV on the training set only: out-of-fold probabilities, then the threshold with the best macro-F1.
        var labels = classifier.Labels;
        var fold = Folds.Stratified(examples.Select(e => e.Label).ToArray(), 3, seed + 1);
        var p1 = new float[examples.Count];
        var inner = options with { TuneThreshold = false };
        for (var f = 0; f < 3; f++)
        {
            var model = TrainOnce(examples.Where((_, i) => fold[i] != f).ToList(), inner, seed);
            var current = f;
            Parallel.For(0, examples.Count, i =>
            {
                if (fold[i] == current)
                {
                    p1[i] = model.PredictProbabilities(examples[i].Text)[1];
                }
            });
        }
        var best = 0.5;
        var bestF1 = -1.0;
        for (var t = 0.2; t <= 0.801; t += 0.02)
        {
            var threshold = t;
            var f1 = ClassificationMetrics.Compute(examples.Select((e, i) => (e.Label, p1[i] >= threshold ? labels[1] : labels[0]))).MacroF1;
            if (f1 > bestF1 + 1e-9)
            {
                bestF1 = f1;
                best = Math.Round(t, 2);
            }
        }
        return new TextClassifier(classifier._model, options, classifier._ratios) { Threshold = best };
    }

    private static TextClassifier TrainOnce(IReadOnlyList<(string Text, string Label)> examples, TextClassifierOptions options, int seed)
    {
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
        Dictionary<int, float>? ratios = null;
        if (options.NaiveBayesScaling && labels.Length == 2)
        {
            ratios = LogCountRatios(rows);
            rows = rows.Select(r => r with { Values = Scale(r.Indices, r.Values, ratios) }).ToList();
        }
        var head = labels.Length == 1
            ? new HeadWeights("label", labels, new float[1], [])
            : MaxEntTrainer.Train("label", labels, rows, options.Features.Dimension, new MaxEntSettings(L2: options.L2, MaxIterations: options.MaxIterations), seed);
        return new TextClassifier(new PackedLinearModel(options.Features, [head]), options, ratios);
    }

    private static Dictionary<int, float> LogCountRatios(List<SparseExample> rows)
    {
        const float Alpha = 1f;
        var p = new Dictionary<int, float>();
        var q = new Dictionary<int, float>();
        foreach (var r in rows)
        {
            var d = r.Label == 1 ? p : q;
            foreach (var i in r.Indices)
            {
                d[i] = d.GetValueOrDefault(i) + 1;
            }
        }
        float pSum = p.Values.Sum() + Alpha * (p.Count + q.Count), qSum = q.Values.Sum() + Alpha * (p.Count + q.Count);
        var ratios = new Dictionary<int, float>(p.Count + q.Count);
        foreach (var i in p.Keys.Concat(q.Keys).Distinct().Order())
        {
            ratios[i] = MathF.Log((p.GetValueOrDefault(i) + Alpha) / pSum) - MathF.Log((q.GetValueOrDefault(i) + Alpha) / qSum);
        }
        return ratios;
    }

    private static float[] Scale(int[] indices, float[] values, Dictionary<int, float> ratios)
    {
        var scaled = new float[values.Length];
        for (var k = 0; k < values.Length; k++)
        {
            scaled[k] = values[k] * ratios.GetValueOrDefault(indices[k]);
        }
        return scaled;
    }

    private static void Featurize(string text, TextClassifierOptions options, LexicalSignals signals, FeatureVector fv)
    {
        var tokens = Tokenizer.Rent(text);
        signals.Compute(tokens);
        Featurizer.Extract(tokens, signals, options.Features, fv);
        if (options.OffensiveLexicon)
        {
            AddOffensive(tokens, options.Features.Dimension - 1, fv);
        }
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
    private static List<PhraseMatch<OffensiveCue>>? s_offensive;

    private static readonly string[] OffensiveNames = Enum.GetNames<OffensiveCue>().Select(n => "off:" + n).ToArray();

    private static void AddOffensive(TokenizedText tokens, int mask, FeatureVector fv)
    {
        var matches = s_offensive ??= [];
        matches.Clear();
        OffensiveLexicon.Cues.Match(tokens, matches);
        Span<int> counts = stackalloc int[OffensiveNames.Length];
        foreach (var m in matches)
        {
            counts[(int)m.Tag]++;
        }
        var total = 0;
        for (var k = 0; k < counts.Length; k++)
        {
            if (counts[k] > 0)
            {
                fv.Add((int)(Featurizer.Hash(10, OffensiveNames[k]) & mask), Math.Min(counts[k], 3) / 2f, 0, 0);
                total += counts[k];
            }
        }
        if (total > 0)
        {
            fv.Add((int)(Featurizer.Hash(10, "off:any") & mask), Math.Min(total, 4) / 2f, 0, 0);
        }
    }

    [ThreadStatic]
    private static (FeatureVector Fv, LexicalSignals Signals, float[] Logits)? s_scratch;

    /// <summary>Probabilities per label, in the order of <see cref="Labels"/>.</summary>
    public float[] PredictProbabilities(string text)
    {
        var scratch = s_scratch ??= (new FeatureVector(), new LexicalSignals(), new float[256]);
        Featurize(text ?? string.Empty, _options, scratch.Signals, scratch.Fv);
        if (_ratios is not null)
        {
            var fv = scratch.Fv;
            for (var k = 0; k < fv.Count; k++)
            {
                fv.Value[k] *= _ratios.GetValueOrDefault(fv.Index[k]);
            }
        }
        var probs = new float[_model.Width];
        _model.Logits(scratch.Fv, probs);
        PackedLinearModel.Softmax(probs);
        return probs;
    }

    public string Predict(string text)
    {
        var p = PredictProbabilities(text);
        if (p.Length == 2)
        {
            return p[1] >= Threshold ? Labels[1] : Labels[0];
        }
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
