using System.Globalization;
using System.Text;

namespace Rapport.Analysis.Text;

/// <summary>
/// Lower-casing and accent folding, so that "Problème", "probleme" and "PROBLEME" are one word.
/// A table built once covers Latin-1 and Latin Extended-A/B; other scripts are only lower-cased.
/// </summary>
public static class TextFolding
{
    private const int TableSize = 0x0250;
    private static readonly string[] Table = BuildTable();

    private static string[] BuildTable()
    {
        var table = new string[TableSize];
        for (var i = 0; i < TableSize; i++)
        {
            var c = (char)i;
            var lower = char.ToLowerInvariant(c);
            string folded = lower switch
            {
                'œ' => "oe",
                'æ' => "ae",
                'ß' => "ss",
                'ø' => "o",
                'đ' => "d",
                'ł' => "l",
                'ı' => "i",
                _ => StripMarks(lower),
            };
            table[i] = folded;
        }
        return table;
    }

    private static string StripMarks(char c)
    {
        var decomposed = c.ToString().Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var d in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(d) != UnicodeCategory.NonSpacingMark)
            {
                sb.Append(d);
            }
        }
        return sb.Length == 0 ? c.ToString() : sb.ToString();
    }

    /// <summary>True for invisible characters that must not split or change a word (zero-width, soft hyphen, bidi controls).</summary>
    public static bool IsIgnorable(char c) =>
        c is '\u00AD' or '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F' or '\u2060' or '\uFEFF'
        || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');

    /// <summary>Appends the folded form of <paramref name="c"/> to <paramref name="buffer"/> at <paramref name="pos"/>; returns the new position.</summary>
    internal static int AppendFolded(char c, char[] buffer, int pos)
    {
        if (c < 0x80)
        {
            buffer[pos] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            return pos + 1;
        }
        if (c is '\u2019' or '\u2018' or '\u02BC' or '`' or '\u00B4')
        {
            buffer[pos] = '\'';
            return pos + 1;
        }
        if (c < TableSize)
        {
            var s = Table[c];
            for (var i = 0; i < s.Length; i++)
            {
                buffer[pos + i] = s[i];
            }
            return pos + s.Length;
        }
        buffer[pos] = char.ToLowerInvariant(c);
        return pos + 1;
    }

    /// <summary>Folds a whole string: lower case, no accents, invisible characters removed.</summary>
    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = new char[text.Length * 2 + 1];
        var pos = 0;
        foreach (var c in text)
        {
            if (IsIgnorable(c))
            {
                continue;
            }
            pos = AppendFolded(c, buffer, pos);
        }
        return new string(buffer, 0, pos);
    }
}
