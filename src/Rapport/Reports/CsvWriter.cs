using System.Globalization;
using System.Text;

namespace Rapport.Reports;

/// <summary>
/// Writes CSV as RFC 4180 describes it (comma-separated, CRLF line ends, fields with a comma, a quote or a line break
/// quoted, quotes doubled), with cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
/// carriage return) prefixed with an apostrophe, so an exported team or channel name cannot inject one.
/// </summary>
public static class CsvWriter
{
    public static string Write(IEnumerable<IReadOnlyList<string?>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var builder = new StringBuilder();
        foreach (var row in rows)
        {
            builder.AppendJoin(',', row.Select(Cell)).Append("\r\n");
        }
        return builder.ToString();
    }

    public static string Cell(string? value)
    {
        var text = value ?? "";
        // A plain number (a negative net sentiment, -0.25) runs nothing and must stay a number in the spreadsheet.
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
            && !(text[0] == '-' && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)))
        {
            text = "'" + text;
        }
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    /// <summary>A moment in UTC, as every CSV writes it.</summary>
    public static string Time(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Number(double? value) => value?.ToString("0.####", CultureInfo.InvariantCulture) ?? "";
}
