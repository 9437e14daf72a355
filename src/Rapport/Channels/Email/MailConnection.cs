using System.Globalization;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Rapport.Resources;

namespace Rapport.Channels.Email;

/// <summary>A mail server's answer or silence, in one plain sentence the channel's settings page can show.</summary>
public sealed class MailException(string message, bool transient, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Worth trying again later (network, timeout, 4xx) rather than a setting to fix.</summary>
    public bool Transient { get; } = transient;
}

/// <summary>Connects and signs in to IMAP and SMTP servers the same way, and says in words what went wrong.</summary>
public static class MailConnection
{
    /// <summary>Connects with the channel's TLS mode and signs in when a user name is set, within <paramref name="timeout"/>.</summary>
    public static async Task ConnectAsync(
        MailService client, string protocol, string? host, int port, MailSecurity security, string? user, string? password, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new MailException(StoredText.English("Stored.Mail.NoServer", protocol), transient: false);
        }
        client.Timeout = (int)timeout.TotalMilliseconds;
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var where = Where(protocol, host, port);
        try
        {
            await client.ConnectAsync(host.Trim(), port, EmailChannelSettings.ToSocketOptions(security), linked.Token);
            // An SMTP server that offers no sign-in (a relay for the local network) is used without one.
            var signIn = !string.IsNullOrWhiteSpace(user) && (client is not SmtpClient smtp || smtp.Capabilities.HasFlag(SmtpCapabilities.Authentication));
            if (signIn)
            {
                if (string.IsNullOrEmpty(password))
                {
                    throw new MailException(StoredText.English("Stored.Mail.NoPassword", user!, where), transient: false);
                }
                await client.AuthenticateAsync(user!.Trim(), password, linked.Token);
            }
        }
        catch (Exception e) when (Describe(e, where, timeout, ct) is { } described)
        {
            throw described;
        }
    }

    /// <summary>"IMAP server mail.example.com:993", as the channel's errors name it (a stored sentence of its own, so it is translated too).</summary>
    public static string Where(string protocol, string? host, int port) => StoredText.English("Stored.Mail.Where", protocol, host?.Trim() ?? "", port);

    /// <summary>The sentence for an exception of a mail connection, or null when it is not one (a bug, a stop).</summary>
    public static MailException? Describe(Exception e, string where, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            MailException known => known,
            OperationCanceledException when !ct.IsCancellationRequested =>
                new(StoredText.English("Stored.Mail.Timeout", where, timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)), transient: true, e),
            TimeoutException => new(StoredText.English("Stored.Mail.Timeout", where, timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)), transient: true, e),
            AuthenticationException => new(StoredText.English("Stored.Mail.WrongCredentials", where), transient: false, e),
            SslHandshakeException => new(StoredText.English("Stored.Mail.Tls", where), transient: false, e),
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                new(StoredText.English("Stored.Mail.Refused", where), transient: true, e),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } =>
                new(StoredText.English("Stored.Mail.NotFound", where), transient: true, e),
            SocketException socket => new(StoredText.English("Stored.Mail.CouldNotConnect", where, socket.Message), transient: true, e),
            NotSupportedException when e.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) =>
                new(StoredText.English("Stored.Mail.NoStartTls", where), transient: false, e),
            SmtpCommandException smtp => new(StoredText.English("Stored.Mail.Answered", where, (int)smtp.StatusCode, smtp.Message), transient: (int)smtp.StatusCode < 500, e),
            CommandException command => new(StoredText.English("Stored.Mail.CommandRefused", where, command.Message), transient: false, e),
            ProtocolException protocol => new(StoredText.English("Stored.Mail.BrokeOff", where, protocol.Message), transient: true, e),
            IOException io => new(StoredText.English("Stored.Mail.ConnectionBroke", where, io.Message), transient: true, e),
            _ => null,
        };
    }
}
