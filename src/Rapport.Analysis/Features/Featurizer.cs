using System.Runtime.CompilerServices;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Features;

/// <summary>Which features a model reads. Stored with the model, so prediction matches training.</summary>
/// <param name="HashBits">Features are hashed into 2^HashBits slots.</param>
/// <param name="WordBigrams">Adds pairs of consecutive words.</param>
/// <param name="CharMin">Smallest character n-gram inside words (0 turns character n-grams off).</param>
/// <param name="CharMax">Largest character n-gram inside words.</param>
/// <param name="Lexicon">Adds lexicon and rule features (polarity sums, urgency, toxicity, cues).</param>
/// <param name="Normalize">Scales the vector to unit length, so long and short texts weigh the same.</param>
public sealed record FeaturizerOptions(int HashBits = 18, bool WordBigrams = true, int CharMin = 3, int CharMax = 4, bool Lexicon = true, bool Normalize = false)
{
    public int Dimension => 1 << HashBits;
}

/// <summary>A sparse feature vector with, for each feature, the span of text that produced it (for evidence).</summary>
internal sealed class FeatureVector
{
    public int[] Index = new int[512];
    public float[] Value = new float[512];
    public int[] SpanStart = new int[512];
    public int[] SpanLength = new int[512];
    public int Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int index, float value, int spanStart, int spanLength)
    {
        if (Count == Index.Length)
        {
            Grow();
        }
        Index[Count] = index;
        Value[Count] = value;
        SpanStart[Count] = spanStart;
        SpanLength[Count] = spanLength;
        Count++;
    }

    private void Grow()
    {
        var n = Index.Length * 2;
        Array.Resize(ref Index, n);
        Array.Resize(ref Value, n);
        Array.Resize(ref SpanStart, n);
        Array.Resize(ref SpanLength, n);
    }

    /// <summary>Sorted, de-duplicated copy (duplicates summed), as ML.NET's sparse vectors need.</summary>
    public (int[] Indices, float[] Values) ToSorted()
    {
        var pairs = new (int I, float V)[Count];
        for (var k = 0; k < Count; k++)
        {
            pairs[k] = (Index[k], Value[k]);
        }
        Array.Sort(pairs, (a, b) => a.I.CompareTo(b.I));
        var idx = new List<int>(Count);
        var val = new List<float>(Count);
        foreach (var (i, v) in pairs)
        {
            if (idx.Count > 0 && idx[^1] == i)
            {
                val[^1] += v;
            }
            else
            {
                idx.Add(i);
                val.Add(v);
            }
        }
        return (idx.ToArray(), val.ToArray());
    }
}

/// <summary>Turns a tokenized text and its lexical signals into hashed features.</summary>
internal static class Featurizer
{
    private const uint NsWord = 1, NsNegWord = 2, NsBigram = 3, NsChar = 4, NsLex = 5, NsEmoji = 6, NsHashtag = 7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6B;
        h ^= h >> 13;
        h *= 0xC2B2AE35;
        h ^= h >> 16;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Hash(uint ns, ReadOnlySpan<char> s)
    {
        var h = 2166136261u ^ (ns * 0x9E3779B9u);
        foreach (var c in s)
        {
            h = (h ^ c) * 16777619u;
        }
        return Mix(h);
    }

    public static void Extract(TokenizedText text, LexicalSignals signals, FeaturizerOptions options, FeatureVector into)
    {
        into.Count = 0;
        var mask = (1 << options.HashBits) - 1;
        var prevHash = Hash(NsBigram, "<s>");
        var prevStart = 0;
        Span<char> padded = stackalloc char[66];
        for (var i = 0; i < text.Count; i++)
        {
            ref readonly var t = ref text[i];
            var norm = text.Norm(i);
            uint h;
            switch (t.Kind)
            {
                case TokenKind.Word:
                case TokenKind.Hashtag:
                    var negated = (t.Flags & TokenFlags.Negated) != 0;
                    h = Hash(negated ? NsNegWord : NsWord, norm);
                    into.Add((int)(h & mask), 1f, t.Start, t.Length);
                    if (t.Kind == TokenKind.Hashtag)
                    {
                        into.Add((int)(Hash(NsHashtag, norm) & mask), 1f, t.Start, t.Length);
                    }
                    if (options.CharMin > 0 && norm.Length >= 2 && norm.Length <= 64)
                    {
                        padded[0] = ' ';
                        norm.CopyTo(padded[1..]);
                        padded[norm.Length + 1] = ' ';
                        var p = padded[..(norm.Length + 2)];
                        for (var n = options.CharMin; n <= options.CharMax; n++)
                        {
                            for (var k = 0; k + n <= p.Length; k++)
                            {
                                into.Add((int)(Hash(NsChar, p.Slice(k, n)) & mask), 0.5f, t.Start, t.Length);
                            }
                        }
                    }
                    break;
                case TokenKind.Number:
                    h = Hash(NsWord, norm.Length <= 2 ? "<num-small>" : "<num>");
                    into.Add((int)(h & mask), 1f, t.Start, t.Length);
                    break;
                case TokenKind.Emoji:
                case TokenKind.Emoticon:
                    h = Hash(NsEmoji, norm);
                    into.Add((int)(h & mask), 1f, t.Start, t.Length);
                    break;
                default:
                    h = Hash(NsWord, norm);
                    into.Add((int)(h & mask), 1f, t.Start, t.Length);
                    break;
            }
            if (options.WordBigrams)
            {
                var bigram = Mix(prevHash * 31u + h);
                into.Add((int)(bigram & mask), 1f, prevStart, t.Start + t.Length - prevStart);
                prevHash = h;
                prevStart = t.Start;
            }
        }
        if (options.Lexicon)
        {
            AddLexical(text, signals, mask, into);
        }
        if (options.Normalize && into.Count > 0)
        {
            // Over the entries as listed (before duplicates are merged): training and prediction see the same scale.
            var sum = 0f;
            for (var k = 0; k < into.Count; k++)
            {
                sum += into.Value[k] * into.Value[k];
            }
            var scale = 1f / MathF.Sqrt(sum);
            for (var k = 0; k < into.Count; k++)
            {
                into.Value[k] *= scale;
            }
        }
    }

