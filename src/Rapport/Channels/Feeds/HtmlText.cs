using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Rapport.Channels.Feeds;

/// <summary>
/// Turns the HTML of a feed's summary or content into plain text: tags dropped, the contents of script and
/// style dropped with them (and a document's head), entities decoded, whitespace folded. The result is stored and shown as text,
/// never rendered as HTML, so this only has to read well, not to sanitize.
/// </summary>
public static partial class HtmlText
{
    public static string ToPlainText(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return "";
        }
        var text = Comments().Replace(html, " ");
        text = ScriptOrStyle().Replace(text, " ");
        text = BlockTag().Replace(text, "\n");
        text = AnyTag().Replace(text, "");
        text = WebUtility.HtmlDecode(text);
        return FoldWhitespace(text);
    }

    private static string FoldWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        var newlines = 0;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                newlines++;
                pendingSpace = false;
            }
            else if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
            }
            else
            {
                if (builder.Length > 0)
                {
                    if (newlines > 0)
                    {
                        builder.Append(newlines > 1 ? "\n\n" : "\n");
                    }
                    else if (pendingSpace)
                    {
                        builder.Append(' ');
                    }
                }
                builder.Append(c);
                newlines = 0;
                pendingSpace = false;
            }
        }
        return builder.ToString();
    }

    [GeneratedRegex("<!--.*?(-->|$)", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Comments();

    // An unclosed <script> drops everything after it: better to lose text than to show code.
    [GeneratedRegex(@"<(script|style|noscript|template|head|title)\b[^>]*>.*?(</\1\s*>|$)", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<\s*(br|/?p|/?div|/?li|/?ul|/?ol|/?h[1-6]|/?blockquote|/?pre|/?tr|/?table|hr)\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"</?[a-zA-Z!?][^>]*(>|$)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AnyTag();
}
