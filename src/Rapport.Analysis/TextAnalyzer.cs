using Rapport.Analysis.Features;
using Rapport.Analysis.Language;
using Rapport.Analysis.Lexicons;
using Rapport.Analysis.Models;
using Rapport.Analysis.Text;

namespace Rapport.Analysis;

/// <summary>
/// The default <see cref="ITextAnalyzer"/>: tokenizer and lexicons written for French and English social text,
/// plus the linear heads of an <see cref="AnalyzerModel"/>. Thread-safe (per-thread buffers), never throws,
/// and analyses at most <see cref="Tokenizer.MaxAnalysedChars"/> characters of a text.
/// </summary>
public sealed class TextAnalyzer : ITextAnalyzer
{
    private static readonly Lazy<TextAnalyzer> LazyDefault = new(() => new TextAnalyzer(AnalyzerModel.Default), LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed class Scratch
    {
        public readonly TokenizedText Tokens = new();
        public readonly LexicalSignals Signals = new();
        public readonly FeatureVector Features = new();
        public readonly float[] Logits = new float[64];
        public readonly SpanScores Spans = new();
    }

    [ThreadStatic]
    private static Scratch? s_scratch;

    /// <summary>The analyzer over <see cref="AnalyzerModel.Default"/> (trained from the seed corpus at first use).</summary>
    public static TextAnalyzer Default => LazyDefault.Value;

    public AnalyzerModel Model { get; }

    public TextAnalyzer(AnalyzerModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    public TextAnalysisResult Analyze(string text, AnalysisContext? context = null)
    {
        try
        {
            return AnalyzeCore(text ?? string.Empty, context);
        }
#pragma warning disable CA1031 // The contract is "never throws": a bug must degrade one message, not the ingest pipeline.
        catch (Exception)
#pragma warning restore CA1031
        {
            s_scratch = null;
            return Fallback();
        }
    }

    /// <summary>The probability of every intent (the full distribution behind <see cref="TextAnalysisResult.Intent"/>).</summary>
    public IReadOnlyDictionary<Intent, double> IntentProbabilities(string text)
    {
        var result = new Dictionary<Intent, double>();
        try
        {
            var s = s_scratch ??= new Scratch();
            var intent = HeadLogits(text, s).Slice(Model.Linear.Offset(AnalyzerModel.IntentHead), 8);
            PackedLinearModel.Softmax(intent);
            for (var i = 0; i < intent.Length; i++)
            {
                result[(Intent)i] = Math.Round(intent[i], 4);
            }
        }
#pragma warning disable CA1031 // Never throws, like Analyze.
        catch (Exception)
#pragma warning restore CA1031
        {
            s_scratch = null;
        }
        return result;
    }

    /// <summary>
    /// The two views the sentiment score blends, before calibration: the head's P(positive) − P(negative) and the
    /// lexicon score (both in [−1, 1]). For fitting <see cref="SentimentCalibration"/>.
    /// </summary>
    internal (double Model, double Lexicon) SentimentParts(string text)
    {
        var s = s_scratch ??= new Scratch();
        var sentiment = HeadLogits(text, s).Slice(Model.Linear.Offset(AnalyzerModel.SentimentHead), 3);
        PackedLinearModel.Softmax(sentiment);
        return (sentiment[2] - sentiment[0], s.Signals.Score);
    }

    /// <summary>Reads a text into the scratch's tokens and signals and returns every head's logits, for the views that need one head.</summary>
    private Span<float> HeadLogits(string? text, Scratch s)
    {
        Tokenizer.Tokenize(text ?? string.Empty, s.Tokens);
        s.Signals.Compute(s.Tokens);
        var linear = Model.Linear;
        Featurizer.Extract(s.Tokens, s.Signals, linear.Options, s.Features);
        var logits = s.Logits.AsSpan(0, linear.Width);
        linear.Logits(s.Features, logits);
        return logits;
    }

    private TextAnalysisResult Fallback() => new(
        new Scored<string>(LanguageIdentifier.Other, 0, []),
        new Scored<Intent>(Intent.Chatter, 0, []),
        new Scored<double>(0.5, 0, []),
        0,
        new Scored<SentimentLabel>(SentimentLabel.Neutral, 0, []),
        [],
        [],
        [],
        [],
        Model.Version);

    private TextAnalysisResult AnalyzeCore(string text, AnalysisContext? context)
    {
        var s = s_scratch ??= new Scratch();
        var tokens = s.Tokens;
        Tokenizer.Tokenize(text, tokens);
        var signals = s.Signals;
        signals.Compute(tokens);
        var language = LanguageIdentifier.Identify(tokens, context?.LanguageHint);

        if (signals.Words == 0 && tokens.Count == 0)
        {
            // Nothing readable (empty, whitespace, control characters): say so with no confidence.
            return new TextAnalysisResult(language, new Scored<Intent>(Intent.Chatter, 0.2, []), new Scored<double>(0.05, 0.5, []), 0,
                new Scored<SentimentLabel>(SentimentLabel.Neutral, 0.5, []), [], [], [], [], Model.Version);
        }

        var linear = Model.Linear;
        Featurizer.Extract(tokens, signals, linear.Options, s.Features);
        var logits = s.Logits.AsSpan(0, linear.Width);
        linear.Logits(s.Features, logits);
        var intentProbs = logits.Slice(linear.Offset(AnalyzerModel.IntentHead), 8);
        var needsProbs = logits.Slice(linear.Offset(AnalyzerModel.NeedsAnswerHead), 2);
        var sentimentProbs = logits.Slice(linear.Offset(AnalyzerModel.SentimentHead), 3);
        PackedLinearModel.Softmax(intentProbs);
        PackedLinearModel.Softmax(needsProbs);
        PackedLinearModel.Softmax(sentimentProbs);

        // Intent.
        var intentIndex = ArgMax(intentProbs);
        var intent = (Intent)intentIndex;
        var intentEvidence = TopEvidence(s, AnalyzerModel.IntentHead, intentIndex, text);
        var intentResult = new Scored<Intent>(intent, Round(intentProbs[intentIndex]), intentEvidence);

        // Urgency, toxicity, themes from the rules.
        var urgency = Group(signals.Urgency, text, tokens);
        var toxicity = Group(signals.Toxicity, text, tokens);
        var themes = Group(signals.Themes, text, tokens);

        // Needs an answer: the model, nudged by what an agent would never ignore (urgency) or always ignore (spam).
        double needs = needsProbs[1];
        if (urgency.Count > 0)
        {
            needs = Math.Max(needs, Math.Min(0.95, 0.6 + 0.1 * urgency.Count));
        }
        if (intent == Intent.Spam)
        {
            needs = Math.Min(needs, 0.1 + 0.2 * (1 - intentProbs[intentIndex]));
        }
        var needsEvidence = urgency.Count > 0 ? urgency[0].Evidence : TopEvidence(s, AnalyzerModel.NeedsAnswerHead, needs >= 0.5 ? 1 : 0, text);
        var needsResult = new Scored<double>(Round(needs), Round(Math.Abs(needs - 0.5) * 2), needsEvidence);

        // Sentiment: the model's view blended with the lexicon (negation, intensifiers, emoji), which it cannot always learn from a small corpus.
        var modelScore = sentimentProbs[2] - sentimentProbs[0];
        var lex = signals.Score;
        // Without any polar word the model's view is shrunk: it partly learned the seed corpus' style (long complaints, numbers, @mentions).
        var calibration = SentimentCalibration.Default;
        var score = calibration.Score(modelScore, lex);
        if (signals.Positive == 0 && score > calibration.NegativeFrom && HasFault(signals))
        {
            // "still not working after the fix", "toujours pas de réponse": no polar word, but a fault or a long wait
            // said in so many words is a negative experience.
            score = Math.Max(-1, calibration.NegativeFrom - 0.1);
        }
        var label = calibration.Label(score);
        var sentimentConfidence = label == SentimentLabel.Neutral
            ? 1 - 0.5 * Math.Min(1, Math.Abs(score) / Math.Max(calibration.PositiveFrom, -calibration.NegativeFrom))
            : 0.5 + Math.Abs(score) / 2;
        var sentimentEvidence = SentimentEvidence(tokens, label, s, text);
        var sentimentResult = new Scored<SentimentLabel>(label, Round(sentimentConfidence), sentimentEvidence);

        var result = new TextAnalysisResult(
            language,
            intentResult,
            needsResult,
            Round(score),
            sentimentResult,
            urgency,
            toxicity,
            themes,
            KeyPhrases.Extract(tokens),
            Model.Version)
        {
            Recommendation = Recommendations.RecommendationDetector.Detect(text),
        };
        // The thread comes last and only when given, so a message read alone costs what it always did.
        return context?.Conversation is { } thread ? ConversationReading.Apply(result, text, lex, thread) : result;
    }

    private static bool HasFault(LexicalSignals signals)
    {
        foreach (var m in signals.Urgency)
        {
            if (m.Tag is UrgencySignal.Outage or UrgencySignal.LongWait)
            {
                return true;
            }
        }
        return false;
    }

    private static double Round(double v) => Math.Round(v, 3);

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }
        return best;
    }

