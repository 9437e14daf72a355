using System.Text;
using System.Text.RegularExpressions;

namespace Rapport.Channels.Bluesky;

/// <summary>A link or an @mention found in a post's text, with its place in UTF-8 bytes as facets count it.</summary>
public sealed record BlueskySpan(int ByteStart, int ByteEnd, string Value);

/// <summary>
/// Finds what becomes a facet in a post: http(s) links and @handles. Bluesky counts facet offsets in bytes of the
/// UTF-8 text, so an "é" before a link counts two and an emoji four.
/// </summary>
public static partial class BlueskyRichText
{
    public static IReadOnlyList<BlueskySpan> Links(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = new List<BlueskySpan>();
        foreach (Match match in Link().Matches(text))
        {
            var url = TrimTrailing(match.Value);
            if (System.Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                spans.Add(Span(text, match.Index, url.Length, url));
            }
        }
        return spans;
    }

    /// <summary>The handles mentioned, without their "@"; the span covers the "@" too.</summary>
    public static IReadOnlyList<BlueskySpan> Mentions(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. Mention().Matches(text).Select(m => Span(text, m.Index, m.Length, m.Value[1..].ToLowerInvariant()))];
    }

    private static BlueskySpan Span(string text, int index, int length, string value)
    {
        var start = Encoding.UTF8.GetByteCount(text.AsSpan(0, index));
        return new BlueskySpan(start, start + Encoding.UTF8.GetByteCount(text.AsSpan(index, length)), value);
    }

    /// <summary>A sentence's punctuation after a link is not part of it; a closing parenthesis is when the link opened one.</summary>
    private static string TrimTrailing(string url)
    {
        while (url.Length > 0)
        {
            var last = url[^1];
            if (".,;:!?'\"".Contains(last, StringComparison.Ordinal) || (last == ')' && !url.Contains('(', StringComparison.Ordinal)))
            {
                url = url[..^1];
                continue;
            }
            break;
        }
        return url;
    }

    [GeneratedRegex(@"(?<=^|[\s(\[])https?://[^\s<>""]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Link();

    // A handle is a domain name: labels of letters, digits and hyphens, at least one dot, a last label starting with a letter.
    [GeneratedRegex(@"(?<=^|[\s(\[])@([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?![\w.-]*[\w-])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Mention();
}
