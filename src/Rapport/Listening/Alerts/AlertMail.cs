using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using MimeKit;
using Rapport.Data;
using Rapport.Notifications;
using Rapport.Resources;
using Rapport.Workspaces;

namespace Rapport.Listening.Alerts;

/// <summary>One member's alert e-mail, ready to send.</summary>
public sealed record AlertEmail(string To, string Subject, string Text, string Html);

/// <summary>
/// The alerts' e-mails, through Rapport's own mail server (<see cref="SystemMail"/>): each new alert goes once to every
/// analyst, admin and owner of its workspace, in their language, as HTML and text, every value from outside (a topic's
/// name, the words and quotes of mentions) encoded in the HTML. Nothing is sent while no mail server is set.
/// </summary>
public sealed class AlertMail(RapportDbContextFactory databases, SystemMail mail, IStringLocalizer<Strings> l, AlertWords words, TimeProvider clock, ILogger<AlertMail> log)
{
    /// <summary>The in-app notice's kind (its label is Notification.Kind.listening.alert).</summary>
    public const string NotificationKind = "listening.alert";

    public AlertWords Words => words;

    /// <summary>Sends the e-mails of alerts not mailed yet; returns how many went. Throws after the round when one could not go (tried again next round).</summary>
    public async Task<int> SendDueAsync(CancellationToken ct = default)
    {
        if (!mail.IsConfigured)
        {
            return 0;
        }
        await using var db = databases.CreateDbContext();
        // An alert raised while no server was set is not mailed days later, once one is.
        var since = clock.GetUtcNow().UtcDateTime.AddDays(-1);
        var due = await db.Set<ListeningAlert>().IgnoreQueryFilters().Where(a => a.MailedAt == null && a.RaisedAt >= since).OrderBy(a => a.RaisedAt).Take(100).ToListAsync(ct);
        var (sent, failed) = (0, new List<string>());
        foreach (var alert in due)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            // Claimed before sending: another node running the same round finds it taken.
            if (await db.Set<ListeningAlert>().IgnoreQueryFilters().Where(a => a.Id == alert.Id && a.MailedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.MailedAt, now), ct) == 0)
            {
                continue;
            }
            try
            {
                var workspace = await db.Workspaces.IgnoreQueryFilters().AsNoTracking().FirstAsync(w => w.Id == alert.WorkspaceId, ct);
                var members = await db.Memberships.IgnoreQueryFilters().Where(m => m.WorkspaceId == alert.WorkspaceId && m.Role != Role.Agent)
                    .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { u.Email, u.PreferredCulture }).AsNoTracking().ToListAsync(ct);
                var ids = alert.MessageIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList();
                var quotes = await db.Set<Mention>().IgnoreQueryFilters().AsNoTracking().Where(m => m.WorkspaceId == alert.WorkspaceId && ids.Contains(m.Id))
                    .OrderByDescending(m => m.CreatedAt).Take(3).Select(m => new Quote(m.AuthorName, m.Text)).ToListAsync(ct);
                foreach (var member in members.Where(m => !string.IsNullOrEmpty(m.Email)))
                {
                    await mail.SendAsync(ToMime(Compose(member.Email!, member.PreferredCulture ?? workspace.DefaultCulture, workspace.Name, workspace.TimeZone, alert, quotes)), ct);
                    sent++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Given back, so the next round tries again: an alert's e-mail is late rather than lost.
                await db.Set<ListeningAlert>().IgnoreQueryFilters().Where(a => a.Id == alert.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.MailedAt, (DateTime?)null), CancellationToken.None);
                log.LogWarning(e, "The e-mails of alert {AlertId} could not be sent", alert.Id);
                failed.Add($"{alert.Id}: {e.Message}");
            }
        }
        return failed.Count == 0 ? sent : throw new InvalidOperationException($"The e-mails of {failed.Count} alert(s) were not sent, to be tried again: {string.Join("; ", failed)}");
    }

    /// <summary>A quote shown in the e-mail: who wrote it, and what.</summary>
    public sealed record Quote(string Author, string Text);

    /// <summary>The e-mail's words in the member's language; every value in the HTML is encoded.</summary>
    public AlertEmail Compose(string to, string? culture, string workspaceName, string? timeZone, ListeningAlert alert, IReadOnlyList<Quote> quotes)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(quotes);
        return SystemMail.InLanguage(culture, () =>
        {
            var kind = Words.Kind(alert.Kind);
            var scope = Words.Scope(alert);
            var size = Words.Size(alert, timeZone);
            var subject = l["Alerts.MailSubject", workspaceName, kind, scope].Value;
            var mentions = mail.AppUrl(AlertLinks.Mentions(alert));
            var page = mail.AppUrl("/listening/alerts");
            var terms = alert.Terms.Length == 0 ? [] : alert.Terms.Split(',');
            static string Short(string text) => text.Length > 280 ? text[..280] + "…" : text;

            var text = new StringBuilder();
            text.AppendLine(l["Alerts.MailLead", workspaceName, kind, scope]).AppendLine().AppendLine(size);
            if (terms.Length > 0)
            {
                text.AppendLine().AppendLine(l["Alerts.Terms", string.Join(", ", terms)]);
            }
            if (quotes.Count > 0)
            {
                text.AppendLine().AppendLine(l["Alerts.Messages"]);
                foreach (var q in quotes)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"– {q.Author}: « {Short(q.Text)} »");
                }
            }
            text.AppendLine().AppendLine(l["Alerts.MailOpenMentions", mentions.AbsoluteUri]).AppendLine(l["Alerts.MailOpenAlerts", page.AbsoluteUri])
                .AppendLine().AppendLine(l["Alerts.MailWhy", workspaceName]);

            static string E(string value) => WebUtility.HtmlEncode(value);
            var html = new StringBuilder();
            html.Append(CultureInfo.InvariantCulture, $"<p>{E(l["Alerts.MailLead", workspaceName, kind, scope])}</p>")
                .Append(CultureInfo.InvariantCulture, $"<p><strong>{E(size)}</strong></p>");
            if (terms.Length > 0)
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>{E(l["Alerts.Terms", string.Join(", ", terms)])}</p>");
            }
            if (quotes.Count > 0)
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>{E(l["Alerts.Messages"])}</p>");
                foreach (var q in quotes)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<blockquote style=\"margin:8px 0;padding-left:12px;border-left:3px solid #cbd2d9\"><strong>{E(q.Author)}</strong>: {E(Short(q.Text))}</blockquote>");
                }
            }
            html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{E(mentions.AbsoluteUri)}\">{E(l["Alerts.OpenMentions"])}</a> · <a href=\"{E(page.AbsoluteUri)}\">{E(l["Alerts.Title"])}</a></p>")
                .Append(CultureInfo.InvariantCulture, $"<p style=\"color:#616e7c;font-size:small\">{E(l["Alerts.MailWhy", workspaceName])}</p>");
            return new AlertEmail(to, subject, text.ToString(), SystemMail.HtmlDocument(subject, html.ToString()));
        });
    }

    private static MimeMessage ToMime(AlertEmail email) => SystemMail.Message(email.To, email.Subject, email.Text, email.Html);
}
