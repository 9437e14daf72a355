using System.Globalization;
using Rapport.Reports;

namespace Rapport.Listening;

/// <summary>
/// Each chart of a listening dashboard as CSV, the same figures its table shows, through the reports' writer (which keeps
/// an author's or a phrase's formula-like text from running in a spreadsheet).
/// </summary>
public static class DashboardCsv
{
    public static readonly IReadOnlySet<string> Charts = new HashSet<string>(StringComparer.Ordinal)
    {
        "volume", "sentiment", "share-of-voice", "terms", "authors", "languages", "sources",
    };

    public static string FileName(ListeningDashboardDto dashboard, string chart)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        var scope = dashboard.TopicId is { } id ? "topic-" + id.ToString("N")[..8] : "all-topics";
        return $"listening-{scope}-{chart}-{Day(dashboard.From)}-{Day(dashboard.To)}.csv";
    }

    public static string Write(ListeningDashboardDto dashboard, string chart)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        IEnumerable<IReadOnlyList<string?>> rows = chart switch
        {
            "volume" => [["start", "mentions", "previous_start", "previous_mentions"],
                .. dashboard.Points.Select(p => new[] { Day(p.Start), Count(p.Counts.Mentions), Day(p.PreviousStart), Count(p.Previous.Mentions) })],
            "sentiment" => [["start", "mentions", "positive", "neutral", "negative", "net_sentiment", "previous_start", "previous_net_sentiment"],
                .. dashboard.Points.Select(p => new[]
                {
                    Day(p.Start), Count(p.Counts.Mentions), Count(p.Counts.Positive), Count(p.Counts.Neutral), Count(p.Counts.Negative),
                    CsvWriter.Number(p.Counts.NetSentiment), Day(p.PreviousStart), CsvWriter.Number(p.Previous.NetSentiment),
                })],
            "share-of-voice" => [["topic", "kind", "mentions", "share_of_voice", "positive", "neutral", "negative", "net_sentiment"],
                .. dashboard.ShareOfVoice.Select(s => new[]
                {
                    s.Name, s.Kind.ToString(), Count(s.Counts.Mentions), CsvWriter.Number(s.Share), Count(s.Counts.Positive), Count(s.Counts.Neutral),
                    Count(s.Counts.Negative), CsvWriter.Number(s.Counts.NetSentiment),
                })],
            "terms" => Top("key_phrase", dashboard.Terms, withKey: false),
            "authors" => Top("author", dashboard.Authors, withKey: true, keyName: "handle"),
            "languages" => Top("language", dashboard.Languages, withKey: false),
            "sources" => Top("source", dashboard.Sources, withKey: true, keyName: "channel_id"),
            _ => throw new ArgumentOutOfRangeException(nameof(chart), chart, "Not a chart of the dashboard."),
        };
        return CsvWriter.Write(rows);
    }

    private static IEnumerable<IReadOnlyList<string?>> Top(string name, IReadOnlyList<TopEntry> entries, bool withKey, string keyName = "")
    {
        yield return withKey ? [name, keyName, "mentions", "share"] : [name, "mentions", "share"];
        foreach (var e in entries)
        {
            yield return withKey ? [e.Name, e.Key, Count(e.Mentions), CsvWriter.Number(e.Share)] : [e.Name, Count(e.Mentions), CsvWriter.Number(e.Share)];
        }
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
