using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Text;
using Rapport.Analysis.Trends;
using Rapport.Data;
using Rapport.Events;
using Rapport.Notifications;
using Rapport.Workspaces;

namespace Rapport.Listening.Alerts;

/// <summary>What one scan did.</summary>
public sealed record AlertScanResult(int Raised, int Updated, int Ended, int Mailed);

/// <summary>
/// The early warning (docs/listening.md, "Alerts"; docs/decisions/0072): every quarter of an hour, the job
/// "scan-listening-alerts" counts each topic's mentions and each theme's mentions per hour over the last five weeks
/// (noise set aside), runs <see cref="SpikeDetector"/> on the volume and on the negative share, and keeps one
/// <see cref="ListeningAlert"/> per episode: a new spike raises one (in-app notice, e-mail, event "alert.raised" for
/// outgoing webhooks), a spike that goes on updates it, and its end closes it. Themes are whatever values the
/// mentions' <see cref="Mention.Themes"/> hold: the built-in ones, and any a workspace defines once they are written there.
/// </summary>
public sealed partial class AlertScan(RapportDbContextFactory databases, IServiceScopeFactory scopes, Notifier notifier, AlertMail mail, TimeProvider clock,
    ILogger<AlertScan> log)
{
    /// <summary>How often the scheduler's job runs the scan.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(15);

    /// <summary>The hours read: four weeks for the weekly factor, one for the level, and a day of margin.</summary>
    public const int HistoryHours = 36 * 24;

    /// <summary>Spikes that ended longer ago than this are history, not news: never raised late.</summary>
    public const int RecentHours = 24;

    private static readonly SpikeOptions Hourly = SpikeOptions.Hourly;

    private sealed record Series(AlertKind Kind, Guid? TopicId, string Theme, string Name, AlertSensitivity Sensitivity, double[] Total, double[] Negative);

    /// <summary>Scans every workspace that listens; returns what it did. Throws after the round when an e-mail could not go (tried again next round).</summary>
    public async Task<AlertScanResult> RunAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // Whole hours only: the hour under way is judged once it is over.
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var start = end.AddHours(-HistoryHours);
        List<Guid> workspaces;
        await using (var db = databases.CreateDbContext())
        {
            var recent = end.AddHours(-RecentHours);
            // From the workspaces, each asked on its (WorkspaceId, CreatedAt) index, rather than every recent mention of all of them.
            workspaces = await db.Workspaces.Where(w => db.Set<Mention>().IgnoreQueryFilters().Any(m => m.WorkspaceId == w.Id && m.CreatedAt >= recent && m.CreatedAt < end))
                .Select(w => w.Id).ToListAsync(ct);
            // Workspaces with an episode still open, so it is closed even when nothing more is heard.
            workspaces = [.. workspaces.Union(await db.Set<ListeningAlert>().IgnoreQueryFilters().Where(a => a.EndedAt == null).Select(a => a.WorkspaceId).Distinct().ToListAsync(ct))];
        }
        var (raised, updated, ended) = (0, 0, 0);
        foreach (var workspaceId in workspaces)
        {
            var r = await ScanWorkspaceAsync(workspaceId, start, end, now, ct);
            (raised, updated, ended) = (raised + r.Raised, updated + r.Updated, ended + r.Ended);
        }
        var mailed = await mail.SendDueAsync(ct);
        return new AlertScanResult(raised, updated, ended, mailed);
    }

    private async Task<AlertScanResult> ScanWorkspaceAsync(Guid workspaceId, DateTime start, DateTime end, DateTime now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await using var db = databases.CreateDbContext();
        var series = await SeriesAsync(db, workspaceId, start, end, ct);
        var alerts = await db.Set<ListeningAlert>().IgnoreQueryFilters()
            .Where(a => a.WorkspaceId == workspaceId && (a.EndedAt == null || a.LastSeenAt >= start.AddHours(HistoryHours - 2 * RecentHours)))
            .ToListAsync(ct);
        var touched = new HashSet<Guid>();
        var (raised, updated) = (0, 0);
        var n = HistoryHours;
        var events = scope.ServiceProvider.GetRequiredService<EventPublisher>();
        var fresh = new List<ListeningAlert>();
        foreach (var s in series)
        {
            var options = Hourly.With(s.Sensitivity switch { AlertSensitivity.Low => SpikeSensitivity.Low, AlertSensitivity.High => SpikeSensitivity.High, _ => SpikeSensitivity.Normal });
            var spikes = s.Kind == AlertKind.Volume ? SpikeDetector.Detect(s.Total, options) : SpikeDetector.DetectShare(s.Negative, s.Total, options);
            foreach (var spike in spikes.Where(x => x.End >= n - RecentHours))
            {
                var from = start.AddHours(spike.Start);
                var to = start.AddHours(spike.End + 1);
                var ongoing = spike.End >= n - options.EndAfterQuiet;
                var alert = alerts.FirstOrDefault(a => a.Kind == s.Kind && a.TopicId == s.TopicId && a.Theme == s.Theme
                    && a.StartedAt < to && a.LastSeenAt.AddHours(options.EndAfterQuiet) > from);
                var isNew = alert is null;
                alert ??= new ListeningAlert
                {
                    WorkspaceId = workspaceId,
                    Kind = s.Kind,
                    TopicId = s.TopicId,
                    Theme = s.Theme,
                    ScopeName = s.Name,
                    StartedAt = from,
                    RaisedAt = now,
                    Status = AlertStatus.Open,
                };
                var (total, negative) = (0.0, 0.0);
                for (var h = spike.Start; h <= spike.End; h++)
                {
                    (total, negative) = (total + s.Total[h], negative + s.Negative[h]);
                }
                var grew = isNew || to > alert.LastSeenAt || (int)total != alert.Mentions;
                alert.StartedAt = from < alert.StartedAt ? from : alert.StartedAt;
                alert.LastSeenAt = to > alert.LastSeenAt ? to : alert.LastSeenAt;
                alert.EndedAt = ongoing ? null : alert.LastSeenAt;
                alert.Mentions = (int)total;
                alert.NegativeMentions = (int)negative;
                (alert.Observed, alert.Expected) = s.Kind == AlertKind.Volume
                    ? (spike.ObservedTotal, Math.Round(spike.ExpectedTotal, 1))
                    : (total > 0 ? Math.Round(negative / total, 4) : 0, Math.Round(spike.Expected, 4));
                alert.Score = Math.Max(alert.Score, spike.Score);
                alert.UpdatedAt = now;
                touched.Add(alert.Id);
                if (grew)
                {
                    await DriversAsync(db, alert, ct);
                }
                if (isNew)
                {
                    db.Set<ListeningAlert>().Add(alert);
                    alerts.Add(alert);
                    fresh.Add(alert);
                    raised++;
                }
                else
                {
                    updated++;
                }
            }
        }
        // Episodes no longer heard are over.
        var ended = 0;
        foreach (var open in alerts.Where(a => a.EndedAt == null && !touched.Contains(a.Id)))
        {
            open.EndedAt = open.LastSeenAt;
            open.UpdatedAt = now;
            ended++;
        }
        if (fresh.Count > 0)
        {
            await AnnounceAsync(db, events, fresh, now, ct);
        }
        await db.SaveChangesAsync(ct);
        if (raised > 0)
        {
            LogRaised(log, raised, workspaceId);
        }
        return new AlertScanResult(raised, updated, ended, 0);
    }

    /// <summary>The hourly series of every topic and theme of the workspace: volume and negative share of each.</summary>
    private static async Task<List<Series>> SeriesAsync(RapportDbContext db, Guid workspaceId, DateTime start, DateTime end, CancellationToken ct)
    {
        var result = new List<Series>();
        var topics = await db.Set<Topic>().IgnoreQueryFilters().AsNoTracking().Where(t => t.WorkspaceId == workspaceId)
            .Select(t => new { t.Id, t.Name, t.AlertSensitivity }).ToListAsync(ct);
        foreach (var topic in topics)
        {
            // One topic at a time, read from the dashboard's covering index (TopicId, MentionCreatedAt, IsNoise, Sentiment…).
            var hours = await db.Set<MentionTopic>().IgnoreQueryFilters()
                .Where(m => m.TopicId == topic.Id && m.MentionCreatedAt >= start && m.MentionCreatedAt < end && !m.IsNoise)
                .Select(m => new { m.MentionCreatedAt, m.Sentiment }).ToListAsync(ct);
            var (total, negative) = (new double[HistoryHours], new double[HistoryHours]);
            foreach (var m in hours)
            {
                var h = (int)(DateTime.SpecifyKind(m.MentionCreatedAt, DateTimeKind.Utc) - start).TotalHours;
                total[h]++;
                negative[h] += m.Sentiment == "Negative" ? 1 : 0;
            }
            result.Add(new Series(AlertKind.Volume, topic.Id, "", topic.Name, topic.AlertSensitivity, total, negative));
            result.Add(new Series(AlertKind.NegativeShare, topic.Id, "", topic.Name, topic.AlertSensitivity, total, negative));
        }
        var themed = await ListeningDashboard.NotNoise(db.Set<Mention>().IgnoreQueryFilters()
            .Where(m => m.WorkspaceId == workspaceId && m.CreatedAt >= start && m.CreatedAt < end && m.Themes != ""))
            .Select(m => new { m.CreatedAt, m.Sentiment, m.Themes }).ToListAsync(ct);
        var themes = new Dictionary<string, (double[] Total, double[] Negative)>(StringComparer.Ordinal);
        foreach (var m in themed)
        {
            var h = (int)(DateTime.SpecifyKind(m.CreatedAt, DateTimeKind.Utc) - start).TotalHours;
            foreach (var theme in m.Themes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!themes.TryGetValue(theme, out var s))
                {
                    themes[theme] = s = (new double[HistoryHours], new double[HistoryHours]);
                }
                s.Total[h]++;
                s.Negative[h] += m.Sentiment == "Negative" ? 1 : 0;
            }
        }
        foreach (var (theme, s) in themes.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            result.Add(new Series(AlertKind.Volume, null, theme, theme, AlertSensitivity.Normal, s.Total, s.Negative));
            result.Add(new Series(AlertKind.NegativeShare, null, theme, theme, AlertSensitivity.Normal, s.Total, s.Negative));
        }
        return result;
    }

    /// <summary>
    /// What drives the episode: the words said more than in the week before (weighted log-odds, Monroe et al.), and
    /// the few mentions that show it best (those with the strongest word; negative ones for a negative-share alert).
    /// </summary>
    private static async Task DriversAsync(RapportDbContext db, ListeningAlert alert, CancellationToken ct)
    {
        var mentions = db.Set<Mention>().IgnoreQueryFilters().AsNoTracking().Where(m => m.WorkspaceId == alert.WorkspaceId);
        if (alert.TopicId is { } topicId)
        {
            mentions = mentions.Where(m => db.Set<MentionTopic>().Any(t => t.TopicId == topicId && t.MentionId == m.Id && !t.IsNoise));
        }
        else
        {
            var theme = "," + alert.Theme + ",";
            mentions = mentions.Where(m => ("," + m.Themes + ",").Contains(theme));
        }
        var (from, to) = (alert.StartedAt, alert.LastSeenAt);
        var during = await mentions.Where(m => m.CreatedAt >= from && m.CreatedAt < to)
            .Where(m => alert.Kind == AlertKind.Volume || m.Sentiment == "Negative")
            .OrderByDescending(m => m.CreatedAt).Take(500)
            .Select(m => new { m.Id, m.Subject, m.Text, m.CreatedAt }).ToListAsync(ct);
        var before = await mentions.Where(m => m.CreatedAt >= from.AddDays(-7) && m.CreatedAt < from)
            .OrderByDescending(m => m.CreatedAt).Take(2000).Select(m => m.Subject == null ? m.Text : m.Subject + "\n" + m.Text).ToListAsync(ct);
        var texts = new List<IReadOnlyList<string>> { before, during.Select(m => m.Subject == null ? m.Text : m.Subject + "\n" + m.Text).ToList() };
        var terms = SpikeDetector.DrivingTerms(texts, 1, 1, 1, ListeningAlert.MaxTerms).Select(t => t.Term).ToList();
        var joined = string.Join(',', terms);
        while (joined.Length > 1000)
        {
            terms.RemoveAt(terms.Count - 1);
            joined = string.Join(',', terms);
        }
        alert.Terms = joined;
        var top = terms.FirstOrDefault()?.TrimStart('#');
        alert.MessageIds = string.Join(',', during
            .OrderByDescending(m => top is not null && TextFolding.Fold(m.Subject + " " + m.Text).Contains(top, StringComparison.Ordinal))
            .ThenByDescending(m => m.CreatedAt).Take(ListeningAlert.MaxMessages).Select(m => m.Id.ToString("N")));
    }

    /// <summary>A new alert is told: an in-app notice to each member who follows listening (analysts, admins, owners), and the event for outgoing webhooks.</summary>
    private async Task AnnounceAsync(RapportDbContext db, EventPublisher events, List<ListeningAlert> fresh, DateTime now, CancellationToken ct)
    {
        var workspaceId = fresh[0].WorkspaceId;
        var workspace = await db.Workspaces.AsNoTracking().IgnoreQueryFilters().FirstAsync(w => w.Id == workspaceId, ct);
        var members = await db.Memberships.IgnoreQueryFilters().Where(m => m.WorkspaceId == workspaceId && m.Role != Role.Agent)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, u.PreferredCulture }).ToListAsync(ct);
        foreach (var alert in fresh)
        {
            foreach (var member in members)
            {
                notifier.Add(db, workspaceId, member.UserId, AlertMail.NotificationKind, mail.Words.Notice(alert, workspace.TimeZone, member.PreferredCulture ?? workspace.DefaultCulture));
            }
            await events.PublishAsync(db, new AlertRaised(workspaceId, alert.Id, alert.Kind.ToString(), alert.TopicId, alert.TopicId is null ? alert.Theme : null,
                alert.ScopeName, alert.StartedAt, alert.Observed, alert.Expected, alert.Terms.Length == 0 ? [] : alert.Terms.Split(','), AlertLinks.Mentions(alert), now), ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} listening alert(s) raised in workspace {WorkspaceId}")]
    private static partial void LogRaised(ILogger logger, int count, Guid workspaceId);
}
