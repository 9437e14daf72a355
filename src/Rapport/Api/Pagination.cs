using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Rapport.Api;

/// <summary>A page of results and the cursor to the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Opaque cursors for keyset pagination over (time, id): stable while new rows arrive, unlike offsets.
/// </summary>
public static class Cursor
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static int Limit(int? requested) => Math.Clamp(requested ?? DefaultLimit, 1, MaxLimit);

    public static string Encode(DateTime at, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{at.Ticks.ToString(CultureInfo.InvariantCulture)}|{id}"));

    public static bool TryDecode(string? cursor, out DateTime at, out Guid id)
    {
        at = default;
        id = default;
        if (string.IsNullOrEmpty(cursor))
        {
            return false;
        }
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks && Guid.TryParse(parts[1], out id))
            {
                at = new DateTime(ticks, DateTimeKind.Utc);
                return true;
            }
        }
        catch (FormatException)
        {
        }
        return false;
    }

    /// <summary>A cursor for a ranked order (rank, time, id), such as the inbox's.</summary>
    public static string Encode(int rank, DateTime at, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{rank.ToString(CultureInfo.InvariantCulture)}|{Encoding.UTF8.GetString(Base64Url.DecodeFromChars(Encode(at, id)))}"));

    public static bool TryDecode(string? cursor, out int rank, out DateTime at, out Guid id)
    {
        rank = 0;
        at = default;
        id = default;
        if (string.IsNullOrEmpty(cursor))
        {
            return false;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return bar > 0 && int.TryParse(text.AsSpan(0, bar), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out rank)
                && TryDecode(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text[(bar + 1)..])), out at, out id);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
