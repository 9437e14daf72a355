using System.Security.Cryptography;
using System.Text;
using Rapport.Analysis.Evaluation;
using Rapport.Analysis.Features;
using Rapport.Analysis.Models;
using Rapport.Analysis.Text;
using Rapport.Analysis.Training;

namespace Rapport.Analysis;

/// <summary>
/// The learned part of the analyzer: intent, needs-an-answer and sentiment heads over hashed word,
/// character and lexicon features. Trained deterministically with ML.NET; predicted without it.
/// </summary>
public sealed class AnalyzerModel
{
    /// <summary>Bumped when the features or the file format change; part of <see cref="Version"/>.</summary>
    public const string FormatVersion = "ra2";

    private const string Magic = "RAPPORT-ANALYZER";

    internal const int IntentHead = 0;
    internal const int NeedsAnswerHead = 1;
    internal const int SentimentHead = 2;

    internal static readonly FeaturizerOptions DefaultFeatures = new(HashBits: 16, WordBigrams: true, CharMin: 3, CharMax: 4, Lexicon: true);
    internal static readonly MaxEntSettings DefaultSettings = new(L2: 0.5f, MaxIterations: 100);

    private static readonly Lazy<AnalyzerModel> LazyDefault = new(() => Train([]), LazyThreadSafetyMode.ExecutionAndPublication);

    internal PackedLinearModel Linear { get; }

    /// <summary>"ra1+" and the first 12 hex digits of the SHA-256 of the weights: equal versions, equal models.</summary>
    public string Version { get; }

    /// <summary>How many labelled examples the model learned from.</summary>
    public int ExampleCount { get; }

    private AnalyzerModel(PackedLinearModel linear, int exampleCount)
    {
        Linear = linear;
        ExampleCount = exampleCount;
        Version = FormatVersion + "+" + Convert.ToHexStringLower(SHA256.HashData(WeightsBytes(linear)))[..12];
    }

    /// <summary>The model trained on the embedded seed corpus alone (trained once, at first use, then shared).</summary>
    public static AnalyzerModel Default => LazyDefault.Value;

    /// <summary>
    /// Identifies the default model before training it: the format version and a hash of the embedded seed
    /// corpus. Equal fingerprints give byte-identical default models.
    /// </summary>
    public static string DefaultFingerprint { get; } = ComputeFingerprint();

