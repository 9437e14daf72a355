using System.Text;
using Rapport.Analysis.Text;

namespace Rapport.Analysis.Meaning;

/// <summary>
/// A word-for-word English reading of a French message through the care vocabulary we wrote (glossary.fr-en.txt): the
/// English sentence model then reads "je n'ai pas reçu ma commande" as "i have not received my order", which lands near
/// "my parcel never arrived". No multilingual model ships in a package we can reach (decision 0076); this is the honest
/// next best, measured by the bench on French pairs we wrote. Words the glossary lacks are kept, folded: names, brands,
/// numbers and the many words French and English share still count.
/// </summary>
public static class CareGlossary
{
    private const int LongestPhrase = 4;
    private static readonly Lazy<Dictionary<string, string>> Pairs = new(Load);

    /// <summary>How many French words and phrases the glossary holds.</summary>
    public static int Count => Pairs.Value.Count;

    /// <summary>The English reading of a French text (folded: lower case, no accents).</summary>
    public static string ToEnglish(string? text)
    {
        var words = Words(text);
        var pairs = Pairs.Value;
        var output = new StringBuilder(text?.Length ?? 0);
        for (var i = 0; i < words.Count;)
        {
            var taken = 1;
            string? english = null;
            for (var n = Math.Min(LongestPhrase, words.Count - i); n >= 1; n--)
            {
                if (pairs.TryGetValue(string.Join(' ', words.Skip(i).Take(n)), out var found))
                {
                    (english, taken) = (found, n);
                    break;
                }
            }
            english ??= words[i];
            if (english.Length > 0)
            {
                if (output.Length > 0)
                {
                    output.Append(' ');
                }
                output.Append(english);
            }
            i += taken;
        }
        return output.ToString();
    }

    /// <summary>Folded words: apostrophes and hyphens split ("n'ai" is "n ai"), punctuation kept as its own word for the model.</summary>
    private static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return words;
        }
        var folded = TextFolding.Fold(SentenceEncoder.Prepare(text));
        var current = new StringBuilder();
        foreach (var c in folded)
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(c);
                continue;
            }
            if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
            if (c is '?' or '!' or '.' or ',')
            {
                words.Add(c.ToString());
            }
        }
        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }
        return words;
    }

    private static Dictionary<string, string> Load()
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        using var stream = typeof(CareGlossary).Assembly.GetManifestResourceStream("Rapport.Analysis.Meaning.glossary.fr-en.txt")
            ?? throw new InvalidOperationException("The French-English care glossary is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || eq < 0)
            {
                continue;
            }
            var french = string.Join(' ', Words(line[..eq]));
            if (french.Length > 0)
            {
                pairs.TryAdd(french, line[(eq + 1)..].Trim());
            }
        }
        return pairs;
    }
}
