using System.Globalization;
using Rapport.Analysis.Lexicons;

namespace Rapport.Analysis.Text;

public enum TokenKind : byte
{
    Word,
    Number,
    Hashtag,
    Mention,
    Url,
    Emoji,
    Emoticon,
    Punctuation,
}

[Flags]
public enum TokenFlags : byte
{
    None = 0,
    Negated = 1,
    Elongated = 2,
    AllCaps = 4,
    Abbreviation = 8,
    Intensified = 16,
}

/// <summary>A token: where it is in the source text, and its folded form in <see cref="TokenizedText"/>'s buffer.</summary>
public struct Token
{
    public TokenKind Kind;
    public TokenFlags Flags;
    public int Start;
    public int Length;
    public int NormStart;
    public int NormLength;
    /// <summary>Sentiment contribution after negation and intensifiers (0 when not polar).</summary>
    public float Polarity;
    /// <summary>The value of a small number token; −1 otherwise.</summary>
    public int Number;
}

/// <summary>
/// A reusable buffer of tokens for one text. Not thread-safe: each thread uses its own
/// (<see cref="Tokenizer.Rent"/>), so analysing a message allocates almost nothing.
/// </summary>
public sealed class TokenizedText
{
    internal Token[] Tokens = new Token[128];
    internal char[] Chars = new char[1024];
    internal char[] Scratch = new char[256];
    internal char[] Scratch2 = new char[256];

    public string Source { get; internal set; } = string.Empty;

    /// <summary>Number of characters of <see cref="Source"/> that were analysed (long texts are capped).</summary>
    public int AnalysedLength { get; internal set; }

    public int Count { get; internal set; }
    internal int CharCount;

    public ref readonly Token this[int index] => ref Tokens[index];

    /// <summary>The folded form of token <paramref name="index"/>.</summary>
    public ReadOnlySpan<char> Norm(int index) => Chars.AsSpan(Tokens[index].NormStart, Tokens[index].NormLength);

    /// <summary>The original text of token <paramref name="index"/>.</summary>
    public ReadOnlySpan<char> Original(int index) => Source.AsSpan(Tokens[index].Start, Tokens[index].Length);

    internal void Reset(string source, int analysedLength)
    {
        Source = source;
        AnalysedLength = analysedLength;
        Count = 0;
        CharCount = 0;
        if (Scratch.Length < analysedLength * 2 + 16)
        {
            Scratch = new char[analysedLength * 2 + 16];
            Scratch2 = new char[analysedLength * 2 + 16];
        }
    }

    internal ref Token Add(TokenKind kind, int start, int length, ReadOnlySpan<char> norm, TokenFlags flags = TokenFlags.None, int number = -1)
    {
        if (Count == Tokens.Length)
        {
            Array.Resize(ref Tokens, Tokens.Length * 2);
        }
        if (CharCount + norm.Length > Chars.Length)
        {
            Array.Resize(ref Chars, Math.Max(Chars.Length * 2, CharCount + norm.Length));
        }
        norm.CopyTo(Chars.AsSpan(CharCount));
        ref var t = ref Tokens[Count++];
        t.Kind = kind;
        t.Flags = flags;
        t.Start = start;
        t.Length = length;
        t.NormStart = CharCount;
        t.NormLength = norm.Length;
        t.Polarity = 0;
        t.Number = number;
        CharCount += norm.Length;
        return ref t;
    }
}

/// <summary>
/// Splits social text into words, numbers, hashtags, mentions, URLs, emoji, emoticons and punctuation;
/// folds case and accents, splits French elisions and English contractions, collapses elongations
/// ("sooooo"), expands abbreviations ("svp", "pls", "dm"), and marks negation scopes.
/// </summary>
public static class Tokenizer
{
    /// <summary>Texts longer than this are analysed on their first characters only, so time is bounded.</summary>
    public const int MaxAnalysedChars = 6000;

    [ThreadStatic]
    private static TokenizedText? s_cached;

    /// <summary>The calling thread's reusable buffer, tokenized with <paramref name="text"/>.</summary>
    public static TokenizedText Rent(string text)
    {
        var t = s_cached ??= new TokenizedText();
        Tokenize(text, t);
        return t;
    }

