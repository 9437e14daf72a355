using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using MimeKit;
using Rapport.Data;
using Rapport.Notifications;
using Rapport.Resources;

namespace Rapport.Reports;

/// <summary>One member's digest, ready to send: to whom, in which language, and the words.</summary>
public sealed record DigestEmail(string To, string Subject, string Text, string Html);

/// <summary>
/// The weekly digest: on Monday from 08:00 in the workspace's time zone, each member who asked for it on their profile
/// gets last week's outcome report (Monday to Sunday) beside the week before, by e-mail, in their language, as HTML and
/// text. Each member gets one e-mail per week, whichever node sends it and however often the job runs.
/// </summary>
public sealed class WeeklyDigests(RapportDbContextFactory databases, SystemMail mail, IStringLocalizer<Strings> l, TimeProvider clock, ILogger<WeeklyDigests> log)
{
    /// <summary>How often the scheduler's job "send-weekly-digests" looks for digests due.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(15);

    /// <summary>The local time on Monday from which last week's digest goes out.</summary>
    public static readonly TimeSpan SendFrom = TimeSpan.FromHours(8);

    /// <summary>Sends every digest due now; returns how many went out. Throws after the round when one could not be sent (it is tried again next round).</summary>
    public async Task<int> SendDueAsync(CancellationToken ct = default)
    {
        if (!mail.IsConfigured)
        {
            return 0;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = databases.CreateDbContext();
        var members = await db.Memberships.IgnoreQueryFilters().Where(m => m.WeeklyDigest)
            .Join(db.Workspaces, m => m.WorkspaceId, w => w.Id, (m, w) => new { Membership = m, w.Name, w.TimeZone, w.DefaultCulture })
            .Join(db.Users, x => x.Membership.UserId, u => u.Id, (x, u) => new { x.Membership, x.Name, x.TimeZone, x.DefaultCulture, u.Email, u.PreferredCulture })
            .AsNoTracking().ToListAsync(ct);
        var (sent, failed) = (0, new List<string>());
        foreach (var member in members)
        {
            var week = DigestWeek.Before(now, Sla.BusinessCalendar.Zone(member.TimeZone));
            var previous = member.Membership.DigestSentForWeek;
            if (now < week.SendFromUtc || previous == week.Monday || string.IsNullOrEmpty(member.Email))
            {
                continue;
            }
            // Claimed before sending, by a conditional update: another node running the same round finds it taken.
            var id = member.Membership.Id;
            if (await db.Memberships.IgnoreQueryFilters().Where(m => m.Id == id && m.WeeklyDigest && m.DigestSentForWeek == previous)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.DigestSentForWeek, week.Monday), ct) == 0)
            {
                continue;
            }
            try
            {
                var report = await OutcomeReports.ComputeAsync(db, member.Membership.WorkspaceId, week.FromUtc, week.ToUtc, ct);
                var email = Compose(member.Email, member.PreferredCulture ?? member.DefaultCulture, member.Name, week, report);
                await mail.SendAsync(ToMime(email), ct);
                sent++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Given back, so the next round tries again: a digest is late rather than lost.
                await db.Memberships.IgnoreQueryFilters().Where(m => m.Id == id && m.DigestSentForWeek == week.Monday)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.DigestSentForWeek, previous), CancellationToken.None);
                log.LogWarning(e, "The weekly digest to {Email} could not be sent", member.Email);
                failed.Add($"{member.Email}: {e.Message}");
            }
        }
        return failed.Count == 0 ? sent : throw new InvalidOperationException($"{failed.Count} digest(s) not sent, to be tried again: {string.Join("; ", failed)}");
    }

    /// <summary>The digest's words in the member's language ("fr" or "en"); every value in the HTML is encoded.</summary>
    public DigestEmail Compose(string to, string? culture, string workspaceName, DigestWeek week, OutcomeReport report)
    {
        ArgumentNullException.ThrowIfNull(week);
        ArgumentNullException.ThrowIfNull(report);
        return SystemMail.InLanguage(culture, () =>
        {
            var (now, before) = (report.Current.Total, report.Previous.Total);
            var first = week.Monday.AddDays(-7);
            var last = week.Monday.AddDays(-1);
            var dates = l["Digest.Dates", first.ToString("d MMMM", CultureInfo.CurrentCulture), last.ToString("d MMMM yyyy", CultureInfo.CurrentCulture)].Value;
            var lines = new List<(string Label, string Value, string Before)>
            {
                (l["Outcomes.Replies"], Count(now.RepliesDelivered), Count(before.RepliesDelivered)),
                (l["Outcomes.Posts"], Count(now.PostsPublished), Count(before.PostsPublished)),
                (l["Outcomes.Clicks"], Count(now.Clicks), Count(before.Clicks)),
                (l["Outcomes.Conversions"], Count(now.Conversions), Count(before.Conversions)),
                (l["Outcomes.Revenue"], Money(now.Revenue), Money(before.Revenue)),
                (l["Reports.Csat"], Score(now.Csat, now.CsatAnswers), Score(before.Csat, before.CsatAnswers)),
                (l["Outcomes.Nps"], Nps(now), Nps(before)),
                (l["Outcomes.Recommendations"], Recommendations(now), Recommendations(before)),
                (l["Outcomes.Complaints"], l["Outcomes.OutOf", now.ComplaintsResolved, now.Complaints], l["Outcomes.OutOf", before.ComplaintsResolved, before.Complaints]),
            };
            var link = mail.AppUrl(FormattableString.Invariant($"/reports/outcomes?period=custom&from={first:yyyy-MM-dd}&to={last:yyyy-MM-dd}"));
            var profile = mail.AppUrl("/profile");
            var subject = l["Digest.Subject", workspaceName, dates].Value;

            var text = new StringBuilder();
            text.AppendLine(l["Digest.Lead", workspaceName, dates]).AppendLine();
            foreach (var (label, value, was) in lines)
            {
                text.AppendLine(l["Digest.Line", label, value, l["Digest.WeekBefore", was]]);
            }
            text.AppendLine().AppendLine(l["Digest.OpenReport", link.AbsoluteUri]).AppendLine().AppendLine(l["Digest.Why", workspaceName, profile.AbsoluteUri]);

            static string E(string value) => WebUtility.HtmlEncode(value);
            var html = new StringBuilder();
            html.Append(CultureInfo.InvariantCulture, $"<p>{E(l["Digest.Lead", workspaceName, dates])}</p>")
                .Append("<table style=\"border-collapse:collapse\">")
                .Append(CultureInfo.InvariantCulture, $"<tr><th></th><th style=\"text-align:right;padding:4px 12px\">{E(l["Digest.LastWeek"])}</th><th style=\"text-align:right;padding:4px 12px;color:#616e7c\">{E(l["Digest.WeekBeforeHeader"])}</th></tr>");
            foreach (var (label, value, was) in lines)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td style=\"padding:4px 12px 4px 0\">{E(label)}</td><td style=\"text-align:right;padding:4px 12px\"><strong>{E(value)}</strong></td><td style=\"text-align:right;padding:4px 12px;color:#616e7c\">{E(was)}</td></tr>");
            }
            html.Append("</table>")
                .Append(CultureInfo.InvariantCulture, $"<p><a href=\"{E(link.AbsoluteUri)}\">{E(l["Digest.OpenReportLink"])}</a></p>")
                .Append(CultureInfo.InvariantCulture, $"<p style=\"color:#616e7c;font-size:small\">{E(l["Digest.Why", workspaceName, profile.AbsoluteUri])}</p>");
            return new DigestEmail(to, subject, text.ToString(), SystemMail.HtmlDocument(subject, html.ToString()));
        });
    }

    private static MimeMessage ToMime(DigestEmail email) => SystemMail.Message(email.To, email.Subject, email.Text, email.Html);

    private static string Count(int value) => value.ToString("N0", CultureInfo.CurrentCulture);

    private string Score(double? value, int answers) =>
        value is { } v ? l["Digest.Score", v.ToString("0.0", CultureInfo.CurrentCulture), answers] : l["Digest.NoAnswer"];

    private string Nps(OutcomeFigures f) =>
        f.Nps is { } nps ? l["Digest.Nps", nps.ToString("+0;-0;0", CultureInfo.CurrentCulture), f.Promoters + f.Passives + f.Detractors] : l["Digest.NoAnswer"];

    private string Recommendations(OutcomeFigures f) => l["Digest.Recommendations", f.Recommends, f.AdvisesAgainst];

    // Never added across currencies: each is its own sum.
    private string Money(List<Money> amounts) => amounts.Count == 0
        ? Count(0)
        : string.Join(" · ", amounts.Select(m => string.Create(CultureInfo.CurrentCulture, $"{m.Amount:N2} {m.Currency}")));
}

/// <summary>The week a digest covers: the seven days before <see cref="Monday"/>, in the workspace's time zone.</summary>
public sealed record DigestWeek(DateOnly Monday, DateTime FromUtc, DateTime ToUtc, DateTime SendFromUtc)
{
    /// <summary>The last full week before <paramref name="utcNow"/> in <paramref name="zone"/>, and when its digest may go out.</summary>
    public static DigestWeek Before(DateTime utcNow, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utcNow, DateTimeKind.Utc), zone));
        var monday = local.AddDays(-(((int)local.DayOfWeek + 6) % 7));
        DateTime Utc(DateOnly day, TimeSpan at)
        {
            var time = day.ToDateTime(TimeOnly.FromTimeSpan(at), DateTimeKind.Unspecified);
            // Where midnight does not exist (a clock change at 00:00), the day starts an hour later.
            return TimeZoneInfo.ConvertTimeToUtc(zone.IsInvalidTime(time) ? time.AddHours(1) : time, zone);
        }
        return new DigestWeek(monday, Utc(monday.AddDays(-7), TimeSpan.Zero), Utc(monday, TimeSpan.Zero), Utc(monday, WeeklyDigests.SendFrom));
    }
}
