using System.Text.Json;
using System.Text.Json.Serialization;
using MailKit.Security;

namespace Rapport.Channels.Email;

/// <summary>How a connection to a mail server is secured.</summary>
public enum MailSecurity
{
    /// <summary>Plain text: only for a server on the same machine or network.</summary>
    None,
    /// <summary>Connects in plain text, then upgrades with STARTTLS (usually IMAP 143, SMTP 587).</summary>
    StartTls,
    /// <summary>TLS from the first byte (usually IMAP 993, SMTP 465).</summary>
    SslOnConnect,
}

/// <summary>
/// What the user sets on an e-mail channel, kept in <see cref="Channel.Settings"/>. The password is a secret
/// (<c>password</c>, and <c>smtpPassword</c> when the SMTP account differs), never a setting.
/// </summary>
public sealed record EmailChannelSettings
{
    public const string PasswordSecret = "password";
    public const string SmtpPasswordSecret = "smtpPassword";
    public const int DefaultPollMinutes = 2;

    public string? ImapHost { get; init; }
    /// <summary>Default 993 with SslOnConnect, 143 otherwise.</summary>
    public int? ImapPort { get; init; }
    /// <summary>Default SslOnConnect.</summary>
    public MailSecurity? ImapSecurity { get; init; }
    /// <summary>The mailbox's user name, for IMAP and (unless <see cref="SmtpUsername"/> is set) SMTP.</summary>
    public string? Username { get; init; }
    /// <summary>The folder read; default INBOX.</summary>
    public string? Folder { get; init; }
    public int? PollMinutes { get; init; }

    public string? SmtpHost { get; init; }
    /// <summary>Default 465 with SslOnConnect, 587 otherwise.</summary>
    public int? SmtpPort { get; init; }
    /// <summary>Default StartTls.</summary>
    public MailSecurity? SmtpSecurity { get; init; }
    public string? SmtpUsername { get; init; }
    /// <summary>The address replies come from; default the user name when it is an address.</summary>
    public string? FromAddress { get; init; }
    /// <summary>The name shown with it; default the channel's name.</summary>
    public string? FromName { get; init; }

    [JsonIgnore]
    public MailSecurity ImapTls => ImapSecurity ?? MailSecurity.SslOnConnect;

    [JsonIgnore]
    public int ImapPortOrDefault => ImapPort is > 0 and <= 65535 ? ImapPort.Value : ImapTls == MailSecurity.SslOnConnect ? 993 : 143;

    [JsonIgnore]
    public MailSecurity SmtpTls => SmtpSecurity ?? MailSecurity.StartTls;

    [JsonIgnore]
    public int SmtpPortOrDefault => SmtpPort is > 0 and <= 65535 ? SmtpPort.Value : SmtpTls == MailSecurity.SslOnConnect ? 465 : 587;

    [JsonIgnore]
    public string FolderOrInbox => string.IsNullOrWhiteSpace(Folder) ? "INBOX" : Folder.Trim();

    [JsonIgnore]
    public TimeSpan PollEvery => TimeSpan.FromMinutes(PollMinutes is > 0 ? PollMinutes.Value : DefaultPollMinutes);

    public static EmailChannelSettings Read(string? json) => ChannelJson.Read<EmailChannelSettings>(json) ?? new EmailChannelSettings();

    /// <summary>Why the settings cannot be read (a port that is not a number, an unknown TLS mode), or null.</summary>
    public static string? Problem(string? json)
    {
        try
        {
            JsonSerializer.Deserialize<EmailChannelSettings>(string.IsNullOrWhiteSpace(json) ? "{}" : json, ChannelJson.Options);
            return null;
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 2 } path ? $" at \"{path[2..]}\"" : "";
            return $"The channel's e-mail settings could not be read{where}: ports are numbers and the TLS modes are None, StartTls or SslOnConnect.";
        }
    }

    public static SecureSocketOptions ToSocketOptions(MailSecurity security) => security switch
    {
        MailSecurity.None => SecureSocketOptions.None,
        MailSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.SslOnConnect,
    };
}

/// <summary>
/// What the poller remembers, kept in <see cref="Channel.State"/>: the folder's UIDVALIDITY and the last UID read.
/// A different UIDVALIDITY (the folder was recreated) means UIDs start over: the folder is read again from the
/// start and ingest's Message-ID deduplication keeps what was already stored from coming in twice.
/// </summary>
public sealed record EmailChannelState
{
    /// <summary>The folder these numbers belong to.</summary>
    public string? Folder { get; init; }
    public uint UidValidity { get; init; }
    public uint LastUid { get; init; }

    public static EmailChannelState Read(string? json) => ChannelJson.Read<EmailChannelState>(json) ?? new EmailChannelState();

    public string Write() => JsonSerializer.Serialize(this, ChannelJson.Options);
}
