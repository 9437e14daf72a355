using Rapport.Analysis.Text;

namespace Rapport.Analysis.Lexicons;

/// <summary>One match of a phrase pattern over a token sequence.</summary>
internal readonly record struct PhraseMatch<TTag>(TTag Tag, int FirstToken, int LastToken, float Weight, string Pattern);

/// <summary>
/// Multi-word patterns over folded tokens. In a pattern, a word ending with <c>*</c> matches by prefix,
/// <c>&lt;num&gt;</c> matches a number (digits or a number word) and <c>&lt;any&gt;</c> any one word.
/// </summary>
internal sealed class PhraseLexicon<TTag>
{
    private sealed record Pattern(TTag Tag, string[] Parts, float Weight, string Text);

    private static readonly HashSet<string> NumberWords = new(StringComparer.Ordinal)
    {
        "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "quinze", "vingt", "trente", "plusieurs", "quelques",
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty", "thirty", "several", "few", "couple",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NumberWordsLookup = NumberWords.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly Dictionary<string, List<Pattern>> _byFirstWord = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Pattern>>.AlternateLookup<ReadOnlySpan<char>> _byFirstWordLookup;
    private readonly Dictionary<string, List<Pattern>> _byFirstPrefix = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Pattern>>.AlternateLookup<ReadOnlySpan<char>> _byFirstPrefixLookup;
    private readonly List<Pattern> _numberFirst = [];

    public PhraseLexicon(IEnumerable<(TTag Tag, float Weight, string Patterns)> entries)
    {
        _byFirstWordLookup = _byFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();
        _byFirstPrefixLookup = _byFirstPrefix.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (tag, weight, patterns) in entries)
        {
            foreach (var raw in patterns.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var text = TextFolding.Fold(raw);
                var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var pattern = new Pattern(tag, parts, weight, raw);
                var first = parts[0];
                if (first == "<num>")
                {
                    _numberFirst.Add(pattern);
                }
                else if (first.EndsWith('*'))
                {
                    var key = first[..Math.Min(3, first.Length - 1)];
                    GetList(_byFirstPrefix, key).Add(pattern);
                }
                else
                {
                    GetList(_byFirstWord, first).Add(pattern);
                }
            }
        }
    }

    private static List<Pattern> GetList(Dictionary<string, List<Pattern>> d, string key)
    {
        if (!d.TryGetValue(key, out var list))
        {
            list = [];
            d[key] = list;
        }
        return list;
    }

    /// <summary>Finds every match; each token starts at most one match per pattern.</summary>
    public void Match(TokenizedText text, List<PhraseMatch<TTag>> results)
    {
        var tokens = text.Tokens;
        for (var i = 0; i < text.Count; i++)
        {
            ref readonly var t = ref tokens[i];
            if (t.Kind is TokenKind.Punctuation or TokenKind.Url or TokenKind.Mention or TokenKind.Emoji or TokenKind.Emoticon)
            {
                continue;
            }
            var norm = text.Norm(i);
            if (t.Kind == TokenKind.Number || NumberWordsLookup.Contains(norm))
            {
                TryAll(_numberFirst, text, i, results);
            }
            if (_byFirstWordLookup.TryGetValue(norm, out var list))
            {
                TryAll(list, text, i, results);
            }
            if (norm.Length >= 3 && _byFirstPrefixLookup.TryGetValue(norm[..3], out var plist))
            {
                TryAll(plist, text, i, results);
            }
        }
    }

    private static void TryAll(List<Pattern> patterns, TokenizedText text, int start, List<PhraseMatch<TTag>> results)
    {
        foreach (var p in patterns)
        {
            var end = TryMatch(p.Parts, text, start);
            if (end >= 0)
            {
                results.Add(new PhraseMatch<TTag>(p.Tag, start, end, p.Weight, p.Text));
            }
        }
    }

    private static int TryMatch(string[] parts, TokenizedText text, int start)
    {
        var ti = start;
        for (var pi = 0; pi < parts.Length; pi++)
        {
            // Skip punctuation-free noise between words of a phrase: only word-like tokens are compared.
            while (ti < text.Count && text.Tokens[ti].Kind is TokenKind.Emoji or TokenKind.Emoticon or TokenKind.Mention)
            {
                ti++;
            }
            if (ti >= text.Count)
            {
                return -1;
            }
            var part = parts[pi];
            var norm = text.Norm(ti);
            var kind = text.Tokens[ti].Kind;
            bool ok;
            if (part == "<num>")
            {
                ok = kind == TokenKind.Number || NumberWordsLookup.Contains(norm);
            }
            else if (part == "<any>")
            {
                ok = kind is TokenKind.Word or TokenKind.Number or TokenKind.Hashtag;
            }
            else if (part.EndsWith('*'))
            {
                ok = kind is TokenKind.Word or TokenKind.Hashtag && norm.StartsWith(part.AsSpan(0, part.Length - 1), StringComparison.Ordinal);
            }
            else
            {
                ok = kind is TokenKind.Word or TokenKind.Hashtag or TokenKind.Number && norm.SequenceEqual(part);
            }
            if (!ok)
            {
                return -1;
            }
            ti++;
        }
        return ti - 1;
    }
}
