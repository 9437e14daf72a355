using System.Buffers;
using System.Globalization;
using System.Text;

namespace Rapport.Data;

/// <summary>
/// The rules every text and date a user or a network sends follows, whatever the way in (API, pages, imports, channels),
/// so that both databases store the same thing and no value reaches a 500 (docs/decisions/0053-user-input-limits.md).
/// Texts lose NUL and the other control characters (PostgreSQL refuses NUL, SQLite keeps it, browsers choke on the rest);
/// a lone surrogate becomes U+FFFD; names, titles and subjects also lose the bidirectional overrides that make a name read
/// backwards. Dates are between <see cref="EarliestDate"/> and <see cref="LatestDate"/>.
/// </summary>
public static class UserInput
{
    /// <summary>The earliest date accepted: nothing a brand answers was written before.</summary>
    public static readonly DateTime EarliestDate = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// The latest date accepted: far enough for any plan, near enough that adding a year of service level or a report
    /// period never overflows. "9999-12-31", the "no date" of many exports, is refused.
    /// </summary>
    public static readonly DateTime LatestDate = new(2199, 12, 31, 23, 59, 59, DateTimeKind.Utc);

    /// <summary>Longest name of a person as a message carries it (authorName).</summary>
    public const int MaxAuthorNameLength = 200;

    /// <summary>Longest subject of a conversation.</summary>
    public const int MaxSubjectLength = 1000;

    /// <summary>Longest network id (externalId, threadId, inReplyToExternalId).</summary>
    public const int MaxExternalIdLength = 256;

    /// <summary>Longest author handle (an e-mail address is at most 320 characters).</summary>
    public const int MaxHandleLength = 320;

    /// <summary>Longest password: a long passphrase fits; a megabyte sent to make hashing slow does not.</summary>
    public const int MaxPasswordLength = 1024;

    /// <summary>Longest one-time secret a link carries (an invitation token).</summary>
    public const int MaxSecretLength = 256;

    /// <summary>Longest language or culture code ("fr", "en-GB").</summary>
    public const int MaxCultureLength = 16;

    /// <summary>Longest IANA time zone id ("America/Argentina/ComodRivadavia" is 32).</summary>
    public const int MaxTimeZoneLength = 64;

    /// <summary>Longest search or filter text sent in a query string.</summary>
    public const int MaxQueryLength = 1000;

    /// <summary>The English rule the API states for an out-of-range date.</summary>
    public static string DateRangeMessage { get; } = string.Format(CultureInfo.InvariantCulture,
        "A date between {0:yyyy-MM-dd} and {1:yyyy-MM-dd} is required.", EarliestDate, LatestDate);

    // C0 and C1 controls except tab, line feed and carriage return, and every surrogate (checked for pairing).
    private static readonly SearchValues<char> Suspect = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Where(c => c is not ('\t' or '\n' or '\r')).Select(c => (char)c))
        + string.Concat(Enumerable.Range(0x7F, 0x21).Select(c => (char)c))
        + string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c)));

    // The same, plus the embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and line breaks.
    private static readonly SearchValues<char> SuspectInName = SearchValues.Create(
        "\t\n\r\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069"
        + string.Concat(Enumerable.Range(0, 0x20).Select(c => (char)c))
        + string.Concat(Enumerable.Range(0x7F, 0x21).Select(c => (char)c))
        + string.Concat(Enumerable.Range(0xD800, 0x800).Select(c => (char)c)));

    /// <summary>Whether a date is within the accepted range.</summary>
    public static bool IsAcceptedDate(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        return utc >= EarliestDate && utc <= LatestDate;
    }

    /// <summary>Whether a date, or a day, is within the accepted range.</summary>
    public static bool IsAcceptedDate(object? value) => value switch
    {
        null => true,
        DateTime d => IsAcceptedDate(d),
        DateTimeOffset o => o.UtcDateTime >= EarliestDate && o.UtcDateTime <= LatestDate,
        DateOnly day => IsAcceptedDate(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)),
        _ => true,
    };

    /// <summary>A text without NUL or other control characters (tabs and line breaks stay), its lone surrogates replaced.</summary>
    public static string Clean(string value) => Clean(value, name: false);

    /// <summary>
    /// A name, title or subject: cleaned as <see cref="Clean(string)"/>, line breaks and tabs turned into spaces, and the
    /// bidirectional embeddings, overrides and isolates removed (a name never needs them, and they make it read backwards).
    /// </summary>
    public static string CleanName(string value) => Clean(value, name: true);

    private static string Clean(string value, bool name)
    {
        ArgumentNullException.ThrowIfNull(value);
        var first = value.AsSpan().IndexOfAny(name ? SuspectInName : Suspect);
        if (first < 0)
        {
            return value;
        }
        var builder = new StringBuilder(value.Length);
        builder.Append(value.AsSpan(0, first));
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append('\uFFFD');
            }
            else if (c is '\t' or '\n' or '\r')
            {
                builder.Append(name ? ' ' : c);
            }
            else if (!char.IsControl(c) && !(name && IsBidiControl(c)))
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    /// <summary>A name-like field by its name: names, titles and subjects get <see cref="CleanName"/>.</summary>
    public static bool IsNameLike(string fieldName)
    {
        ArgumentNullException.ThrowIfNull(fieldName);
        return fieldName.EndsWith("name", StringComparison.OrdinalIgnoreCase)
            || fieldName.EndsWith("title", StringComparison.OrdinalIgnoreCase)
            || fieldName.Equals("subject", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsBidiControl(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    /// <summary>At most <paramref name="length"/> characters, never cutting a surrogate pair in two.</summary>
    public static string Truncate(string value, int length)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length <= length)
        {
            return value;
        }
        return char.IsHighSurrogate(value[length - 1]) ? value[..(length - 1)] : value[..length];
    }
}
