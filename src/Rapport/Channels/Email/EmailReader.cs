using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.IO;
using Rapport.Channels.Feeds;

namespace Rapport.Channels.Email;

/// <summary>An attachment as Rapport lists it: the file stays in the mailbox, the conversation shows its name and size.</summary>
public sealed record EmailAttachment(string Name, long Bytes);

/// <summary>
/// One e-mail as the inbox needs it. <see cref="SkipReason"/> is set for mail no person wrote (auto-replies,
/// bounces, bulk mail): it stays in the mailbox and is not ingested.
/// </summary>
public sealed record EmailContent(
    string ExternalId, string? ThreadId, string? InReplyTo, string AuthorHandle, string? AuthorName, string? Subject, string Text,
    DateTime? CreatedAt, string? SkipReason);

/// <summary>
/// Translates a MIME message into what ingest takes: Message-ID as the id, In-Reply-To and References for the
/// thread, the plain-text part (or the HTML part turned into text, never kept as HTML), quoted history trimmed,
/// attachments listed by name and size. MimeKit decodes the charsets (UTF-8, ISO-8859-1, windows-1252…).
/// </summary>
public static class EmailReader
{
    /// <summary>Longest Message-ID kept as is; a longer one is replaced by its hash so the id column stays bounded.</summary>
    private const int MaxIdLength = 400;

    /// <param name="message">The message, or its headers with only its text part for an e-mail over the size limit.</param>
    /// <param name="attachments">The attachments when the message's own parts do not carry them (an e-mail read in part).</param>
    /// <param name="note">A line added to the text, saying what was left out.</param>
    public static EmailContent Read(MimeMessage message, IReadOnlyList<EmailAttachment>? attachments = null, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var from = message.From.Mailboxes.FirstOrDefault() ?? message.Sender ?? message.ReplyTo.Mailboxes.FirstOrDefault();
        var handle = from?.Address is { Length: > 0 } address ? address : "unknown sender";
        var name = string.IsNullOrWhiteSpace(from?.Name) ? null : from.Name.Trim();
        var subject = string.IsNullOrWhiteSpace(message.Subject) ? null : message.Subject.Trim();
        var date = message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date.UtcDateTime : (DateTime?)null;

        var body = !string.IsNullOrWhiteSpace(message.TextBody) ? message.TextBody
            : message.HtmlBody is { } html ? HtmlText.ToPlainText(html)
            : Unstructured(message.Body);
        var text = EmailQuotes.Trim(body);
        var listed = attachments ?? message.Attachments.Select(Describe).ToList();
        var extra = new StringBuilder();
        if (listed.Count > 0)
        {
            extra.AppendJoin('\n', listed.Select(a => $"📎 {a.Name} ({Size(a.Bytes)})"));
        }
        if (note is not null)
        {
            extra.Append(extra.Length > 0 ? "\n" : "").Append(note);
        }
        if (extra.Length > 0)
        {
            text = text.Length == 0 ? extra.ToString() : text + "\n\n" + extra;
        }
        if (text.Length == 0)
        {
            text = subject ?? "";
        }

        var externalId = Id(message.MessageId) ?? "sha256:" + Hash($"{handle}\n{message.Headers[HeaderId.Date]}\n{subject}\n{body}");
        var references = message.References.Select(Id).OfType<string>().ToList();
        var inReplyTo = Id(message.InReplyTo) ?? references.LastOrDefault();
        var thread = references.FirstOrDefault() ?? inReplyTo ?? externalId;
        return new EmailContent(externalId, thread, inReplyTo, handle, name, subject, text, date, SkipReason(message, from));
    }

    /// <summary>
    /// The text of a malformed multipart (no boundary, or one that never appears): MimeKit keeps it as the
    /// preamble and epilogue, and it is shown as is rather than lost.
    /// </summary>
    private static string Unstructured(MimeEntity? body) =>
        body is Multipart { Count: 0 } multipart ? $"{multipart.Preamble}\n{multipart.Epilogue}".Trim() : "";

    /// <summary>Why nobody needs to answer this e-mail, or null when a person wrote it.</summary>
    public static string? SkipReason(MimeMessage message, MailboxAddress? from)
    {
        ArgumentNullException.ThrowIfNull(message);
        var autoSubmitted = message.Headers[HeaderId.AutoSubmitted]?.Trim();
        if (!string.IsNullOrEmpty(autoSubmitted) && !autoSubmitted.StartsWith("no", StringComparison.OrdinalIgnoreCase))
        {
            return $"an automatic message (Auto-Submitted: {autoSubmitted})";
        }
        if (message.Headers.Contains("X-Autoreply") || message.Headers.Contains("X-Autorespond"))
        {
            return "an automatic reply (X-Autoreply)";
        }
        var precedence = message.Headers[HeaderId.Precedence]?.Trim().ToLowerInvariant();
        if (precedence is "bulk" or "junk" or "auto_reply")
        {
            return $"bulk mail (Precedence: {precedence})";
        }
        var local = from?.LocalPart.ToLowerInvariant();
        if (local is "mailer-daemon" or "postmaster" || (message.Body is MultipartReport report
            && string.Equals(report.ReportType, "delivery-status", StringComparison.OrdinalIgnoreCase)))
        {
            return "a delivery failure notice (bounce)";
        }
        return null;
    }

    /// <summary>A Message-ID without its angle brackets; a very long one is replaced by its hash.</summary>
    private static string? Id(string? messageId)
    {
        var id = messageId?.Trim().Trim('<', '>').Trim();
        return string.IsNullOrEmpty(id) ? null : id.Length <= MaxIdLength ? id : "sha256:" + Hash(id);
    }

    private static EmailAttachment Describe(MimeEntity entity)
    {
        var name = entity switch
        {
            MimePart part => part.FileName,
            MessagePart => entity.ContentType.Name ?? "message.eml",
            _ => null,
        };
        long bytes = 0;
        using (var measure = new MeasuringStream())
        {
            if (entity is MimePart { Content: { } content })
            {
                content.DecodeTo(measure);
            }
            else if (entity is MessagePart { Message: { } inner })
            {
                inner.WriteTo(measure);
            }
            bytes = measure.Length;
        }
        return new EmailAttachment(string.IsNullOrWhiteSpace(name) ? "attachment" : name.Trim(), bytes);
    }

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