    private static string ComputeFingerprint()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(FormatVersion + DefaultFeatures + DefaultSettings));
        var assembly = typeof(AnalyzerModel).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name);
            if (stream is not null)
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                sha.AppendData(ms.ToArray());
            }
        }
        return FormatVersion + "-" + Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    /// <summary>
    /// The default model, loaded from <c>default-&lt;fingerprint&gt;.model</c> in <paramref name="cacheDirectory"/>
    /// when present and readable, otherwise trained and written there (atomically), so a host pays for
    /// training once per seed-corpus version instead of once per process.
    /// </summary>
    public static AnalyzerModel LoadOrTrainDefault(string cacheDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        var path = Path.Combine(cacheDirectory, $"default-{DefaultFingerprint}.model");
        if (File.Exists(path))
        {
            try
            {
                using var read = File.OpenRead(path);
                return Load(read);
            }
            catch (InvalidDataException)
            {
                // A damaged cache file is rebuilt below.
            }
        }
        var model = Default;
        Directory.CreateDirectory(cacheDirectory);
        var temp = path + "." + Environment.ProcessId + ".tmp";
        using (var write = File.Create(temp))
        {
            model.Save(write);
        }
        File.Move(temp, path, overwrite: true);
        return model;
    }

    /// <summary>Trains on the seed corpus plus <paramref name="extra"/> (a workspace's corrections). Same input, same bytes.</summary>
    public static AnalyzerModel Train(IEnumerable<LabelledExample> extra, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(extra);
        return TrainOn(LabelledCsv.SeedCorpus().Concat(extra).ToList(), seed);
    }

    /// <summary>Trains on exactly <paramref name="examples"/>, without the seed corpus.</summary>
    public static AnalyzerModel TrainOn(IReadOnlyList<LabelledExample> examples, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var features = examples.Select(e => Featurize(e.Text, DefaultFeatures)).ToArray();
        var intentLabels = Enum.GetNames<Intent>();
        var sentimentLabels = Enum.GetNames<SentimentLabel>();
        var heads = new List<HeadWeights>
        {
            TrainHead("intent", intentLabels, features, examples, e => e.Intent is { } i ? (int)i : -1, seed),
            TrainHead("needs_answer", ["no", "yes"], features, examples, e => e.NeedsAnswer is { } b ? (b ? 1 : 0) : -1, seed),
            TrainHead("sentiment", sentimentLabels, features, examples, e => e.Sentiment is { } s ? (int)s : -1, seed),
        };
        return new AnalyzerModel(new PackedLinearModel(DefaultFeatures, heads), examples.Count);
    }

    private static HeadWeights TrainHead(string name, string[] labels, (int[] I, float[] V)[] features, IReadOnlyList<LabelledExample> examples, Func<LabelledExample, int> label, int seed)
    {
        var rows = new List<SparseExample>();
        for (var k = 0; k < examples.Count; k++)
        {
            var y = label(examples[k]);
            if (y >= 0)
            {
                rows.Add(new SparseExample(features[k].I, features[k].V, y));
            }
        }
        if (rows.Count == 0)
        {
            return new HeadWeights(name, labels, new float[labels.Length], []);
        }
        return MaxEntTrainer.Train(name, labels, rows, DefaultFeatures.Dimension, DefaultSettings, seed);
    }

    internal static (int[] I, float[] V) Featurize(string text, FeaturizerOptions options)
    {
        var tokens = Tokenizer.Rent(text ?? string.Empty);
        var signals = new LexicalSignals();
        signals.Compute(tokens);
        var fv = new FeatureVector();
        Featurizer.Extract(tokens, signals, options, fv);
        return fv.ToSorted();
    }

    /// <summary>
    /// Stratified K-fold cross-validation of the heads trained on the seed corpus plus <paramref name="extra"/>,
    /// measured through the full analyzer (what ships). Deterministic for a given seed.
    /// </summary>
    public static CrossValidationReport CrossValidate(IEnumerable<LabelledExample> extra, int folds = 5, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(extra);
        return CrossValidateOn(LabelledCsv.SeedCorpus().Concat(extra).ToList(), folds, seed);
    }

    /// <summary>Cross-validation on exactly <paramref name="examples"/>.</summary>
    public static CrossValidationReport CrossValidateOn(IReadOnlyList<LabelledExample> examples, int folds = 5, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var strata = examples.Select(e => e.Intent?.ToString() ?? e.Sentiment?.ToString() ?? "none").ToArray();
        var fold = Folds.Stratified(strata, folds, seed);
        var intent = new List<(string, string)>();
        var needs = new List<(string, string)>();
        var sentiment = new List<(string, string)>();
        for (var f = 0; f < folds; f++)
        {
            var train = examples.Where((_, i) => fold[i] != f).ToList();
            var model = TrainOn(train, seed);
            var analyzer = new TextAnalyzer(model);
            for (var i = 0; i < examples.Count; i++)
            {
                if (fold[i] != f)
                {
                    continue;
                }
                var e = examples[i];
                var r = analyzer.Analyze(e.Text, new AnalysisContext(LanguageHint: e.Language));
                if (e.Intent is { } gi)
                {
                    intent.Add((gi.ToString(), r.Intent.Value.ToString()));
                }
                if (e.NeedsAnswer is { } gn)
                {
                    needs.Add((gn ? "yes" : "no", r.NeedsAnswer.Value >= 0.5 ? "yes" : "no"));
                }
                if (e.Sentiment is { } gs)
                {
                    sentiment.Add((gs.ToString(), r.Sentiment.Value.ToString()));
                }
            }
        }
        return new CrossValidationReport(
            folds,
            examples.Count,
            ClassificationMetrics.Compute(intent),
            ClassificationMetrics.Compute(needs),
            ClassificationMetrics.Compute(sentiment));
    }

    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(ExampleCount);
        Linear.Write(w);
    }

    /// <summary>Loads a model written by <see cref="Save"/>; throws <see cref="InvalidDataException"/> on anything else.</summary>
    public static AnalyzerModel Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadString() != Magic)
            {
                throw new InvalidDataException("Not a Rapport analyzer model.");
            }
            var format = r.ReadString();
            if (format != FormatVersion)
            {
                throw new InvalidDataException($"Model format {format} is not supported by this version ({FormatVersion}); retrain it.");
            }
            var count = r.ReadInt32();
            var linear = PackedLinearModel.Read(r);
            if (linear.Heads.Count != 3 || linear.Heads[IntentHead].Labels.Length != Enum.GetValues<Intent>().Length || linear.Heads[SentimentHead].Labels.Length != 3)
            {
                throw new InvalidDataException("The model does not have the intent, needs_answer and sentiment heads.");
            }
            return new AnalyzerModel(linear, count);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException or ArgumentException or OutOfMemoryException)
        {
            throw new InvalidDataException("Damaged or truncated model file.", e);
        }
    }

    private static byte[] WeightsBytes(PackedLinearModel linear)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            linear.Write(w);
        }
        return ms.ToArray();
    }
}

/// <summary>Cross-validated quality of each head, to decide whether a retrained model replaces the current one.</summary>
public sealed record CrossValidationReport(int Folds, int Examples, ClassificationMetrics Intent, ClassificationMetrics NeedsAnswer, ClassificationMetrics Sentiment)
{
    /// <summary>Macro-F1 per head: "intent", "needs_answer", "sentiment".</summary>
    public IReadOnlyDictionary<string, double> MacroF1 => new Dictionary<string, double>
    {
        ["intent"] = Intent.MacroF1,
        ["needs_answer"] = NeedsAnswer.MacroF1,
        ["sentiment"] = Sentiment.MacroF1,
    };

    /// <summary>True when no head's macro-F1 is lower than <paramref name="baseline"/>'s by more than <paramref name="tolerance"/>.</summary>
    public bool IsNotWorseThan(CrossValidationReport baseline, double tolerance = 0.01)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return IsNotWorse(MacroF1, baseline.MacroF1, tolerance);
    }

    /// <summary>
    /// The same comparison on stored numbers (head name → macro-F1), for a baseline kept in a database:
    /// true when no head of the baseline is missing from the candidate or lower by more than the tolerance.
    /// </summary>
    public static bool IsNotWorse(IReadOnlyDictionary<string, double> candidate, IReadOnlyDictionary<string, double> baseline, double tolerance = 0.01)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baseline);
        foreach (var (head, value) in baseline)
        {
            if (!candidate.TryGetValue(head, out var c) || c < value - tolerance)
            {
                return false;
            }
        }
        return true;
    }
}
