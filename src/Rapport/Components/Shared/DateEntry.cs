using System.Globalization;
using Microsoft.Extensions.Localization;
using MudBlazor;
using Rapport.Resources;

namespace Rapport.Components.Shared;

/// <summary>
/// How a date typed into a design-system date picker is read: the page's own short date (31/12/2026 on a French page,
/// 12/31/2026 on an American one) and the ISO form 2026-12-31 that every reader knows and that Rapport's own URLs
/// and exports use. The picker's default reads only the page's pattern, so a typed ISO date was silently ignored.
/// A text that is neither keeps the picker's date and shows <paramref name="invalid"/> (the reader's language).
/// </summary>
public sealed class DateEntry(CultureInfo culture, string invalid) : IReversibleConverter<DateTime?, string?>
{
    /// <summary>The entry for the page's culture, its error showing the culture's own way of writing a date.</summary>
    public static DateEntry ForPage(IStringLocalizer<Strings> text) =>
        new(CultureInfo.CurrentCulture, text["DateTime.Invalid", new DateTime(2026, 12, 31).ToString("d", CultureInfo.CurrentCulture)]);

    public string? Convert(DateTime? date) => date?.ToString("d", culture);

    /// <summary>An empty text clears the date; any other text must name one.</summary>
    public DateTime? ConvertBack(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : TryRead(text.Trim(), culture, out var date) ? date
        : throw new FormatException(invalid);

    public static bool TryRead(string text, CultureInfo culture, out DateTime date)
    {
        var read = DateTime.TryParseExact(text, culture.DateTimeFormat.ShortDatePattern, culture, DateTimeStyles.None, out date)
            || DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
            || DateTime.TryParse(text, culture, DateTimeStyles.None, out date);
        date = date.Date;
        return read;
    }
}
