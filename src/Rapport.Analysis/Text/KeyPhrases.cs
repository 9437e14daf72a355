using Rapport.Analysis.Language;

namespace Rapport.Analysis.Text;

/// <summary>
/// Key phrases: hashtags and runs of up to three content words (not function words, not numbers),
/// longest first, at most five, as written in the text.
/// </summary>
internal static class KeyPhrases
{
    public const int MaxPhrases = 5;

    public static IReadOnlyList<string> Extract(TokenizedText tokens)
    {
        List<(int Start, int End, int Words)>? runs = null;
        var runStart = -1;
        var runEnd = -1;
        var words = 0;
        for (var i = 0; i <= tokens.Count; i++)
        {
            var content = false;
            if (i < tokens.Count)
            {
                ref readonly var t = ref tokens[i];
                if (t.Kind == TokenKind.Hashtag)
                {
                    runs ??= [];
                    runs.Add((t.Start, t.Start + t.Length, 2));
                }
                content = t.Kind == TokenKind.Word && (t.Flags & TokenFlags.Abbreviation) == 0 && IsContentWord(tokens.Norm(i));
                // Tokens split from one written word (elisions, contractions) share its span: never extend twice.
                if (content && runStart >= 0 && t.Start < runEnd)
                {
                    continue;
                }
            }
            if (content && words < 3)
            {
                ref readonly var t = ref tokens[i];
                if (runStart < 0)
                {
                    runStart = t.Start;
                }
                runEnd = t.Start + t.Length;
                words++;
                continue;
            }
            if (runStart >= 0 && runEnd - runStart >= 4)
            {
                runs ??= [];
                runs.Add((runStart, runEnd, words));
            }
            runStart = -1;
            words = 0;
            if (content)
            {
                ref readonly var t = ref tokens[i];
                runStart = t.Start;
                runEnd = t.Start + t.Length;
                words = 1;
            }
        }
        if (runs is null)
        {
            return [];
        }
        runs.Sort((a, b) => b.Words != a.Words ? b.Words.CompareTo(a.Words) : a.Start.CompareTo(b.Start));
        var result = new List<string>(Math.Min(MaxPhrases, runs.Count));
        foreach (var (start, end, _) in runs)
        {
            var phrase = tokens.Source.Substring(start, Math.Min(end - start, 60)).ToLowerInvariant();
            if (!result.Contains(phrase))
            {
                result.Add(phrase);
            }
            if (result.Count == MaxPhrases)
            {
                break;
            }
        }
        return result;
    }

    private static bool IsContentWord(ReadOnlySpan<char> norm) =>
        norm.Length >= 3 && !LanguageIdentifier.IsFunctionWord(norm) && !Lexicons.SentimentLexicon.NegatorsLookup.Contains(norm)
        && !Lexicons.SentimentLexicon.IntensifiersLookup.ContainsKey(norm) && !ExtraStopwordsLookup.Contains(norm);

    private static readonly HashSet<string> ExtraStopwords = new(StringComparer.Ordinal)
    {
        "hello", "bonjour", "bonsoir", "salut", "coucou", "thanks", "thank", "merci", "please", "lol", "just", "like", "get", "got",
        "can", "will", "would", "should", "could", "also", "even", "still", "yet", "now", "maintenant", "comme", "tout", "tous", "toute",
        "toutes", "fait", "faire", "etre", "avoir", "ete", "sont", "vais", "va", "vont", "peux", "fois", "time", "really", "one", "don",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ExtraStopwordsLookup = ExtraStopwords.GetAlternateLookup<ReadOnlySpan<char>>();
}
