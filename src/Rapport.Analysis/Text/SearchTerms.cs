using Rapport.Analysis.Language;

namespace Rapport.Analysis.Text;

/// <summary>A word as a search compares it (<paramref name="Stem"/>) and as it was folded from the text (<paramref name="Word"/>), to show.</summary>
public readonly record struct SearchTerm(string Stem, string Word);

/// <summary>
/// The words a search or a similarity measure should compare, in French and English: the tokenizer's folded words
/// (case and accents ignored, elisions split), without function words, each cut to a light stem so that
/// "commandes", "commandée" and "commander" meet, as do "refunds" and "refunded".
/// </summary>
public static class SearchTerms
{
    // Longest first. Shared by both languages: a message's language is a guess, and a search box has none.
    private static readonly string[] Suffixes =
    [
        "issements", "issement", "atrices", "ements", "ations", "ateurs", "atrice", "ement", "ation", "ateur", "ments", "euses",
        "ment", "euse", "eurs", "ings", "ies", "ied", "ees", "eur", "ing", "ee", "es", "er", "ez", "ed", "ly", "e", "s", "x", "y",
    ];

    /// <summary>Stems shorter than this are left whole ("des", "bus"): stripping them would merge unrelated words.</summary>
    private const int MinStem = 3;

    /// <summary>The stemmed content words of <paramref name="text"/>, in order, repeats kept.</summary>
    public static List<SearchTerm> Extract(string? text)
    {
        var terms = new List<SearchTerm>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return terms;
        }
        // A fresh buffer, not the thread's rented one: callers may be in the middle of their own analysis.
        var tokens = new TokenizedText();
        Tokenizer.Tokenize(text, tokens);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind is not (TokenKind.Word or TokenKind.Hashtag or TokenKind.Number))
            {
                continue;
            }
            var norm = tokens.Norm(i);
            if (tokens[i].Kind == TokenKind.Word && (norm.Length < 2 || LanguageIdentifier.IsFunctionWord(norm)))
            {
                continue;
            }
            var word = norm.ToString();
            terms.Add(new SearchTerm(Stem(word), word));
        }
        return terms;
    }

    /// <summary>A light stem of a folded word: at most two common French or English endings taken off.</summary>
    public static string Stem(string folded)
    {
        ArgumentNullException.ThrowIfNull(folded);
        var word = folded;
        for (var pass = 0; pass < 2; pass++)
        {
            var stripped = StripOnce(word);
            if (stripped == word)
            {
                break;
            }
            word = stripped;
        }
        return word;
    }

    private static string StripOnce(string word)
    {
        foreach (var suffix in Suffixes)
        {
            if (word.Length - suffix.Length >= MinStem && word.EndsWith(suffix, StringComparison.Ordinal))
            {
                var stem = word[..^suffix.Length];
                // "deliveries", "delivery" and "delivered" share "deliveri"/"deliv": keep the y/ies family together.
                return suffix is "ies" or "ied" or "y" ? stem + "i" : stem;
            }
        }
        return word;
    }
}
