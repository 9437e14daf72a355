using System.Globalization;
using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Rapport.Notifications;

/// <summary>
/// The SMTP server Rapport sends its own e-mails through (the weekly digest), to members rather than customers: a
/// channel's mailbox answers customers, this one speaks for the app. Nothing is sent until <see cref="Host"/> and
/// <see cref="From"/> are set.
/// </summary>
public sealed class MailOptions
{
    public const string Section = "Rapport:Mail";

    /// <summary>The SMTP server's name or address.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>None, StartTls, StartTlsWhenAvailable, SslOnConnect or Auto (MailKit's names).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    /// <summary>Left empty when the server takes mail without signing in (a local relay).</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender's address, e.g. rapport@brand.example.</summary>
    public string? From { get; set; }

    public string FromName { get; set; } = "Rapport";

    /// <summary>The address members reach the app at, for links in e-mails; the survey's public address when not set.</summary>
    public Uri? AppUrl { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host) && !string.IsNullOrWhiteSpace(From);
}

/// <summary>Sends Rapport's own e-mails through <see cref="MailOptions"/>' server with MailKit.</summary>
public sealed class SystemMail(IOptions<MailOptions> options, IOptions<Satisfaction.SurveyOptions> surveys)
{
    public bool IsConfigured => options.Value.IsConfigured;

    /// <summary>Where a member opens a page of the app: the configured address, else the survey's public one.</summary>
    public Uri AppUrl(string path) => new(options.Value.AppUrl ?? surveys.Value.PublicUrl, path);

    /// <summary>Runs <paramref name="say"/> in a member's language ("fr…" or English), so every word and value of the e-mail is in it.</summary>
    public static T InLanguage<T>(string? culture, Func<T> say)
    {
        ArgumentNullException.ThrowIfNull(say);
        var (c, ui) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture =
            CultureInfo.GetCultureInfo(culture?.StartsWith("fr", StringComparison.OrdinalIgnoreCase) == true ? "fr-FR" : "en-GB");
        try
        {
            return say();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (c, ui);
        }
    }

    /// <summary>The frame of every HTML e-mail, in the current language, around <paramref name="body"/> (already encoded).</summary>
    public static string HtmlDocument(string subject, string body) =>
        $"<!DOCTYPE html><html lang=\"{CultureInfo.CurrentUICulture.TwoLetterISOLanguageName}\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(subject)}</title></head>"
        + $"<body style=\"font-family:sans-serif;color:#1f2933;max-width:640px\">{body}</body></html>";

    /// <summary>One e-mail to one address, as text and HTML; the sender is set when it is sent.</summary>
    public static MimeMessage Message(string to, string subject, string text, string html)
    {
        var message = new MimeMessage { Subject = subject };
        message.To.Add(MailboxAddress.Parse(to));
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }

    /// <summary>Sends one e-mail from the configured sender; throws when the server refuses it or cannot be reached.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var o = options.Value;
        if (o is not { Host: { Length: > 0 } host, From: { Length: > 0 } from })
        {
            throw new InvalidOperationException($"No server for Rapport's e-mails: set {MailOptions.Section}:Host and {MailOptions.Section}:From.");
        }
        message.From.Clear();
        message.From.Add(new MailboxAddress(o.FromName, from));
        using var client = new SmtpClient { Timeout = (int)o.Timeout.TotalMilliseconds };
        await client.ConnectAsync(host, o.Port, o.Security, ct);
        if (!string.IsNullOrEmpty(o.User))
        {
            await client.AuthenticateAsync(o.User, o.Password ?? "", ct);
        }
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
    }
}
