using System.Globalization;
using Microsoft.Extensions.Localization;
using Rapport.Resources;

namespace Rapport.Listening.Alerts;

/// <summary>Where an alert's links go.</summary>
public static class AlertLinks
{
    /// <summary>The Mentions page filtered to the episode: its topic (or theme), its hours, and its negative mentions for a negative-share alert.</summary>
    public static string Mentions(ListeningAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var query = new List<string>();
        if (alert.TopicId is { } topicId)
        {
            query.Add($"topic={topicId}");
        }
        else
        {
            query.Add("theme=" + Uri.EscapeDataString(alert.Theme));
        }
        query.Add("from=" + Uri.EscapeDataString(alert.StartedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
        if (alert.EndedAt is { } ended)
        {
            query.Add("to=" + Uri.EscapeDataString(ended.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
        }
        if (alert.Kind == AlertKind.NegativeShare)
        {
            query.Add("sentiment=Negative");
        }
        return "/listening/mentions?" + string.Join('&', query);
    }
}

/// <summary>An alert told in words a head of social reads, in a given language: the same on the page, in the notice and in the e-mail.</summary>
public sealed class AlertWords(IStringLocalizer<Strings> l, Conversations.AnalysisWords analysis)
{
    /// <summary>"Volume spike" or "Negative share spike", in the current language.</summary>
    public string Kind(AlertKind kind) => l["Alerts.Kind." + kind];

    /// <summary>The topic's name, or the theme's name in the current language.</summary>
    public string Scope(ListeningAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.TopicId is not null)
        {
            return alert.ScopeName;
        }
        return l["Alerts.ThemeScope", analysis.Themes(alert.Theme)];
    }

    /// <summary>The size in words: observed against expected since the episode started, in the workspace's time zone.</summary>
    public string Size(ListeningAlert alert, string? timeZone)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var zone = Sla.BusinessCalendar.Zone(timeZone);
        var since = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(alert.StartedAt, DateTimeKind.Utc), zone).ToString("d MMMM HH:mm", CultureInfo.CurrentCulture);
        if (alert.Kind == AlertKind.Volume)
        {
            var times = alert.Expected >= 0.5 ? alert.Observed / alert.Expected : alert.Observed;
            return l["Alerts.SizeVolume", N(alert.Observed), since, N(Math.Max(alert.Expected, 0)), times.ToString("0.#", CultureInfo.CurrentCulture)];
        }
        return l["Alerts.SizeShare", Percent(alert.Observed), since, alert.NegativeMentions, alert.Mentions, Percent(alert.Expected)];
    }

    /// <summary>The notice's text: what, about what, how big.</summary>
    public string Notice(ListeningAlert alert, string? timeZone, string? culture) =>
        Notifications.SystemMail.InLanguage(culture, () => $"{Kind(alert.Kind)} · {Scope(alert)}: {Size(alert, timeZone)}");

    private static string N(double value) => Math.Round(value).ToString("N0", CultureInfo.CurrentCulture);

    private static string Percent(double share) => Math.Round(share * 100).ToString("0", CultureInfo.CurrentCulture);
}