    private static readonly string[] UrgencyNames = Enum.GetNames<UrgencySignal>().Select(n => "urg:" + n).ToArray();
    private static readonly string[] ToxicityNames = Enum.GetNames<ToxicityKind>().Select(n => "tox:" + n).ToArray();
    private static readonly string[] ThemeNames = Enum.GetNames<SocietalTheme>().Select(n => "theme:" + n).ToArray();
    private static readonly string[] CueNames = Enum.GetNames<Lexicons.Cue>().Select(n => "cue:" + n).ToArray();

    private static void Lex(string name, float value, int start, int length, int mask, FeatureVector into) =>
        into.Add((int)(Hash(NsLex, name) & mask), value, start, length);

    private static void AddLexical(TokenizedText text, LexicalSignals s, int mask, FeatureVector into)
    {
        // Polarity features point at the most polar word, so evidence shows it.
        int posAt = -1, negAt = -1;
        float posMax = 0, negMax = 0;
        for (var i = 0; i < text.Count; i++)
        {
            var p = text[i].Polarity;
            if (p > posMax)
            {
                posMax = p;
                posAt = i;
            }
            else if (p < negMax)
            {
                negMax = p;
                negAt = i;
            }
        }
        if (posAt >= 0)
        {
            Lex("pos", Math.Min(s.Positive, 6f) / 3f, text[posAt].Start, text[posAt].Length, mask, into);
        }
        if (negAt >= 0)
        {
            Lex("neg", Math.Min(-s.Negative, 6f) / 3f, text[negAt].Start, text[negAt].Length, mask, into);
        }
        var score = s.Score;
        if (score > 0.2f)
        {
            Lex("lex+", score, 0, 0, mask, into);
        }
        else if (score < -0.2f)
        {
            Lex("lex-", -score, 0, 0, mask, into);
        }
        if (s.EmojiNegative < 0)
        {
            Lex("emoji-", 1f, 0, 0, mask, into);
        }
        if (s.EmojiPositive > 0)
        {
            Lex("emoji+", 1f, 0, 0, mask, into);
        }
        foreach (var m in s.Urgency)
        {
            AddMatch(UrgencyNames[(int)m.Tag], text, m.FirstToken, m.LastToken, mask, into);
        }
        foreach (var m in s.Toxicity)
        {
            AddMatch(ToxicityNames[(int)m.Tag], text, m.FirstToken, m.LastToken, mask, into);
        }
        foreach (var m in s.Themes)
        {
            AddMatch(ThemeNames[(int)m.Tag], text, m.FirstToken, m.LastToken, mask, into);
        }
        foreach (var m in s.Cues)
        {
            AddMatch(CueNames[(int)m.Tag], text, m.FirstToken, m.LastToken, mask, into);
        }
        if (s.QuestionMarks > 0)
        {
            Lex("qmark", Math.Min(2, s.QuestionMarks), 0, 0, mask, into);
        }
        if (s.Exclamations > 0)
        {
            Lex("excl", Math.Min(3, s.Exclamations) / 2f, 0, 0, mask, into);
        }
        if (s.AllCapsWords > 0)
        {
            Lex("caps", Math.Min(3, s.AllCapsWords) / 2f, 0, 0, mask, into);
        }
        if (s.StartsWithMention)
        {
            Lex("mention-start", 1f, 0, 0, mask, into);
        }
        if (s.HasUrl)
        {
            Lex("url", 1f, 0, 0, mask, into);
        }
        var bucket = s.Words switch { 0 => "len0", <= 3 => "len1", <= 8 => "len2", <= 16 => "len3", <= 32 => "len4", _ => "len5" };
        Lex(bucket, 1f, 0, 0, mask, into);
        Lex("bias", 1f, 0, 0, mask, into);
    }

    private static void AddMatch(string name, TokenizedText text, int first, int last, int mask, FeatureVector into)
    {
        var start = text[first].Start;
        var end = text[last].Start + text[last].Length;
        Lex(name, 1f, start, end - start, mask, into);
    }
}
