using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Rapport.Data;
using Rapport.Resources;
using Rapport.Workspaces;

namespace Rapport.Commitments;

/// <summary>What people say about a published commitment, counted only: shown when enough people spoke that no one can be picked out.</summary>
public sealed record PublicHeard(bool Shown, int Mentions, double Positive, double Negative, double? Net, double? NetBefore);

/// <summary>
/// What the public transparency page and its Atom feed read: a workspace by its slug, only when it turned the page on, and
/// its published commitments with their updates and aggregated figures; never a mention, an author or a draft. The context
/// is scoped to that workspace as soon as it is found (docs/decisions/0073).
/// </summary>
public static class TransparencyPage
{
    /// <summary>Fewer mentions than this in 30 days and the figures are not shown: a handful of posts could be told apart.</summary>
    public const int MinimumMentions = 5;

    /// <summary>The most updates the feed carries (the latest).</summary>
    public const int FeedEntries = 50;

    /// <summary>The workspace behind a public slug when its page is on, with the context scoped to it; else null.</summary>
    public static async Task<Workspace?> OpenAsync(RapportDbContext db, string? slug, CancellationToken ct = default)
    {
        // The same public address as the help centre: /help/{slug} and /transparency/{slug}.
        if (await KnowledgeBase.HelpCenter.OpenAsync(db, slug, ct) is not { } workspace)
        {
            return null;
        }
        var on = await db.Set<TransparencySettings>().AsNoTracking().AnyAsync(s => s.WorkspaceId == workspace.Id && s.PublicPage, ct);
        return on ? workspace : null;
    }

    public static PublicHeard HeardOf(CommitmentDto commitment)
    {
        ArgumentNullException.ThrowIfNull(commitment);
        var now = commitment.Heard.Last30Days;
        var before = commitment.Heard.Previous30Days;
        return now.Mentions < MinimumMentions
            ? new PublicHeard(false, 0, 0, 0, null, null)
            : new PublicHeard(true, now.Mentions, now.Positive / (double)now.Mentions, now.Negative / (double)now.Mentions, now.NetSentiment,
                before.Mentions < MinimumMentions ? null : before.NetSentiment);
    }

    /// <summary>A text in the reader's language, or the other one when the brand wrote only that.</summary>
    public static string InLanguage(string french, string english, string language) =>
        language == "fr" ? (french.Length > 0 ? french : english) : (english.Length > 0 ? english : french);

    /// <summary>The language the reader asked for ("fr" or "en"), else the page's.</summary>
    public static string LanguageOf(string? asked) =>
        asked is "fr" or "en" ? asked : CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "fr" ? "fr" : "en";

    /// <summary>Maps the public Atom feed of a workspace's progress updates: no sign-in, the help pages' rate limit.</summary>
    public static void MapFeed(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/transparency/{slug}/feed.atom", FeedAsync)
            .AllowAnonymous()
            .RequireRateLimiting(KnowledgeBase.KnowledgeBaseSetup.HelpRateLimit)
            .ExcludeFromDescription();
    }

    private static async Task<IResult> FeedAsync(string slug, string? lang, HttpContext http, RapportDbContext db, CommitmentService commitments, IStringLocalizer<Strings> text, CancellationToken ct)
    {
        if (await OpenAsync(db, slug, ct) is not { } workspace)
        {
            return Results.NotFound();
        }
        var language = LanguageOf(lang);
        var culture = CultureInfo.GetCultureInfo(language);
        var (ui, formats) = (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture);
        CultureInfo.CurrentUICulture = culture;
        CultureInfo.CurrentCulture = culture;
        try
        {
            var published = await commitments.PublishedAsync(db, workspace.Id, ct, withHeard: false);
            var origin = $"{http.Request.Scheme}://{http.Request.Host}";
            return Results.Text(Feed(workspace, published, origin, language, text), "application/atom+xml; charset=utf-8", Encoding.UTF8);
        }
        finally
        {
            CultureInfo.CurrentUICulture = ui;
            CultureInfo.CurrentCulture = formats;
        }
    }

    /// <summary>The Atom document (RFC 4287) of the published commitments' updates, latest first; every text is escaped by the writer.</summary>
    public static string Feed(Workspace workspace, IReadOnlyList<CommitmentDto> published, string origin, string language, IStringLocalizer<Strings> text)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(text);
        const string Atom = "http://www.w3.org/2005/Atom";
        var page = origin + CommitmentService.PublicPath(workspace.Slug);
        var entries = published.SelectMany(c => c.Updates.Select(u => (Commitment: c, Update: u)))
            .OrderByDescending(e => e.Update.CreatedAt).Take(FeedEntries).ToList();
        var updated = entries.Count > 0 ? entries[0].Update.CreatedAt : published.Select(c => c.UpdatedAt).DefaultIfEmpty(workspace.CreatedAt).Max();
        var output = new StringBuilder();
        using (var xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false, Encoding = Encoding.UTF8 }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", Atom);
            xml.WriteAttributeString("xml", "lang", null, language);
            xml.WriteElementString("id", Atom, page);
            xml.WriteElementString("title", Atom, text["Transparency.FeedTitle", workspace.Name]);
            xml.WriteElementString("updated", Atom, Stamp(updated));
            Link(xml, Atom, "self", page + "/feed.atom?lang=" + language, "application/atom+xml");
            Link(xml, Atom, "alternate", page, "text/html");
            xml.WriteStartElement("author", Atom);
            xml.WriteElementString("name", Atom, workspace.Name);
            xml.WriteEndElement();
            foreach (var (c, u) in entries)
            {
                xml.WriteStartElement("entry", Atom);
                xml.WriteElementString("id", Atom, "urn:uuid:" + u.Id.ToString("D"));
                xml.WriteElementString("title", Atom, $"{InLanguage(c.TitleFr, c.TitleEn, language)} · {u.On.ToString("d", CultureInfo.CurrentCulture)}");
                xml.WriteElementString("updated", Atom, Stamp(u.CreatedAt));
                xml.WriteElementString("published", Atom, Stamp(u.CreatedAt));
                Link(xml, Atom, "alternate", page + "#commitment-" + c.Id.ToString("N"), "text/html");
                if (u.EvidenceUrl.Length > 0)
                {
                    Link(xml, Atom, "related", u.EvidenceUrl, null);
                }
                var body = InLanguage(u.TextFr, u.TextEn, language);
                if (u.Value is { } value)
                {
                    body += "\n" + text["Transparency.Reached", FigureText(value), c.Unit];
                }
                xml.WriteStartElement("content", Atom);
                xml.WriteAttributeString("type", "text");
                xml.WriteString(body);
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        // StringBuilder output is UTF-16 to the writer; the declaration says what is sent.
        return output.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }

    /// <summary>A figure as people write it in the page's language: grouped thousands, at most two decimals.</summary>
    public static string FigureText(double value) => value.ToString("#,0.##", CultureInfo.CurrentCulture);

    private static void Link(XmlWriter xml, string ns, string rel, string href, string? type)
    {
        xml.WriteStartElement("link", ns);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("href", href);
        if (type is not null)
        {
            xml.WriteAttributeString("type", type);
        }
        xml.WriteEndElement();
    }

    private static string Stamp(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