    private static List<Scored<T>> Group<T>(List<PhraseMatch<T>> matches, string text, TokenizedText tokens)
        where T : struct, Enum
    {
        if (matches.Count == 0)
        {
            return [];
        }
        var result = new List<Scored<T>>(2);
        foreach (var m in matches)
        {
            var found = false;
            for (var k = 0; k < result.Count; k++)
            {
                if (EqualityComparer<T>.Default.Equals(result[k].Value, m.Tag))
                {
                    found = true;
                    var ev = (List<string>)result[k].Evidence;
                    var phrase = Phrase(text, tokens, m.FirstToken, m.LastToken);
                    if (ev.Count < 3 && !ev.Contains(phrase))
                    {
                        ev.Add(phrase);
                    }
                    result[k] = result[k] with { Confidence = Math.Min(0.99, result[k].Confidence + (1 - result[k].Confidence) * 0.5) };
                }
            }
            if (!found)
            {
                result.Add(new Scored<T>(m.Tag, m.Weight, new List<string>(2) { Phrase(text, tokens, m.FirstToken, m.LastToken) }));
            }
        }
        result.Sort((a, b) => b.Confidence.CompareTo(a.Confidence));
        for (var k = 0; k < result.Count; k++)
        {
            result[k] = result[k] with { Confidence = Round(result[k].Confidence) };
        }
        return result;
    }

