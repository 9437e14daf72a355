using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;
using Rapport.Ingest;

namespace Rapport.Conversations.Attachments;

/// <summary>
/// A file that came with a message (an e-mail attachment or inline image), kept byte for byte in the database so it
/// survives the mailbox being emptied. One over the size limits is listed without its content, with the reason.
/// </summary>
public sealed class MessageAttachment : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid MessageId { get; set; }
    /// <summary>Where the file came in the message, from 0: the order the sender attached them in.</summary>
    public int Position { get; set; }
    /// <summary>The sender's file name without path parts or control characters (<see cref="AttachmentFiles.CleanName"/>).</summary>
    public required string FileName { get; set; }
    /// <summary>The type the sender declared, for display only: downloads choose their own (<see cref="AttachmentFiles.ServedContentType"/>).</summary>
    public required string ContentType { get; set; }
    public long Size { get; set; }
    /// <summary>The decoded bytes; null when the file was not kept.</summary>
    public byte[]? Content { get; set; }
    /// <summary>Why the file was not kept ("too large"…), or null when it was.</summary>
    public string? NotKeptReason { get; set; }
}

internal sealed class MessageAttachmentConfiguration : IEntityTypeConfiguration<MessageAttachment>
{
    public void Configure(EntityTypeBuilder<MessageAttachment> builder)
    {
        builder.Property(a => a.FileName).HasMaxLength(AttachmentFiles.MaxNameLength);
        builder.Property(a => a.ContentType).HasMaxLength(AttachmentFiles.MaxContentTypeLength);
        builder.Property(a => a.NotKeptReason).HasMaxLength(200);
        builder.HasOne<Message>().WithMany(m => m.Attachments).HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>A message's attachment as the API and the conversation page list it; <c>kept</c> false means no download.</summary>
public sealed record AttachmentDto(Guid Id, string FileName, string ContentType, long Size, bool Kept, string? NotKeptReason);

/// <summary>How attachments are named, typed and stored: the sender chooses none of it unchecked.</summary>
public static class AttachmentFiles
{
    public const int MaxNameLength = 255;
    public const int MaxContentTypeLength = 127;

    /// <summary>
    /// Types a browser may be told as they are: images it only displays and PDF. Anything else (HTML, SVG, scripts,
    /// unknown) is served as application/octet-stream, so no attachment ever runs in Rapport's origin.
    /// </summary>
    private static readonly HashSet<string> SafeTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
    };

    /// <summary>Characters no file system takes in a name, on top of control and invisible formatting characters.</summary>
    private static readonly SearchValues<char> Forbidden = SearchValues.Create("<>:\"/\\|?*");

    /// <summary>The type a download is served as: the declared one when it is a safe image or PDF, else octet-stream.</summary>
    public static string ServedContentType(string? declared) =>
        declared is not null && SafeTypes.Contains(declared.Trim()) ? declared.Trim().ToLowerInvariant() : "application/octet-stream";

    /// <summary>
    /// The last path segment of the sender's name ("../../etc/passwd" is "passwd"), in NFC, without control
    /// characters, invisible formatting (a right-to-left override that makes "exe.pdf" look like "fdp.exe"), or
    /// characters file systems refuse; never empty, never only dots, at most <see cref="MaxNameLength"/> characters
    /// with its extension kept.
    /// </summary>
    public static string CleanName(string? name)
    {
        var text = (name ?? "").Normalize(NormalizationForm.FormC);
        var last = text.LastIndexOfAny(['/', '\\']);
        if (last >= 0)
        {
            text = text[(last + 1)..];
        }
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                continue;
            }
            if (rune.IsBmp && Forbidden.Contains((char)rune.Value))
            {
                builder.Append('_');
                continue;
            }
            builder.Append(Rune.IsWhiteSpace(rune) ? " " : rune.ToString());
        }
        var cleaned = builder.ToString().Trim().Trim('.').Trim();
        if (cleaned.Length == 0)
        {
            return "attachment";
        }
        if (cleaned.Length > MaxNameLength)
        {
            var extension = Path.GetExtension(cleaned);
            extension = extension.Length is > 0 and <= 16 ? extension : "";
            cleaned = Truncate(cleaned[..^extension.Length], MaxNameLength - extension.Length) + extension;
        }
        return cleaned;
    }

    /// <summary>The declared type as "type/subtype" in lower case, or octet-stream when it is missing or malformed.</summary>
    public static string CleanContentType(string? contentType)
    {
        var type = (contentType ?? "").Split(';', 2)[0].Trim().ToLowerInvariant();
        return type.Length is > 2 and <= MaxContentTypeLength && type.Count(c => c == '/') == 1 && type.All(c => c > ' ' && c < 127)
            ? type
            : "application/octet-stream";
    }

    /// <summary>The message's attachments as stored: kept ones with their bytes, the others with why not.</summary>
    public static void AddTo(Message message, Guid workspaceId, IReadOnlyList<InboundAttachment> attachments)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(attachments);
        foreach (var (position, a) in attachments.Index())
        {
            var kept = a.Content is not null && a.NotKeptReason is null;
            message.Attachments.Add(new MessageAttachment
            {
                WorkspaceId = workspaceId,
                MessageId = message.Id,
                Position = position,
                FileName = CleanName(a.FileName),
                ContentType = CleanContentType(a.ContentType),
                Size = kept ? a.Content!.LongLength : Math.Max(0, a.Size),
                Content = kept ? a.Content : null,
                NotKeptReason = kept ? null : Truncate(a.NotKeptReason ?? "not kept", 200),
            });
        }
    }

    /// <summary>Cut at <paramref name="length"/> without splitting a surrogate pair.</summary>
    private static string Truncate(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }
        var cut = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..cut];
    }
}
