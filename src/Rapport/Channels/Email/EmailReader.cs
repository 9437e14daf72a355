using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.IO;
using Rapport.Channels.Feeds;
using Rapport.Conversations.Attachments;
using Rapport.Ingest;

namespace Rapport.Channels.Email;

/// <summary>How much of an e-mail's attachments Rapport keeps: per file, and for all the files of one e-mail together.</summary>
public sealed record AttachmentLimits(long MaxBytes, long MaxBytesPerMessage);

/// <summary>
/// One e-mail as the inbox needs it. <see cref="SkipReason"/> is set for mail no person wrote (auto-replies,
/// bounces, bulk mail): it stays in the mailbox and is not ingested.
/// </summary>
public sealed record EmailContent(
    string ExternalId, string? ThreadId, string? InReplyTo, string AuthorHandle, string? AuthorName, string? Subject, string Text,
    DateTime? CreatedAt, string? SkipReason, IReadOnlyList<InboundAttachment> Attachments)
{
    /// <summary>Attachments listed but not kept (too large, or left in the mailbox with an oversized e-mail).</summary>
    public int NotKept => Attachments.Count(a => a.NotKeptReason is not null);

    /// <summary>What ingest takes: the e-mail, private to its sender, with its attachments.</summary>
    public InboundItem ToItem(Guid channelId, string? rawPayload) => new()
    {
        ChannelId = channelId,
        ExternalId = ExternalId,
        ThreadId = ThreadId,
        InReplyToExternalId = InReplyTo,
        AuthorHandle = AuthorHandle,
        AuthorName = AuthorName,
        Subject = Subject,
        Text = Text,
        CreatedAt = CreatedAt,
        IsPublic = false,
        RawPayload = rawPayload,
        Attachments = Attachments,
    };
}

/// <summary>
/// Translates a MIME message into what ingest takes: Message-ID as the id, In-Reply-To and References for the
/// thread, the plain-text part (or the HTML part turned into text, never kept as HTML), quoted history trimmed,
/// attachments and inline images kept as files within <see cref="AttachmentLimits"/> (the others listed in the text
/// by name and size, with why they were not kept). MimeKit decodes the charsets (UTF-8, ISO-8859-1, windows-1252…).
/// </summary>
public static class EmailReader
{
    /// <summary>Longest Message-ID kept as is; a longer one is replaced by its hash so the id column stays bounded.</summary>
    private const int MaxIdLength = 400;

    /// <param name="message">The message, or its headers with only its text part for an e-mail over the size limit.</param>
    /// <param name="limits">How much of the attachments is kept.</param>
    /// <param name="notRead">The attachments when the message's own parts do not carry them (an e-mail read in part), none kept.</param>
    /// <param name="note">A line added to the text, saying what was left out.</param>
    public static EmailContent Read(MimeMessage message, AttachmentLimits limits, IReadOnlyList<InboundAttachment>? notRead = null, string? note = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(limits);
        var from = message.From.Mailboxes.FirstOrDefault() ?? message.Sender ?? message.ReplyTo.Mailboxes.FirstOrDefault();
        var handle = from?.Address is { Length: > 0 } address ? address : "unknown sender";
        var name = string.IsNullOrWhiteSpace(from?.Name) ? null : from.Name.Trim();
        var subject = string.IsNullOrWhiteSpace(message.Subject) ? null : message.Subject.Trim();
        var date = message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date.UtcDateTime : (DateTime?)null;

        var body = !string.IsNullOrWhiteSpace(message.TextBody) ? message.TextBody
            : message.HtmlBody is { } html ? HtmlText.ToPlainText(html)
            : Unstructured(message.Body);
        var text = EmailQuotes.Trim(body);
        var attachments = notRead ?? Attachments(message, limits);
        var extra = new StringBuilder();
        // Kept files show as downloads beside the text; the others are only named there, with why. An e-mail with no
        // text of its own (a photo sent alone) names all its files, so it never reads blank in the inbox.
        var named = text.Length == 0 ? attachments : attachments.Where(a => a.NotKeptReason is not null).ToList();
        if (named.Count > 0)
        {
            extra.AppendJoin('\n', named.Select(a =>
                $"📎 {AttachmentFiles.CleanName(a.FileName)} ({Size(a.Size)}{(a.NotKeptReason is null ? "" : ", " + a.NotKeptReason)})"));
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
        return new EmailContent(externalId, thread, inReplyTo, handle, name, subject, text, date, SkipReason(message, from), attachments);
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

    /// <summary>
    /// The files of the e-mail: its attachments and its inline images (parts with a Content-ID that are not the text
    /// itself), kept while each is within <see cref="AttachmentLimits.MaxBytes"/> and all together within
    /// <see cref="AttachmentLimits.MaxBytesPerMessage"/>. Sizes are measured before anything is copied.
    /// </summary>
    private static List<InboundAttachment> Attachments(MimeMessage message, AttachmentLimits limits)
    {
        var files = new List<InboundAttachment>();
        long kept = 0;
        foreach (var entity in message.BodyParts)
        {
            // An inline image is referenced from the HTML by its Content-ID; the text parts are the message itself.
            var inline = entity is MimePart { ContentId.Length: > 0 } and not TextPart;
            if (!entity.IsAttachment && !inline)
            {
                continue;
            }
            var type = entity.ContentType.MimeType;
            var name = entity switch
            {
                MimePart part when !string.IsNullOrWhiteSpace(part.FileName) => part.FileName,
                MessagePart => entity.ContentType.Name ?? "message.eml",
                _ => "attachment" + (MimeTypes.TryGetExtension(type, out var extension) ? extension : ""),
            };
            try
            {
                var size = Measure(entity);
                var reason = size > limits.MaxBytes ? $"not kept: too large (over {Size(limits.MaxBytes)})"
                    : kept + size > limits.MaxBytesPerMessage ? $"not kept: the e-mail's files are over {Size(limits.MaxBytesPerMessage)} together"
                    : null;
                if (reason is not null)
                {
                    files.Add(new InboundAttachment(name, type, size, null, reason));
                    continue;
                }
                using var buffer = new MemoryStream((int)size);
                WriteTo(entity, buffer);
                kept += size;
                // Sized exactly, so its buffer is the file: no second copy of up to the per-file limit.
                files.Add(new InboundAttachment(name, type, size, buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray()));
            }
            catch (Exception e) when (e is FormatException or ParseException or IOException)
            {
                files.Add(new InboundAttachment(name, type, 0, null, "not kept: its encoding could not be read"));
            }
        }
        return files;
    }

    private static long Measure(MimeEntity entity)
    {
        using var measure = new MeasuringStream();
        WriteTo(entity, measure);
        return measure.Length;
    }

    /// <summary>The file as the sender attached it: decoded from base64 or quoted-printable; an attached e-mail as its MIME text.</summary>
    private static void WriteTo(MimeEntity entity, Stream stream)
    {
        if (entity is MimePart { Content: { } content })
        {
            content.DecodeTo(stream);
        }
        else if (entity is MessagePart { Message: { } inner })
        {
            inner.WriteTo(stream);
        }
    }

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
    };

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
