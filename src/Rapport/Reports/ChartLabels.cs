using System.Globalization;

namespace Rapport.Reports;

/// <summary>Axis labels that do not run into each other: short, and no more of them than the axis has room for.</summary>
public static class ChartLabels
{
    /// <summary>About how many labels a report chart's axis shows side by side without overlap.</summary>
    public const int MaxShown = 10;

    /// <summary>
    /// Every label when they fit; otherwise every n-th one and blanks between, so a 90-day axis reads like a 10-day one.
    /// The last point keeps its label: it is the one a reader looks for.
    /// </summary>
    public static string[] Spaced(string[] labels, int maxShown = MaxShown)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length <= maxShown)
        {
            return labels;
        }
        var step = (int)Math.Ceiling(labels.Length / (double)maxShown);
        var last = labels.Length - 1;
        return [.. labels.Select((label, i) => (last - i) % step == 0 ? label : "")];
    }

    /// <summary>The culture's short date without its year: "dd/MM" in French, "M/d" in American English.</summary>
    public static string DayAndMonthPattern(CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        var pattern = culture.DateTimeFormat.ShortDatePattern;
        var separator = culture.DateTimeFormat.DateSeparator;
        var parts = pattern.Split(separator).Where(p => !p.Contains('y', StringComparison.Ordinal) && p.Length > 0).ToArray();
        return parts.Length == 2 ? string.Join("'" + separator + "'", parts) : "d MMM";
    }
}
