using System.Text.RegularExpressions;

namespace Rapport.Channels.Email;

/// <summary>
/// Cuts the quoted history mail clients append to a reply, where it can be recognised: the "On … wrote:" and
/// "Le … a écrit :" lines (also when wrapped over two lines), Outlook's "From:/De :" header block and
/// "Original Message" separators, and lines starting with "&gt;". What is left is what the person wrote now;
/// when nothing would be left, the text is kept whole.
/// </summary>
public static partial class EmailQuotes
{
    /// <summary>Lines looked at below an Outlook "From:" line for the rest of its header block.</summary>
    private const int OutlookBlock = 5;

    public static string Trim(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var cut = lines.Length;
        for (var i = 0; i < lines.Length && cut == lines.Length; i++)
        {
            var line = lines[i];
            if (Attribution().IsMatch(line) || Separator().IsMatch(line))
            {
                cut = i;
            }
            else if (i + 1 < lines.Length && OnOrLe().IsMatch(line) && Attribution().IsMatch(line + " " + lines[i + 1]))
            {
                cut = i;
            }
            else if (OutlookFrom().IsMatch(line) && (i == 0 || string.IsNullOrWhiteSpace(lines[i - 1]) || Underscores().IsMatch(lines[i - 1]))
                && lines.Skip(i + 1).Take(OutlookBlock).Any(l => OutlookField().IsMatch(l)))
            {
                cut = i > 0 && Underscores().IsMatch(lines[i - 1]) ? i - 1 : i;
            }
        }
        var kept = lines.Take(cut).Where(l => !l.TrimStart().StartsWith('>'));
        var trimmed = string.Join('\n', kept).Trim();
        return trimmed.Length > 0 ? trimmed : text.Trim();
    }

    [GeneratedRegex(@"^\s*(On\s.{1,300}\swrote|Le\s.{1,300}\sa\s+écrit)\s*:\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Attribution();

    [GeneratedRegex(@"^\s*(On|Le)\s", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OnOrLe();

    [GeneratedRegex(@"^\s*-{2,}\s*(Original Message|Message d'origine|Forwarded message|Message transféré)\s*-{2,}\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Separator();

    [GeneratedRegex(@"^\s*\*?(From|De)\s?:\*?\s+\S", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OutlookFrom();

    [GeneratedRegex(@"^\s*\*?(Sent|Envoyé|Date|To|À|Subject|Objet)\s?:", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OutlookField();

    [GeneratedRegex(@"^\s*_{10,}\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Underscores();
}
