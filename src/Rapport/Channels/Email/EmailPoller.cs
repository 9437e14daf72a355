using System.Text;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Resources;

namespace Rapport.Channels.Email;

/// <summary>An e-mail the poller read and did not ingest, with the reason.</summary>
public sealed record EmailSkipped(uint Uid, string? MessageId, string Reason);

/// <summary>What one poll of an e-mail channel did.</summary>
/// <param name="ChannelId">The e-mail channel polled.</param>
/// <param name="Ok">The poll succeeded (or the channel is paused).</param>
/// <param name="Ingested">New messages stored.</param>
/// <param name="Skipped">E-mails left out on purpose (auto-replies, bounces, unreadable MIME), with the reason.</param>
/// <param name="Error">Why the poll failed, also stored on the channel as its last error.</param>
public sealed record EmailPollResult(Guid ChannelId, bool Ok, int Ingested, IReadOnlyList<EmailSkipped> Skipped, string? Error);

/// <summary>
/// Reads an e-mail channel's folder over IMAP: the messages whose UID is above the last one read (per
/// UIDVALIDITY), through the one ingest path, oldest first. The mailbox is opened read-only, so Rapport never
/// marks, moves or deletes anything there. Health (last poll, last error) is recorded either way.
/// </summary>
public sealed partial class EmailPoller(
    IngestService ingest,
    RapportDbContextFactory factory,
    ChannelSecrets secrets,
    IOptions<EmailOptions> options,
    TimeProvider clock,
    ILogger<EmailPoller> logger)
{
    /// <summary>Largest raw message kept verbatim on the message; above it, only its headers are.</summary>
    private const int MaxRawPayloadBytes = 256 * 1024;

    /// <summary>Largest text part fetched from an e-mail over the size limit.</summary>
    private const int MaxOversizedTextBytes = 1024 * 1024;

    private readonly EmailOptions limits = options.Value;

    /// <summary>Polls the channel's mailbox now, whenever it was last polled. A paused channel is left alone.</summary>
    public async Task<EmailPollResult> PollAsync(Guid channelId, CancellationToken ct = default)
    {
        await using var db = factory.CreateDbContext();
        var channel = await db.Channels.IgnoreQueryFilters().FirstOrDefaultAsync(c => c.Id == channelId, ct)
            ?? throw new ArgumentException($"No channel {channelId}.", nameof(channelId));
        if (channel.Kind != ChannelKind.Email)
        {
            throw new ArgumentException($"Channel {channelId} is a {channel.Kind} channel, not an e-mail one.", nameof(channelId));
        }
        // A sandbox (demo) channel has no network to read: polling it now does nothing, and shows no error.
        if (channel.Paused || channel.Sandbox)
        {
            return new EmailPollResult(channelId, Ok: true, 0, [], null);
        }

        var settings = EmailChannelSettings.Read(channel.Settings);
        var state = EmailChannelState.Read(channel.State);
        var ingested = 0;
        var notKept = 0;
        var skipped = new List<EmailSkipped>();
        try
        {
            using var client = new ImapClient();
            var folder = await OpenAsync(client, channel, ct);
            if (state.Folder != settings.FolderOrInbox || state.UidValidity != folder.UidValidity)
            {
                // Another folder, or the same one recreated: its UIDs start over. Ingest skips what is already stored.
                state = new EmailChannelState { Folder = settings.FolderOrInbox, UidValidity = folder.UidValidity, LastUid = 0 };
            }
            // "n:*" also returns the last message when its UID is below n, hence the filter.
            var summaries = (await folder.FetchAsync(new UniqueIdRange(new UniqueId(state.LastUid + 1), UniqueId.MaxValue),
                    MessageSummaryItems.UniqueId | MessageSummaryItems.Size, ct))
                .Where(s => s.UniqueId.Id > state.LastUid)
                .OrderBy(s => s.UniqueId.Id)
                .Take(limits.MaxMessagesPerPoll)
                .ToList();
            await using var ingestDb = factory.CreateDbContext();
            foreach (var summary in summaries)
            {
                var (item, skip) = await ReadAsync(folder, summary, channel.Id, ct);
                if (skip is not null)
                {
                    LogSkipped(logger, channelId, summary.UniqueId.Id, skip.Reason);
                    skipped.Add(skip);
                }
                else if (item is not null)
                {
                    var result = await ingest.IngestAsync(ingestDb, channel.WorkspaceId, item, ct);
                    if (result.Created)
                    {
                        ingested++;
                        notKept += item.Attachments.Count(a => a.NotKeptReason is not null);
                    }
                }
                // Remembered as it goes, so a connection lost halfway keeps what was read.
                state = state with { LastUid = summary.UniqueId.Id };
            }
            await client.DisconnectAsync(quit: true, ct);

            channel.State = state.Write();
            channel.LastPolledAt = clock.GetUtcNow().UtcDateTime;
            channel.LastError = null;
            channel.LastErrorAt = null;
            await db.SaveChangesAsync(ct);
            if (notKept > 0)
            {
                LogAttachmentsNotKept(logger, channelId, notKept);
            }
            return new EmailPollResult(channelId, Ok: true, ingested, skipped, null);
        }
        catch (Exception e) when (MailConnection.Describe(e, ImapWhere(settings), limits.Timeout, ct) is { } described)
        {
            LogFailed(logger, channelId, described.Message);
            await RecordErrorAsync(db, channel, state, described.Message);
            return new EmailPollResult(channelId, Ok: false, ingested, skipped, described.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not the mailbox's fault (the database, most likely): still shown on the channel, and the next poll goes on from there.
            LogNotStored(logger, channelId, e);
            const string message = "Rapport could not store this mailbox's e-mails; the server log has the details. It will try again at the next poll.";
            await RecordErrorAsync(db, channel, state, message);
            return new EmailPollResult(channelId, Ok: false, ingested, skipped, message);
        }
    }

    /// <summary>Signs in to the IMAP server (and the SMTP server, when one is set) without reading or sending anything.</summary>
    public async Task<ChannelTestResult> TestAsync(Channel channel, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var settings = EmailChannelSettings.Read(channel.Settings);
        var where = ImapWhere(settings);
        try
        {
            string detail;
            var (imap, folderName, count) = (where, "", 0);
            using (var client = new ImapClient())
            {
                var folder = await OpenAsync(client, channel, ct);
                (folderName, count) = (folder.FullName, folder.Count);
                detail = StoredText.English("Stored.Test.Mailbox", where, folderName, count);
                await client.DisconnectAsync(quit: true, ct);
            }
            if (!string.IsNullOrWhiteSpace(settings.SmtpHost))
            {
                where = EmailSender.SmtpWhere(settings);
                using var smtp = new MailKit.Net.Smtp.SmtpClient();
                await EmailSender.ConnectAsync(smtp, settings, secrets.Unprotect(channel.ProtectedSecrets), limits.Timeout, ct);
                await smtp.DisconnectAsync(quit: true, ct);
                detail = StoredText.English("Stored.Test.MailboxAndSmtp", imap, folderName, count, where);
            }
            return new ChannelTestResult(true, detail, null);
        }
        catch (Exception e) when (MailConnection.Describe(e, where, limits.Timeout, ct) is { } described)
        {
            return new ChannelTestResult(false, null, described.Message);
        }
    }

    /// <summary>Connects, signs in and opens the channel's folder read-only.</summary>
    internal async Task<IMailFolder> OpenAsync(ImapClient client, Channel channel, CancellationToken ct)
    {
        if (EmailChannelSettings.Problem(channel.Settings) is { } problem)
        {
            throw new MailException(problem, transient: false);
        }
        var settings = EmailChannelSettings.Read(channel.Settings);
        var protectedSecrets = channel.ProtectedSecrets;
        var password = secrets.Unprotect(protectedSecrets).GetValueOrDefault(EmailChannelSettings.PasswordSecret);
        await MailConnection.ConnectAsync(client, "IMAP", settings.ImapHost, settings.ImapPortOrDefault, settings.ImapTls,
            settings.Username, password, limits.Timeout, ct);
        IMailFolder folder;
        try
        {
            folder = string.Equals(settings.FolderOrInbox, "INBOX", StringComparison.OrdinalIgnoreCase)
                ? client.Inbox
                : await client.GetFolderAsync(settings.FolderOrInbox, ct);
        }
        catch (FolderNotFoundException e)
        {
            throw new MailException($"The folder \"{settings.FolderOrInbox}\" does not exist in this mailbox: check the channel's folder setting.", transient: false, e);
        }
        // Read-only: fetching uses BODY.PEEK, so nothing is marked as read on the server either.
        await folder.OpenAsync(FolderAccess.ReadOnly, ct);
        return folder;
    }

    /// <summary>Fetches one e-mail and translates it; an e-mail over the size limit is read in part, never whole.</summary>
    private async Task<(InboundItem? Item, EmailSkipped? Skip)> ReadAsync(IMailFolder folder, IMessageSummary summary, Guid channelId, CancellationToken ct)
    {
        var uid = summary.UniqueId;
        MimeMessage message;
        string raw;
        IReadOnlyList<InboundAttachment>? attachments = null;
        string? note = null;
        try
        {
            if (summary.Size is { } size && size > limits.MaxMessageBytes)
            {
                (message, attachments) = await ReadOversizedAsync(folder, uid, ct);
                note = $"[This e-mail is {EmailReader.Size(size)}, over the {EmailReader.Size(limits.MaxMessageBytes)} Rapport reads: only its text was read; the attachments stay in the mailbox.]";
                raw = HeaderText(message);
            }
            else
            {
                message = await folder.GetMessageAsync(uid, ct);
                raw = Raw(message);
            }
        }
        catch (Exception e) when (e is ParseException or FormatException)
        {
            return (null, new EmailSkipped(uid.Id, null, $"unreadable MIME ({e.Message}); the e-mail stays in the mailbox"));
        }

        var content = EmailReader.Read(message, new AttachmentLimits(limits.MaxAttachmentBytes, limits.MaxAttachmentBytesPerMessage), attachments, note);
        if (content.SkipReason is { } reason)
        {
            return (null, new EmailSkipped(uid.Id, content.ExternalId, reason));
        }
        return (content.ToItem(channelId, raw), null);
    }

    /// <summary>The headers, the text part when it is not huge itself, and the list of attachments from the body structure.</summary>
    private static async Task<(MimeMessage Message, IReadOnlyList<InboundAttachment> Attachments)> ReadOversizedAsync(IMailFolder folder, UniqueId uid, CancellationToken ct)
    {
        var headers = await folder.GetHeadersAsync(uid, ct);
        var message = new MimeMessage();
        message.Headers.Clear();
        foreach (var header in headers)
        {
            message.Headers.Add(header);
        }
        var structure = (await folder.FetchAsync([uid], MessageSummaryItems.BodyStructure, ct)).FirstOrDefault();
        var attachments = structure?.Attachments
            .Select(a => new InboundAttachment(a.FileName ?? "attachment", a.ContentType?.MimeType, (long)a.Octets, null, "not kept: left in the mailbox with the oversized e-mail"))
            .ToList() ?? [];
        var textPart = structure?.TextBody ?? structure?.HtmlBody;
        message.Body = textPart is { Octets: <= MaxOversizedTextBytes }
            ? await folder.GetBodyPartAsync(uid, textPart, ct)
            : new TextPart("plain") { Text = "" };
        return (message, attachments);
    }

    private static string Raw(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);
        // E-mail is mostly 7-bit (quoted-printable, base64); 8-bit bodies read as UTF-8 here, which is what most are.
        return buffer.Length <= MaxRawPayloadBytes
            ? Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)
            : HeaderText(message);
    }

    private static string HeaderText(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.Headers.WriteTo(buffer);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private async Task RecordErrorAsync(RapportDbContext db, Channel channel, EmailChannelState state, string message)
    {
        channel.State = state.Write();
        channel.LastError = message;
        channel.LastErrorAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private static string ImapWhere(EmailChannelSettings settings) => MailConnection.Where("IMAP", settings.ImapHost, settings.ImapPortOrDefault);

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail channel {Channel}: UID {Uid} left out, {Reason}.")]
    private static partial void LogSkipped(ILogger logger, Guid channel, uint uid, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail channel {Channel}: {Count} attachments were over the size limits and not kept.")]
    private static partial void LogAttachmentsNotKept(ILogger logger, Guid channel, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "E-mail channel {Channel} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid channel, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "E-mail channel {Channel}: the e-mails could not be stored.")]
    private static partial void LogNotStored(ILogger logger, Guid channel, Exception e);
}
