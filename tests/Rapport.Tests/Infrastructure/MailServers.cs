using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MimeKit;

namespace Rapport.Tests.Infrastructure;

/// <summary>
/// The throwaway dovecot (IMAP) and OpenSMTPD (SMTP) that ./test.sh starts with tests/mail/mail-servers.sh: one
/// mailbox; SMTP delivers every address at example.test into its INBOX and refuses other domains with 550.
/// Each test reads its own folder so tests running side by side never see each other's e-mails.
/// </summary>
public static class MailServers
{
    public static (string Host, int Port) Imap => Endpoint("RAPPORT_TEST_IMAP");

    public static (string Host, int Port) Smtp => Endpoint("RAPPORT_TEST_SMTP");

    public static string User => Environment.GetEnvironmentVariable("RAPPORT_TEST_MAIL_USER") is { Length: > 0 } user ? user : throw NotSet("RAPPORT_TEST_MAIL_USER");

    public static string Password => Environment.GetEnvironmentVariable("RAPPORT_TEST_MAIL_PASSWORD") is { Length: > 0 } password ? password : throw NotSet("RAPPORT_TEST_MAIL_PASSWORD");

    private static (string, int) Endpoint(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(value))
        {
            throw NotSet(variable);
        }
        var colon = value.LastIndexOf(':');
        return (value[..colon], int.Parse(value[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static InvalidOperationException NotSet(string variable) => new(
        $"{variable} is not set. Run the tests with ./test.sh, which starts throwaway IMAP and SMTP servers, or start them with " +
        "`eval \"$(tests/mail/mail-servers.sh start $(mktemp -d))\"` (as root, with dovecot-imapd and opensmtpd installed).");

    public static async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        var (host, port) = Imap;
        await client.ConnectAsync(host, port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(User, Password);
        return client;
    }

    /// <summary>A new, empty folder of the test mailbox.</summary>
    public static async Task<string> NewFolderAsync()
    {
        using var client = await ConnectAsync();
        var name = "test-" + Guid.NewGuid().ToString("N")[..12];
        await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync(name, isMessageFolder: true);
        await client.DisconnectAsync(true);
        return name;
    }

    /// <summary>Puts e-mails into a folder as a mail server would have delivered them.</summary>
    public static async Task AppendAsync(string folderName, params MimeMessage[] messages)
    {
        using var client = await ConnectAsync();
        var folder = await client.GetFolderAsync(folderName);
        foreach (var message in messages)
        {
            await folder.AppendAsync(new AppendRequest(message));
        }
        await client.DisconnectAsync(true);
    }

    public static MimeMessage Parse(string raw) => MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(raw.ReplaceLineEndings("\r\n"))));

    /// <summary>The e-mail with this Message-ID once SMTP has delivered it to the INBOX, waiting for the delivery.</summary>
    public static Task<MimeMessage> WaitForDeliveryAsync(string messageId) =>
        WaitForAsync(SearchQuery.HeaderContains("Message-ID", messageId), $"<{messageId}>");

    /// <summary>The first e-mail of the INBOX that matches, once SMTP has delivered one, waiting for the delivery.</summary>
    public static async Task<MimeMessage> WaitForAsync(SearchQuery query, string what)
    {
        using var client = await ConnectAsync();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var found = await client.Inbox.SearchAsync(query);
            if (found.Count > 0)
            {
                return await client.Inbox.GetMessageAsync(found[0]);
            }
            await client.Inbox.CloseAsync();
            await Task.Delay(100);
        }
        throw new TimeoutException($"No e-mail {what} reached the INBOX.");
    }

    /// <summary>A loopback port nothing listens on.</summary>
    public static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
