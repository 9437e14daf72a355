using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Rapport.Ingest;

namespace Rapport.Channels.Feeds;

/// <summary>Something wrong with a feed, worded for the person who set the channel up.</summary>
public sealed class FeedException : Exception
{
    public FeedException(string message)
        : base(message)
    {
    }

    public FeedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FeedException()
    {
    }
}

/// <summary>One item of a feed, before it becomes an <see cref="InboundItem"/>.</summary>
public sealed record FeedEntry(string Id, string? Title, string? Link, string? Author, string Text, DateTime? PublishedAt, string RawXml);

/// <summary>A parsed RSS or Atom document.</summary>
public sealed record FeedDocument(string Format, string? Title, IReadOnlyList<FeedEntry> Entries)
{
    /// <summary>Translates an entry into the one shape ingest takes; a feed is a public listening source.</summary>
    public InboundItem ToInboundItem(Guid channelId, FeedEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // Posts with no author are written by the site itself.
        var author = !string.IsNullOrWhiteSpace(entry.Author) ? entry.Author : !string.IsNullOrWhiteSpace(Title) ? Title : "feed";
        return new InboundItem
        {
            ChannelId = channelId,
            ExternalId = entry.Id,
            AuthorHandle = FeedReader.Truncate(author, 200),
            AuthorName = FeedReader.Truncate(author, 200),
            Text = entry.Text,
            CreatedAt = entry.PublishedAt,
            ThreadId = entry.Id,
            Subject = entry.Title is null ? null : FeedReader.Truncate(entry.Title, 500),
            IsPublic = true,
            RawPayload = entry.RawXml,
        };
    }

}

