using System.Globalization;

namespace Rapport.Channels.Feeds;

/// <summary>
/// Reads the dates feeds carry: RFC 822 in RSS (<c>Mon, 23 Nov 2026 10:00:00 GMT</c>, with the usual
/// deviations: no day name, two-digit years, no seconds, named US zones) and ISO 8601 in Atom.
/// </summary>
public static class FeedDates
{
    private static readonly Dictionary<string, int> NamedZones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GMT"] = 0,
        ["UT"] = 0,
        ["UTC"] = 0,
        ["Z"] = 0,
        ["EST"] = -5,
        ["EDT"] = -4,
        ["CST"] = -6,
        ["CDT"] = -5,
        ["MST"] = -7,
        ["MDT"] = -6,
        ["PST"] = -8,
        ["PDT"] = -7,
        ["CET"] = 1,
        ["CEST"] = 2,
    };

    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>The date in UTC, or null when it cannot be read (the message then takes the time it was received).</summary>
    public static DateTime? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        value = value.Trim();
        if (TryRfc822(value, out var rfc))
        {
            return rfc.UtcDateTime;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var iso))
        {
            return iso.UtcDateTime;
        }
        return null;
    }

    private static bool TryRfc822(string value, out DateTimeOffset result)
    {
        result = default;
        var comma = value.IndexOf(',', StringComparison.Ordinal);
        var rest = comma >= 0 ? value[(comma + 1)..] : value;
        var parts = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4)
        {
            return false;
        }
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day))
        {
            return false;
        }
        var month = Array.FindIndex(Months, m => parts[1].StartsWith(m, StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year))
        {
            return false;
        }
        if (parts[2].Length <= 2)
        {
            year += year < 50 ? 2000 : 1900;
        }
        var time = parts[3].Split(':');
        if (time.Length is < 2 or > 3
            || !int.TryParse(time[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            || !int.TryParse(time[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minute))
        {
            return false;
        }
        var second = 0;
        if (time.Length == 3 && !int.TryParse(time[2], NumberStyles.None, CultureInfo.InvariantCulture, out second))
        {
            return false;
        }
        var offset = TimeSpan.Zero;
        if (parts.Length > 4 && !TryZone(parts[4], out offset))
        {
            return false;
        }
        try
        {
            result = new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), offset);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static bool TryZone(string zone, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (NamedZones.TryGetValue(zone, out var hours))
        {
            offset = TimeSpan.FromHours(hours);
            return true;
        }
        if (zone.Length == 5 && zone[0] is '+' or '-'
            && int.TryParse(zone.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            && int.TryParse(zone.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            && h <= 14 && m < 60)
        {
            offset = new TimeSpan(h, m, 0);
            if (zone[0] == '-')
            {
                offset = -offset;
            }
            return true;
        }
        // Military single letters and unknown names: RFC 2822 says to read them as UTC.
        if (zone.Length == 1 && char.IsAsciiLetter(zone[0]))
        {
            return true;
        }
        return false;
    }
}
