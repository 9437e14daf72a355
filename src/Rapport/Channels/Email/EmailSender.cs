using System.Text;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Resources;

namespace Rapport.Channels.Email;

/// <summary>
/// Delivers replies of e-mail channels over SMTP, threaded the way mail clients expect: "Re: subject",
/// In-Reply-To the customer's last e-mail, References from the thread's first e-mail. The Message-ID comes from
/// the outbox item's idempotency key, so a reply sent again after a crash carries the same Message-ID (clients
/// show it once) and becomes the reply's external id, which threads the customer's answer to it.
/// </summary>
public sealed partial class EmailSender(RapportDbContextFactory factory, ChannelSecrets secrets, IOptions<EmailOptions> options) : IChannelSender
{
    public async Task<SendOutcome> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (EmailChannelSettings.Problem(delivery.Channel.Settings) is { } problem)
        {
            return SendOutcome.Failed(problem);
        }
        var settings = EmailChannelSettings.Read(delivery.Channel.Settings);
        var from = FromAddress(settings);
        if (from is null)
        {
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.NoFromAddress"));
        }
        var payload = ReplyPayload.Of(delivery.Item);
        var to = await RecipientAsync(delivery, cancellationToken);
        if (to is null)
        {
            return SendOutcome.Failed(StoredText.English("Stored.Delivery.NoCustomerAddress"));
        }

        var messageId = $"{delivery.Item.IdempotencyKey}@{from.Domain}";
        var message = new MimeMessage
        {
            MessageId = messageId,
            Subject = ReplySubject(payload.Subject),
            Date = new DateTimeOffset(delivery.Now),
        };
        message.From.Add(new MailboxAddress(string.IsNullOrWhiteSpace(settings.FromName) ? delivery.Channel.Name : settings.FromName.Trim(), from.Address));
        message.To.Add(to);
        if (payload.InReplyToExternalId is { } parent && LooksLikeMessageId(parent))
        {
            message.InReplyTo = parent;
        }
        foreach (var reference in new[] { payload.ThreadId, payload.InReplyToExternalId }.OfType<string>().Where(LooksLikeMessageId).Distinct(StringComparer.Ordinal))
        {
            message.References.Add(reference);
        }
        var body = new TextPart("plain");
        body.SetText(Encoding.UTF8, payload.Text);
        message.Body = body;

        using var client = new SmtpClient();
        try
        {
            await ConnectAsync(client, settings, secrets.Unprotect(delivery.Channel.ProtectedSecrets), options.Value.Timeout, cancellationToken);
            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return SendOutcome.Sent(messageId);
        }
        catch (Exception e) when (MailConnection.Describe(e, SmtpWhere(settings), options.Value.Timeout, cancellationToken) is { } described)
        {
            // 4xx, a refused or broken connection, a timeout: the outbox tries again. 5xx and settings to fix: failed, with the reason.
            return described.Transient ? SendOutcome.Retry(described.Message) : SendOutcome.Failed(described.Message);
        }
    }

    internal static Task ConnectAsync(SmtpClient client, EmailChannelSettings settings, IReadOnlyDictionary<string, string> channelSecrets, TimeSpan timeout, CancellationToken ct)
    {
        var user = string.IsNullOrWhiteSpace(settings.SmtpUsername) ? settings.Username : settings.SmtpUsername;
        var password = channelSecrets.GetValueOrDefault(EmailChannelSettings.SmtpPasswordSecret) ?? channelSecrets.GetValueOrDefault(EmailChannelSettings.PasswordSecret);
        return MailConnection.ConnectAsync(client, "SMTP", settings.SmtpHost, settings.SmtpPortOrDefault, settings.SmtpTls, user, password, timeout, ct);
    }

    internal static string SmtpWhere(EmailChannelSettings settings) => MailConnection.Where("SMTP", settings.SmtpHost, settings.SmtpPortOrDefault);

    /// <summary>"Re: " once: a subject that already starts with a reply prefix (Re, RE, Aw, Sv, TR…) keeps it.</summary>
    internal static string ReplySubject(string? subject)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return "Re:";
        }
        var trimmed = subject.Trim();
        return ReplyPrefix().IsMatch(trimmed) ? trimmed : "Re: " + trimmed;
    }

    private static MailboxAddress? FromAddress(EmailChannelSettings settings)
    {
        var address = !string.IsNullOrWhiteSpace(settings.FromAddress) ? settings.FromAddress : settings.Username;
        return MailboxAddress.TryParse(address?.Trim(), out var mailbox) && mailbox.Address.Contains('@', StringComparison.Ordinal) ? mailbox : null;
    }

    /// <summary>The customer's address on this channel (the handle their e-mails came from), else their contact e-mail.</summary>
    private async Task<MailboxAddress?> RecipientAsync(OutboundDelivery delivery, CancellationToken ct)
    {
        await using var db = factory.CreateDbContext();
        var contactId = delivery.Conversation.ContactId;
        var handle = await db.ContactIdentities.IgnoreQueryFilters()
            .Where(i => i.ContactId == contactId && i.ChannelId == delivery.Channel.Id)
            .Select(i => new { i.Handle, i.DisplayName })
            .FirstOrDefaultAsync(ct);
        var contact = await db.Contacts.IgnoreQueryFilters().Where(c => c.Id == contactId).Select(c => new { c.Email, c.DisplayName }).FirstOrDefaultAsync(ct);
        var address = handle?.Handle is { } h && h.Contains('@', StringComparison.Ordinal) ? h : contact?.Email;
        return MailboxAddress.TryParse(address, out var mailbox)
            ? new MailboxAddress(handle?.DisplayName ?? contact?.DisplayName ?? "", mailbox.Address)
            : null;
    }

    /// <summary>Ids Rapport made up for e-mails without a Message-ID mean nothing to mail clients.</summary>
    private static bool LooksLikeMessageId(string id) => id.Contains('@', StringComparison.Ordinal) && !id.StartsWith("sha256:", StringComparison.Ordinal);

    [GeneratedRegex(@"^(re|aw|sv|tr|réf|ref)\s?(\[\d+\])?\s?:", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ReplyPrefix();
}