    private static string Phrase(string text, TokenizedText tokens, int first, int last)
    {
        var start = tokens[first].Start;
        var end = tokens[last].Start + tokens[last].Length;
        return Clip(text, start, end - start);
    }

    private static string Clip(string text, int start, int length)
    {
        length = Math.Min(length, 60);
        return text.Substring(start, length).Trim().ToLowerInvariant();
    }

    private List<string> SentimentEvidence(TokenizedText tokens, SentimentLabel label, Scratch s, string text)
    {
        var list = new List<string>(3);
        if (label != SentimentLabel.Neutral)
        {
            var sign = label == SentimentLabel.Positive ? 1 : -1;
            // The polar words first, most polar first (up to three).
            for (var round = 0; round < 3; round++)
            {
                var best = -1;
                var bestValue = 0f;
                for (var i = 0; i < tokens.Count; i++)
                {
                    var v = tokens[i].Polarity * sign;
                    if (v > bestValue && !list.Contains(Describe(tokens, i, text)))
                    {
                        best = i;
                        bestValue = v;
                    }
                }
                if (best < 0)
                {
                    break;
                }
                list.Add(Describe(tokens, best, text));
            }
        }
        if (list.Count == 0)
        {
            list.AddRange(TopEvidence(s, AnalyzerModel.SentimentHead, (int)label, text));
        }
        return list;
    }

    private static string Describe(TokenizedText tokens, int i, string text)
    {
        ref readonly var t = ref tokens[i];
        var word = Clip(text, t.Start, t.Length);
        return (t.Flags & TokenFlags.Negated) != 0 ? "not:" + word : word;
    }

    /// <summary>The spans of text whose features pushed most towards <paramref name="label"/> of <paramref name="head"/>.</summary>
    private List<string> TopEvidence(Scratch s, int head, int label, string text)
    {
        var spans = s.Spans;
        spans.Clear();
        var f = s.Features;
        var linear = Model.Linear;
        for (var k = 0; k < f.Count; k++)
        {
            if (f.SpanLength[k] == 0)
            {
                continue;
            }
            var w = linear.Weight(f.Index[k], head, label);
            if (w == 0)
            {
                continue;
            }
            spans.Add(f.SpanStart[k], f.SpanLength[k], w * f.Value[k]);
        }
        var result = new List<string>(3);
        foreach (var (start, length) in spans.Top(3))
        {
            var phrase = Clip(text, start, length);
            if (phrase.Length > 0 && !result.Contains(phrase))
            {
                result.Add(phrase);
            }
        }
        return result;
    }
}

/// <summary>Sums contributions per span of text with a small open-addressing table (no allocation once warm).</summary>
internal sealed class SpanScores
{
    private const int Size = 1024;
    private readonly long[] _keys = new long[Size];
    private readonly float[] _scores = new float[Size];
    private readonly int[] _used = new int[Size];
    private int _count;

    public void Clear()
    {
        for (var k = 0; k < _count; k++)
        {
            _keys[_used[k]] = 0;
            _scores[_used[k]] = 0;
        }
        _count = 0;
    }

    public void Add(int start, int length, float score)
    {
        var key = ((long)start << 32) | (uint)length;
        key++;
        var h = (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 54) & (Size - 1);
        for (var probe = 0; probe < Size; probe++)
        {
            var slot = (h + probe) & (Size - 1);
            if (_keys[slot] == key)
            {
                _scores[slot] += score;
                return;
            }
            if (_keys[slot] == 0)
            {
                if (_count >= Size / 2)
                {
                    return;
                }
                _keys[slot] = key;
                _scores[slot] = score;
                _used[_count++] = slot;
                return;
            }
        }
    }

    public IEnumerable<(int Start, int Length)> Top(int n)
    {
        var best = new List<(float Score, int Start, int Length)>(n + 1);
        for (var k = 0; k < _count; k++)
        {
            var slot = _used[k];
            var score = _scores[slot];
            if (score <= 0.05f)
            {
                continue;
            }
            var key = _keys[slot] - 1;
            best.Add((score, (int)(key >> 32), (int)(key & 0xFFFFFFFF)));
            if (best.Count > n * 4)
            {
                best.Sort((a, b) => b.Score.CompareTo(a.Score));
                best.RemoveRange(n, best.Count - n);
            }
        }
        best.Sort((a, b) => b.Score.CompareTo(a.Score));
        return best.Take(n).Select(b => (b.Start, b.Length));
    }
}