    private static readonly Dictionary<string, string> Elisions = new(StringComparer.Ordinal)
    {
        ["l"] = "le",
        ["d"] = "de",
        ["j"] = "je",
        ["m"] = "me",
        ["n"] = "ne",
        ["s"] = "se",
        ["t"] = "te",
        ["c"] = "ce",
        ["qu"] = "que",
        ["jusqu"] = "jusque",
        ["lorsqu"] = "lorsque",
        ["puisqu"] = "puisque",
    };

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ElisionsLookup = Elisions.GetAlternateLookup<ReadOnlySpan<char>>();

    public static void Tokenize(string? text, TokenizedText into)
    {
        ArgumentNullException.ThrowIfNull(into);
        text ??= string.Empty;
        var length = Math.Min(text.Length, MaxAnalysedChars);
        if (length > 0 && length < text.Length && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }
        into.Reset(text, length);
        var s = text.AsSpan(0, length);
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c) || TextFolding.IsIgnorable(c) || char.IsControl(c))
            {
                i++;
                continue;
            }
            if (c is 'h' or 'H' or 'w' or 'W' && TryUrl(s, i, out var urlEnd))
            {
                into.Add(TokenKind.Url, i, urlEnd - i, "<url>");
                i = urlEnd;
                continue;
            }
            if (c == '@' && i + 1 < s.Length && (char.IsLetterOrDigit(s[i + 1]) || s[i + 1] == '_') && (i == 0 || !char.IsLetterOrDigit(s[i - 1])))
            {
                var j = i + 1;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] is '_' or '.'))
                {
                    j++;
                }
                if (s[j - 1] == '.')
                {
                    j--;
                }
                into.Add(TokenKind.Mention, i, j - i, "<mention>");
                i = j;
                continue;
            }
            if (c == '#' && i + 1 < s.Length && char.IsLetter(s[i + 1]))
            {
                var j = i + 1;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_'))
                {
                    j++;
                }
                var scratch = into.Scratch;
                var n = 0;
                for (var k = i + 1; k < j; k++)
                {
                    n = TextFolding.AppendFolded(s[k], scratch, n);
                }
                into.Add(TokenKind.Hashtag, i, j - i, scratch.AsSpan(0, n));
                i = j;
                continue;
            }
            var emoticonLength = MatchEmoticon(s, i);
            if (emoticonLength > 0)
            {
                into.Add(TokenKind.Emoticon, i, emoticonLength, s.Slice(i, emoticonLength));
                i += emoticonLength;
                continue;
            }
            if (char.IsDigit(c))
            {
                i = ReadNumber(s, i, into);
                continue;
            }
            if (char.IsLetter(c))
            {
                i = ReadWord(s, i, into);
                continue;
            }
            var emojiLength = MatchEmoji(s, i);
            if (emojiLength > 0)
            {
                into.Add(TokenKind.Emoji, i, emojiLength, s.Slice(i, emojiLength));
                i += emojiLength;
                continue;
            }
            if (c is '?' or '!' or '.' or ',' or ';' or ':' or '¿' or '¡' or '…')
            {
                var j = i + 1;
                while (j < s.Length && s[j] == c)
                {
                    j++;
                }
                var norm = c switch { '…' => ".", '¿' => "?", '¡' => "!", _ => s.Slice(i, 1) };
                into.Add(TokenKind.Punctuation, i, j - i, norm);
                i = j;
                continue;
            }
            // Any other symbol (or an unpaired surrogate) is skipped.
            i += char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        }
        MarkNegationAndPolarity(into);
    }

    private static bool TryUrl(ReadOnlySpan<char> s, int i, out int end)
    {
        end = i;
        var rest = s[i..];
        if (!(rest.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("www.", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        var j = i;
        while (j < s.Length && !char.IsWhiteSpace(s[j]))
        {
            j++;
        }
        while (j > i + 4 && s[j - 1] is '.' or ',' or ')' or '!' or '?' or ';')
        {
            j--;
        }
        end = j;
        return true;
    }

    private static int MatchEmoticon(ReadOnlySpan<char> s, int i)
    {
        var c = s[i];
        if (c is not (':' or ';' or '=' or '<' or '^' or '-' or 'x' or 'X' or '>'))
        {
            return 0;
        }
        // Emoticons stand alone: preceded by start or space, so "7:42" or "x:" inside words are not read as faces.
        if (i > 0 && !char.IsWhiteSpace(s[i - 1]) && !char.IsPunctuation(s[i - 1]) && c is 'x' or 'X')
        {
            return 0;
        }
        var best = 0;
        foreach (var (text, _) in SentimentLexicon.Emoticons)
        {
            if (text.Length > best && s[i..].StartsWith(text, StringComparison.Ordinal))
            {
                var after = i + text.Length;
                if (after < s.Length && char.IsLetterOrDigit(s[after]) && char.IsLetterOrDigit(text[^1]))
                {
                    continue;
                }
                best = text.Length;
            }
        }
        return best;
    }

    internal static bool IsEmojiCodePoint(int cp) =>
        cp is >= 0x1F000 and <= 0x1FAFF or >= 0x2600 and <= 0x27BF or >= 0x2B00 and <= 0x2BFF or >= 0x2300 and <= 0x23FF or 0x3030 or 0x303D or 0x2122 or 0x2139;

    private static int MatchEmoji(ReadOnlySpan<char> s, int i)
    {
        if (!TryCodePoint(s, i, out var cp, out var len) || !IsEmojiCodePoint(cp))
        {
            return 0;
        }
        var j = i + len;
        while (j < s.Length)
        {
            if (!TryCodePoint(s, j, out var next, out var nextLen))
            {
                break;
            }
            if (next is 0xFE0F or 0x20E3 or >= 0x1F3FB and <= 0x1F3FF)
            {
                j += nextLen;
            }
            else if (next == 0x200D && j + 1 < s.Length && TryCodePoint(s, j + 1, out var joined, out var joinedLen) && IsEmojiCodePoint(joined))
            {
                j += 1 + joinedLen;
            }
            else if (cp is >= 0x1F1E6 and <= 0x1F1FF && next is >= 0x1F1E6 and <= 0x1F1FF && j == i + len)
            {
                j += nextLen;
            }
            else
            {
                break;
            }
        }
        return j - i;
    }

    internal static bool TryCodePoint(ReadOnlySpan<char> s, int i, out int cp, out int len)
    {
        var c = s[i];
        if (char.IsHighSurrogate(c))
        {
            if (i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                cp = char.ConvertToUtf32(c, s[i + 1]);
                len = 2;
                return true;
            }
            cp = 0;
            len = 1;
            return false;
        }
        if (char.IsLowSurrogate(c))
        {
            cp = 0;
            len = 1;
            return false;
        }
        cp = c;
        len = 1;
        return true;
    }

    private static int ReadNumber(ReadOnlySpan<char> s, int i, TokenizedText into)
    {
        var j = i;
        var value = 0L;
        var digits = 0;
        var simple = true;
        while (j < s.Length)
        {
            if (char.IsDigit(s[j]))
            {
                if (simple && digits < 9)
                {
                    value = value * 10 + (s[j] - '0');
                }
                digits++;
                j++;
            }
            else if (s[j] is '.' or ',' or ':' or 'h' or 'H' && j + 1 < s.Length && char.IsDigit(s[j + 1]))
            {
                simple = false;
                j++;
            }
            else
            {
                break;
            }
        }
        var number = simple && digits <= 6 && value <= int.MaxValue ? (int)value : -1;
        into.Add(TokenKind.Number, i, j - i, s[i..j], TokenFlags.None, number);
        return j;
    }

    private static int ReadWord(ReadOnlySpan<char> s, int i, TokenizedText into)
    {
        var j = i;
        var upper = 0;
        var letters = 0;
        var scratch = into.Scratch;
        var n = 0;
        while (j < s.Length)
        {
            var c = s[j];
            if (char.IsLetterOrDigit(c))
            {
                if (char.IsLetter(c))
                {
                    letters++;
                    if (char.IsUpper(c))
                    {
                        upper++;
                    }
                }
                n = TextFolding.AppendFolded(c, scratch, n);
                j++;
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                j++;
            }
            else if (TextFolding.IsIgnorable(c) && j + 1 < s.Length && char.IsLetter(s[j + 1]))
            {
                j++;
            }
            else if (c is '\'' or '\u2019' or '\u2018' or '`' or '\u02BC' && j + 1 < s.Length && char.IsLetter(s[j + 1]))
            {
                scratch[n++] = '\'';
                j++;
            }
            else
            {
                break;
            }
        }
        var flags = letters >= 3 && upper == letters ? TokenFlags.AllCaps : TokenFlags.None;
        EmitWordWithApostrophes(scratch.AsSpan(0, n), i, j - i, flags, into);
        return j;
    }

    private static void EmitWordWithApostrophes(ReadOnlySpan<char> word, int start, int length, TokenFlags flags, TokenizedText into)
    {
        while (true)
        {
            var apos = word.IndexOf('\'');
            if (apos < 0)
            {
                EmitWord(word, start, length, flags, into);
                return;
            }
            var prefix = word[..apos];
            var rest = word[(apos + 1)..];
            if (ElisionsLookup.TryGetValue(prefix, out var full) && rest.Length > 0)
            {
                EmitWord(full, start, length, flags, into);
                word = rest;
                continue;
            }
            if (rest is "t" && prefix.EndsWith('n'))
            {
                var stem = prefix[..^1];
                EmitWord(stem switch { "ca" => "can", "wo" => "will", "sha" => "shall", "ai" => "is", _ => stem }, start, length, flags, into);
                EmitWord("not", start, length, flags, into);
                return;
            }
            if (rest is "s" or "re" or "m" or "ll" or "ve" or "d")
            {
                EmitWord(prefix, start, length, flags, into);
                return;
            }
            // Unknown apostrophe: drop it and keep the word whole ("aujourd'hui" → "aujourdhui").
            var buffer = into.Scratch2;
            prefix.CopyTo(buffer);
            rest.CopyTo(buffer.AsSpan(prefix.Length));
            EmitWordWithApostrophesNoSplit(buffer.AsSpan(0, prefix.Length + rest.Length), start, length, flags, into);
            return;
        }
    }

    private static void EmitWordWithApostrophesNoSplit(ReadOnlySpan<char> word, int start, int length, TokenFlags flags, TokenizedText into)
    {
        Span<char> local = word.Length <= 128 ? stackalloc char[word.Length] : new char[word.Length];
        var n = 0;
        foreach (var c in word)
        {
            if (c != '\'')
            {
                local[n++] = c;
            }
        }
        EmitWord(local[..n], start, length, flags, into);
    }

    private static bool IsKnown(ReadOnlySpan<char> w) =>
        SentimentLexicon.WordsLookup.ContainsKey(w) || SentimentLexicon.AbbreviationsLookup.ContainsKey(w)
        || SentimentLexicon.IntensifiersLookup.ContainsKey(w) || SentimentLexicon.NegatorsLookup.Contains(w);

    private static void EmitWord(ReadOnlySpan<char> word, int start, int length, TokenFlags flags, TokenizedText into)
    {
        if (word.IsEmpty)
        {
            return;
        }
        Span<char> collapsed = word.Length <= 256 ? stackalloc char[word.Length] : new char[word.Length];
        var n = 0;
        var elongated = false;
        for (var k = 0; k < word.Length; k++)
        {
            if (n >= 2 && collapsed[n - 1] == word[k] && collapsed[n - 2] == word[k])
            {
                elongated = true;
                continue;
            }
            collapsed[n++] = word[k];
        }
        ReadOnlySpan<char> norm = collapsed[..n];
        if (elongated)
        {
            flags |= TokenFlags.Elongated;
            if (!IsKnown(norm))
            {
                Span<char> single = stackalloc char[Math.Min(n, 256)];
                var m = 0;
                for (var k = 0; k < n && m < single.Length; k++)
                {
                    if (m == 0 || single[m - 1] != norm[k])
                    {
                        single[m++] = norm[k];
                    }
                }
                if (IsKnown(single[..m]))
                {
                    into.Add(TokenKind.Word, start, length, single[..m], flags);
                    ExpandIfAbbreviation(into);
                    return;
                }
            }
        }
        into.Add(TokenKind.Word, start, length, norm, flags);
        ExpandIfAbbreviation(into);
    }

    private static void ExpandIfAbbreviation(TokenizedText into)
    {
        var last = into.Count - 1;
        if (!SentimentLexicon.AbbreviationsLookup.TryGetValue(into.Norm(last), out var expansion))
        {
            return;
        }
        var t = into.Tokens[last];
        into.Count--;
        into.CharCount = t.NormStart;
        foreach (var part in expansion)
        {
            into.Add(TokenKind.Word, t.Start, t.Length, part, t.Flags | TokenFlags.Abbreviation);
        }
    }

    private static void MarkNegationAndPolarity(TokenizedText into)
    {
        const int ScopeWords = 3;
        var scope = 0;
        var pendingIntensity = 1f;
        var pendingLeft = 0;
        var tokens = into.Tokens;
        for (var i = 0; i < into.Count; i++)
        {
            ref var t = ref tokens[i];
            if (t.Kind == TokenKind.Punctuation)
            {
                scope = 0;
                pendingLeft = 0;
                continue;
            }
            if (t.Kind == TokenKind.Emoji)
            {
                if (Tokenizer.TryCodePoint(into.Source, t.Start, out var cp, out _) && SentimentLexicon.Emoji.TryGetValue(cp, out var ep))
                {
                    t.Polarity = ep;
                }
                continue;
            }
            if (t.Kind == TokenKind.Emoticon)
            {
                var text = into.Original(i);
                foreach (var (e, p) in SentimentLexicon.Emoticons)
                {
                    if (text.SequenceEqual(e))
                    {
                        t.Polarity = p;
                        break;
                    }
                }
                continue;
            }
            if (t.Kind is not (TokenKind.Word or TokenKind.Hashtag))
            {
                continue;
            }
            var norm = into.Norm(i);
            if (SentimentLexicon.ScopeBreakersLookup.Contains(norm))
            {
                scope = 0;
                continue;
            }
            if (SentimentLexicon.NegatorsLookup.Contains(norm) || (scope > 0 && norm is "plus"))
            {
                // "no" before a noun phrase ("no problem") and "pas" after "ne" both open a fresh scope.
                scope = ScopeWords;
                continue;
            }
            var negated = scope > 0;
            if (negated)
            {
                t.Flags |= TokenFlags.Negated;
                scope--;
            }
            if (SentimentLexicon.IntensifiersLookup.TryGetValue(norm, out var mult) && i + 1 < into.Count && NextIsPolar(into, i + 1))
            {
                pendingIntensity = mult;
                pendingLeft = 2;
                continue;
            }
            if (SentimentLexicon.WordsLookup.TryGetValue(norm, out var polarity))
            {
                var v = polarity;
                if (norm is "hate" && into.Original(i).Contains('â'))
                {
                    // "j'ai hâte" (can't wait) folds to the English "hate".
                    v = 2f;
                }
                else if (negated && norm is "wait" && CannotBefore(into, i))
                {
                    // "can't wait", "cannot wait": eagerness, not a complaint about waiting.
                    v = 2f;
                    negated = false;
                }
                if (pendingLeft > 0)
                {
                    v *= pendingIntensity;
                    t.Flags |= TokenFlags.Intensified;
                    pendingLeft = 0;
                }
                if ((t.Flags & TokenFlags.Elongated) != 0)
                {
                    v *= 1.3f;
                }
                if ((t.Flags & TokenFlags.AllCaps) != 0)
                {
                    v *= 1.2f;
                }
                if (negated)
                {
                    // "not good" is bad, but "not bad" is only mildly good.
                    v = v > 0 ? -0.8f * v : -0.45f * v;
                }
                t.Polarity = v;
            }
            else if (pendingLeft > 0)
            {
                pendingLeft--;
            }
        }
        WeighContrast(into);
        if (IsAcknowledgement(into))
        {
            // "ok thanks", "noted, thank you", "d'accord merci": a receipt, not praise. Said with "!" or an emoji, it is meant.
            for (var i = 0; i < into.Count; i++)
            {
                tokens[i].Polarity = 0;
            }
        }
        if (IsIronic(into))
        {
            // "great, another delay 🙄", "love waiting on hold #not": an explicit marker of irony turns the praise
            // around it into blame, as a negation does ("not great").
            for (var i = 0; i < into.Count; i++)
            {
                ref var t = ref tokens[i];
                if (t.Polarity > 0 && t.Kind is TokenKind.Word or TokenKind.Hashtag)
                {
                    t.Polarity *= -0.8f;
                }
            }
        }
    }

    /// <summary>
    /// An explicit marker of irony: the eye-roll or upside-down face, #not, #sarcasm, #irony (#sarcasme, #ironie),
    /// "thanks for nothing", "merci pour rien", "yeah right", "said no one ever", "love that for me".
    /// </summary>
    private static bool IsIronic(TokenizedText into)
    {
        for (var i = 0; i < into.Count; i++)
        {
            ref readonly var t = ref into.Tokens[i];
            switch (t.Kind)
            {
                case TokenKind.Emoji when Tokenizer.TryCodePoint(into.Source, t.Start, out var cp, out _) && cp is 0x1F644 or 0x1F643:
                    return true;
                case TokenKind.Hashtag when into.Norm(i) is "not" or "sarcasm" or "sarcastic" or "irony" or "sarcasme" or "ironie":
                    return true;
                case TokenKind.Word:
                    if (Follows(into, i, "thanks", "for", "nothing") || Follows(into, i, "thank", "you", "for", "nothing")
                        || Follows(into, i, "merci", "pour", "rien") || Follows(into, i, "yeah", "right")
                        || Follows(into, i, "said", "no", "one", "ever") || Follows(into, i, "said", "nobody", "ever")
                        || Follows(into, i, "love", "that", "for", "me"))
                    {
                        return true;
                    }
                    break;
                default:
                    break;
            }
        }
        return false;
    }

    private static bool Follows(TokenizedText into, int at, params ReadOnlySpan<string> words)
    {
        if (at + words.Length > into.Count)
        {
            return false;
        }
        for (var k = 0; k < words.Length; k++)
        {
            if (into.Tokens[at + k].Kind != TokenKind.Word || !into.Norm(at + k).SequenceEqual(words[k]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// "the staff were nice but the food was awful": what follows the last "but" ("mais", "however") is what the
    /// writer means, so it counts half again and what precedes it half.
    /// </summary>
    private static void WeighContrast(TokenizedText into)
    {
        var at = -1;
        for (var i = 0; i < into.Count; i++)
        {
            if (into.Tokens[i].Kind == TokenKind.Word && into.Norm(i) is "but" or "mais" or "however" or "cependant" or "pourtant")
            {
                at = i;
            }
        }
        if (at <= 0)
        {
            return;
        }
        for (var i = 0; i < into.Count; i++)
        {
            into.Tokens[i].Polarity *= i < at ? 0.5f : 1.5f;
        }
    }

    private static readonly HashSet<string> AcknowledgementWords = new(StringComparer.Ordinal)
    {
        "ok", "okay", "k", "kk", "alright", "right", "sure", "noted", "got", "it", "understood", "fine", "thanks", "thank", "you",
        "thx", "cheers", "will", "do", "i", "see", "merci", "d'accord", "dac", "entendu", "compris", "bien", "note", "recu", "ca", "marche",
        "je", "vois", "oui", "yes", "no", "non", "np",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> AcknowledgementLookup = AcknowledgementWords.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>A short message made only of receipt words ("ok thanks", "noted, thank you", "ok merci"), without "!" or emoji.</summary>
    private static bool IsAcknowledgement(TokenizedText into)
    {
        var words = 0;
        for (var i = 0; i < into.Count; i++)
        {
            ref readonly var t = ref into.Tokens[i];
            switch (t.Kind)
            {
                case TokenKind.Word:
                    if (!AcknowledgementLookup.Contains(into.Norm(i)) || (t.Flags & (TokenFlags.Elongated | TokenFlags.Intensified)) != 0 || ++words > 5)
                    {
                        return false;
                    }
                    break;
                case TokenKind.Punctuation when into.Norm(i)[0] is '!':
                case TokenKind.Emoji or TokenKind.Emoticon or TokenKind.Hashtag:
                    return false;
                default:
                    break;
            }
        }
        return words > 0;
    }

    private static bool CannotBefore(TokenizedText into, int at) =>
        (at >= 1 && into.Norm(at - 1) is "cannot")
        || (at >= 2 && into.Norm(at - 1) is "not" && into.Norm(at - 2) is "can");

    private static bool NextIsPolar(TokenizedText into, int from)
    {
        for (var k = from; k < into.Count && k < from + 2; k++)
        {
            if (into.Tokens[k].Kind != TokenKind.Word)
            {
                return false;
            }
            if (SentimentLexicon.WordsLookup.ContainsKey(into.Norm(k)))
            {
                return true;
            }
        }
        return false;
    }
}