/// <summary>
/// Parses RSS 2.0 (and 0.9x/1.0) and Atom 1.0. The XML reader never processes a DTD, so no entity, external
/// or internal, is ever expanded: a feed that declares one is refused.
/// </summary>
public static class FeedReader
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";

    /// <summary>Longest external id kept as is; longer ones are replaced by their hash.</summary>
    private const int MaxIdLength = 256;

    /// <summary>HTML longer than this is cut before it is turned into text: ingest keeps far less anyway.</summary>
    private const int MaxHtmlLength = 200_000;

    public static XmlReaderSettings SafeSettings(long maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };

    /// <summary>Parses a downloaded feed; throws <see cref="FeedException"/> with a readable reason when it is not one.</summary>
    public static FeedDocument Parse(byte[] body, int maxItems, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        XDocument document;
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var reader = XmlReader.Create(stream, SafeSettings(body.LongLength * 2 + 1024));
            document = XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException e)
        {
            throw Explain(body, contentType, e);
        }

        var root = document.Root ?? throw new FeedException("The document is empty: it is not an RSS or Atom feed.");
        return root.Name.LocalName switch
        {
            "rss" when root.Name.Namespace == XNamespace.None => ReadRss(root.Element("channel"), root.Element("channel")?.Elements("item"), "RSS", maxItems),
            "RDF" => ReadRss(root.Elements().FirstOrDefault(e => e.Name.LocalName == "channel"), root.Elements().Where(e => e.Name.LocalName == "item"), "RSS 1.0", maxItems),
            "feed" when root.Name.Namespace == Atom => ReadAtom(root, maxItems),
            "html" => throw NotAFeedHtml(),
            _ => throw new FeedException($"The document is XML but not an RSS or Atom feed (its root element is <{Truncate(root.Name.LocalName, 40)}>)."),
        };
    }

    private static FeedException Explain(byte[] body, string? contentType, XmlException e)
    {
        var start = Prolog(body);
        if (contentType?.Contains("html", StringComparison.OrdinalIgnoreCase) == true && !contentType.Contains("xhtml", StringComparison.OrdinalIgnoreCase)
            || start.Contains("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || start.Contains("<html", StringComparison.OrdinalIgnoreCase))
        {
            return NotAFeedHtml();
        }
        if (start.Contains("<!DOCTYPE", StringComparison.OrdinalIgnoreCase) || start.Contains("<!ENTITY", StringComparison.OrdinalIgnoreCase))
        {
            return new FeedException(
                "The feed declares a DTD (<!DOCTYPE …>), which Rapport refuses: entities in feeds can read files or addresses on the server. Ask the publisher for a feed without a DOCTYPE.", e);
        }
        if (body.Length == 0)
        {
            return new FeedException("The feed answered with an empty body.", e);
        }
        return new FeedException($"The feed is not valid XML (line {e.LineNumber}, position {e.LinePosition}): {e.Message}", e);
    }

    private static FeedException NotAFeedHtml() =>
        new("The address returned an HTML page, not an RSS or Atom feed. Use the address of the feed itself (often ending in /feed, /rss or .xml).");

    /// <summary>The start of the document as text, only to tell apart the reasons a parse failed.</summary>
    private static string Prolog(byte[] body)
    {
        using var stream = new MemoryStream(body, 0, Math.Min(body.Length, 4096), writable: false);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static FeedDocument ReadRss(XElement? channel, IEnumerable<XElement>? items, string format, int maxItems)
    {
        if (channel is null)
        {
            throw new FeedException("The RSS document has no <channel>: it is not a usable feed.");
        }
        var feedTitle = Plain(Child(channel, "title"));
        var entries = new List<FeedEntry>();
        foreach (var item in (items ?? []).Take(maxItems))
        {
            var title = Plain(Child(item, "title"));
            var link = Child(item, "link")?.Trim();
            var guid = Child(item, "guid")?.Trim();
            var date = Child(item, "pubDate") ?? item.Element(Dc + "date")?.Value;
            var summary = Child(item, "description");
            if (string.IsNullOrWhiteSpace(summary))
            {
                summary = item.Element(Content + "encoded")?.Value;
            }
            var author = item.Element(Dc + "creator")?.Value ?? RssAuthor(Child(item, "author"));
            var entry = Entry(guid, link, title, HtmlText.ToPlainText(Cap(summary)), author, date, item);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }
        return new FeedDocument(format, feedTitle, entries);
    }

    private static FeedDocument ReadAtom(XElement feed, int maxItems)
    {
        var feedTitle = AtomText(feed.Element(Atom + "title"));
        var feedAuthor = feed.Element(Atom + "author")?.Element(Atom + "name")?.Value;
        var entries = new List<FeedEntry>();
        foreach (var item in feed.Elements(Atom + "entry").Take(maxItems))
        {
            var title = AtomText(item.Element(Atom + "title"));
            var links = item.Elements(Atom + "link").ToList();
            var link = (links.FirstOrDefault(l => (string?)l.Attribute("rel") is null or "alternate") ?? links.FirstOrDefault())?.Attribute("href")?.Value.Trim();
            var summary = AtomText(item.Element(Atom + "summary"));
            if (string.IsNullOrWhiteSpace(summary))
            {
                summary = AtomText(item.Element(Atom + "content"));
            }
            var author = item.Element(Atom + "author")?.Element(Atom + "name")?.Value ?? feedAuthor;
            var date = item.Element(Atom + "published")?.Value ?? item.Element(Atom + "updated")?.Value;
            var entry = Entry(item.Element(Atom + "id")?.Value.Trim(), link, title, summary, author, date, item);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }
        return new FeedDocument("Atom", feedTitle, entries);
    }

    private static FeedEntry? Entry(string? id, string? link, string? title, string summary, string? author, string? date, XElement item)
    {
        title = string.IsNullOrWhiteSpace(title) ? null : title.Trim();
        var text = title is null ? summary
            : summary.Length == 0 || summary == title ? title
            : title + "\n\n" + summary;
        if (string.IsNullOrWhiteSpace(text))
        {
            // Nothing to read, nothing to listen to.
            return null;
        }
        var published = FeedDates.Parse(date);
        var externalId = !string.IsNullOrWhiteSpace(id) ? id : !string.IsNullOrWhiteSpace(link) ? link : "sha256:" + Hash(title + "\n" + date + "\n" + (title is null ? summary : ""));
        if (externalId.Length > MaxIdLength)
        {
            externalId = "sha256:" + Hash(externalId);
        }
        return new FeedEntry(externalId, title, link, string.IsNullOrWhiteSpace(author) ? null : author.Trim(), text, published, item.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>An Atom text construct: <c>type="text"</c> as is, <c>html</c> and <c>xhtml</c> turned into text.</summary>
    private static string AtomText(XElement? element)
    {
        if (element is null)
        {
            return "";
        }
        var type = (string?)element.Attribute("type");
        return type switch
        {
            "html" => HtmlText.ToPlainText(Cap(element.Value)),
            "xhtml" => HtmlText.ToPlainText(Cap(string.Concat(element.Nodes().Select(n => n.ToString(SaveOptions.DisableFormatting))))),
            _ => element.Value.Trim(),
        };
    }

    /// <summary>RSS titles are plain text by the spec but often carry entities or tags in practice.</summary>
    private static string Plain(string? value) => value is null ? "" : value.Contains('<', StringComparison.Ordinal) || value.Contains('&', StringComparison.Ordinal) ? HtmlText.ToPlainText(value) : value.Trim();

    /// <summary>RSS's author is an e-mail address with the name in parentheses: <c>jo@example.com (Jo Martin)</c>.</summary>
    private static string? RssAuthor(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var open = value.IndexOf('(', StringComparison.Ordinal);
        var close = value.LastIndexOf(')');
        return open >= 0 && close > open + 1 ? value[(open + 1)..close].Trim() : value.Trim();
    }

    private static string? Child(XElement element, string name) => element.Elements().FirstOrDefault(e => e.Name.LocalName == name && (e.Name.Namespace == XNamespace.None || e.Name.Namespace.NamespaceName == "http://purl.org/rss/1.0/"))?.Value;

    private static string? Cap(string? html) => html is { Length: > MaxHtmlLength } ? html[..MaxHtmlLength] : html;

    internal static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
