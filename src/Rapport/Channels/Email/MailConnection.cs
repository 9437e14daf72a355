using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

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
            throw new MailException($"The channel has no {protocol} server: set it in the channel's settings.", transient: false);
        }
        client.Timeout = (int)timeout.TotalMilliseconds;
        using var deadline = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var where = $"{protocol} server {host}:{port}";
        try
        {
            await client.ConnectAsync(host.Trim(), port, EmailChannelSettings.ToSocketOptions(security), linked.Token);
            // An SMTP server that offers no sign-in (a relay for the local network) is used without one.
            var signIn = !string.IsNullOrWhiteSpace(user) && (client is not SmtpClient smtp || smtp.Capabilities.HasFlag(SmtpCapabilities.Authentication));
            if (signIn)
            {
                if (string.IsNullOrEmpty(password))
                {
                    throw new MailException($"The channel has no password for {user} on the {where}: set the \"password\" secret.", transient: false);
                }
                await client.AuthenticateAsync(user!.Trim(), password, linked.Token);
            }
        }
        catch (Exception e) when (Describe(e, where, timeout, ct) is { } described)
        {
            throw described;
        }
    }

    /// <summary>The sentence for an exception of a mail connection, or null when it is not one (a bug, a stop).</summary>
    public static MailException? Describe(Exception e, string where, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            MailException known => known,
            OperationCanceledException when !ct.IsCancellationRequested =>
                new($"The {where} did not answer within {timeout.TotalSeconds:0} seconds.", transient: true, e),
            TimeoutException => new($"The {where} did not answer within {timeout.TotalSeconds:0} seconds.", transient: true, e),
            AuthenticationException => new($"The {where} refused the user name or password: check them in the channel's settings.", transient: false, e),
            SslHandshakeException => new($"The secure connection to the {where} failed: check the TLS mode (None, StartTls or SslOnConnect) and the port, and that the server's certificate is valid.", transient: false, e),
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                new($"Could not connect to the {where}: the connection was refused (is the server up, and is the port right?).", transient: true, e),
            SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } =>
                new($"The {where} could not be found: check the host name.", transient: true, e),
            SocketException socket => new($"Could not connect to the {where}: {socket.Message}", transient: true, e),
            NotSupportedException when e.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase) =>
                new($"The {where} does not offer STARTTLS: choose SslOnConnect or None as its TLS mode.", transient: false, e),
            SmtpCommandException smtp => new($"The {where} answered {(int)smtp.StatusCode}: {smtp.Message}", transient: (int)smtp.StatusCode < 500, e),
            CommandException command => new($"The {where} refused a command: {command.Message}", transient: false, e),
            ProtocolException protocol => new($"The {where} broke off the conversation: {protocol.Message}", transient: true, e),
            IOException io => new($"The connection to the {where} broke: {io.Message}", transient: true, e),
            _ => null,
        };
    }
}
