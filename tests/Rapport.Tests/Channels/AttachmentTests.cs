using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Rapport.Api;
using Rapport.Channels;
using Rapport.Channels.Email;
using Rapport.Conversations;
using Rapport.Conversations.Attachments;
using Rapport.Ingest;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>E-mail attachments: read from real multipart MIME, stored byte for byte, listed with the message, downloaded safely.</summary>
public class AttachmentTests
{
    private static readonly AttachmentLimits Roomy = new(MaxBytes: 25 * 1024 * 1024, MaxBytesPerMessage: 50 * 1024 * 1024);

    /// <summary>Every byte value, so no charset or line-ending conversion can go unnoticed.</summary>
    private static readonly byte[] Binary = [.. Enumerable.Range(0, 1024).Select(i => (byte)(i * 7 % 256))];

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0xFF, 0x00];

    private const string HostileHtml = "<html><body><script>fetch('/api/v1/workspaces').then(r => r.text()).then(alert)</script></body></html>";

    /// <summary>
    /// A customer's e-mail as a mail client sends it: HTML text with an inline photo (multipart/related, Content-ID),
    /// a PDF, an HTML file, a file whose name climbs out of its folder with a right-to-left override, and one too large.
    /// Written out as MIME and read back, as the IMAP server hands it over.
    /// </summary>
    private static MimeMessage CustomerEmail()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Julie Dupré", "julie@example.test"));
        message.To.Add(new MailboxAddress("Support", "support@example.test"));
        message.Subject = "Dérailleur cassé";
        message.MessageId = "att-1@client.example.test";
        message.Date = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var photo = new MimePart("image", "png")
        {
            Content = new MimeContent(new MemoryStream(Png)),
            ContentDisposition = new ContentDisposition(ContentDisposition.Inline),
            ContentTransferEncoding = ContentEncoding.Base64,
            ContentId = "photo-1@client.example.test",
        };
        var related = new MultipartRelated
        {
            new TextPart("html") { Text = "<p>Mon dérailleur est cassé, voyez la photo :</p><img src=\"cid:photo-1@client.example.test\">" },
            photo,
        };
        var mixed = new Multipart("mixed")
        {
            related,
            Attached("application", "pdf", "facture 4411.pdf", Binary),
            Attached("text", "html", "page.html", Encoding.UTF8.GetBytes(HostileHtml)),
            Attached("text", "plain", "../../etc/\u202Etxt.exe", Encoding.UTF8.GetBytes("not really")),
            Attached("application", "zip", "huge.zip", new byte[4096]),
        };
        message.Body = mixed;
        using var wire = new MemoryStream();
        message.WriteTo(wire);
        wire.Position = 0;
        return MimeMessage.Load(wire);
    }

    private static MimePart Attached(string type, string subtype, string name, byte[] content) => new(type, subtype)
    {
        Content = new MimeContent(new MemoryStream(content)),
        ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
        ContentTransferEncoding = ContentEncoding.Base64,
        FileName = name,
    };

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task EmailAttachments_AreKeptByteForByte_ListedWithTheMessage_AndDownloadedAsFilesOnly(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Email, "Support");
        var content = EmailReader.Read(CustomerEmail(), new AttachmentLimits(MaxBytes: 2048, MaxBytesPerMessage: 1024 * 1024));

        var ingested = await IngestAsync(factory, workspace.Id, content.ToItem(channel.Id, "raw"));

        Assert.Equal(1, content.NotKept);
        Assert.StartsWith("Mon dérailleur est cassé, voyez la photo :", content.Text, StringComparison.Ordinal);
        Assert.EndsWith("📎 huge.zip (4 KB, not kept: too large (over 2 KB))", content.Text, StringComparison.Ordinal);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var conversationUrl = $"/api/v1/workspaces/{workspace.Id}/conversations/{ingested.ConversationId}";
        var page = await analyst.GetFromJsonAsync<Page<MessageDto>>($"{conversationUrl}/messages", Json.Options);
        var files = Assert.Single(page!.Items).Attachments!;
        Assert.Equal(["attachment.png", "facture 4411.pdf", "page.html", "txt.exe", "huge.zip"],
            files.Select(f => f.FileName));
        Assert.Equal([true, true, true, true, false], files.Select(f => f.Kept));
        Assert.Equal(4096, files[4].Size);
        Assert.Contains("too large", files[4].NotKeptReason, StringComparison.Ordinal);

        var photo = await analyst.GetAsync($"{conversationUrl}/messages/{ingested.MessageId}/attachments/{files[0].Id}");
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.Equal(Png, await photo.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", photo.Content.Headers.ContentType?.MediaType);

        var pdf = await analyst.GetAsync($"{conversationUrl}/messages/{ingested.MessageId}/attachments/{files[1].Id}");
        Assert.Equal(Binary, await pdf.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", pdf.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("facture 4411.pdf", pdf.Content.Headers.ContentDisposition?.FileNameStar);

        // HTML from a customer is a file to save, never a page of Rapport's origin.
        var html = await analyst.GetAsync($"{conversationUrl}/messages/{ingested.MessageId}/attachments/{files[2].Id}");
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("application/octet-stream", html.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", html.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(["nosniff"], html.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(HostileHtml, await html.Content.ReadAsStringAsync());

        var huge = await analyst.GetAsync($"{conversationUrl}/messages/{ingested.MessageId}/attachments/{files[4].Id}");
        Assert.Equal(HttpStatusCode.NotFound, huge.StatusCode);
        Assert.Contains("not kept", await huge.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var db = factory.OpenDb();
        Assert.Equal(Binary, (await db.MessageAttachments.SingleAsync(a => a.Id == files[1].Id)).Content);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AttachmentIds_FromAnotherWorkspaceOrConversation_Are404(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, mine) = await factory.CreateOwnerAsync(workspaceName: "Mine");
        var (_, theirs) = await factory.CreateOwnerAsync(workspaceName: "Theirs");
        var theirChannel = await factory.CreateChannelAsync(theirs.Id, ChannelKind.Email, "Their support");
        var theirMessage = await IngestAsync(factory, theirs.Id, EmailReader.Read(CustomerEmail(), Roomy).ToItem(theirChannel.Id, null));
        var myChannel = await factory.CreateChannelAsync(mine.Id, ChannelKind.Email, "Support");
        var myMessage = await IngestAsync(factory, mine.Id, EmailReader.Read(CustomerEmail(), Roomy).ToItem(myChannel.Id, null));
        Guid theirFile;
        Guid myFile;
        await using (var db = factory.OpenDb())
        {
            theirFile = await db.MessageAttachments.IgnoreQueryFilters().Where(a => a.MessageId == theirMessage.MessageId).Select(a => a.Id).FirstAsync();
            myFile = await db.MessageAttachments.Where(a => a.MessageId == myMessage.MessageId).Select(a => a.Id).FirstAsync();
        }
        var agent = await factory.TokenClientAsync(mine.Id, Role.Agent);

        // Their ids under my workspace, my workspace's id with their whole path, and my file under the wrong conversation or message.
        var urls = new[]
        {
            $"/api/v1/workspaces/{mine.Id}/conversations/{theirMessage.ConversationId}/messages/{theirMessage.MessageId}/attachments/{theirFile}",
            $"/api/v1/workspaces/{theirs.Id}/conversations/{theirMessage.ConversationId}/messages/{theirMessage.MessageId}/attachments/{theirFile}",
            $"/api/v1/workspaces/{mine.Id}/conversations/{theirMessage.ConversationId}/messages/{myMessage.MessageId}/attachments/{myFile}",
            $"/api/v1/workspaces/{mine.Id}/conversations/{myMessage.ConversationId}/messages/{theirMessage.MessageId}/attachments/{myFile}",
            $"/api/v1/workspaces/{mine.Id}/conversations/{myMessage.ConversationId}/messages/{myMessage.MessageId}/attachments/{Guid.NewGuid()}",
        };
        foreach (var (index, url) in urls.Index())
        {
            var response = await agent.GetAsync(url);
            // Another workspace's route is refused before any lookup (403); inside mine, ids that are not mine are simply not found.
            Assert.True(response.StatusCode == (index == 1 ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound), $"{url}: {response.StatusCode}");
            Assert.DoesNotContain("PNG", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var mineOk = await agent.GetAsync($"/api/v1/workspaces/{mine.Id}/conversations/{myMessage.ConversationId}/messages/{myMessage.MessageId}/attachments/{myFile}");
        Assert.Equal(HttpStatusCode.OK, mineOk.StatusCode);
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await anonymous.GetAsync($"/api/v1/workspaces/{mine.Id}/conversations/{myMessage.ConversationId}/messages/{myMessage.MessageId}/attachments/{myFile}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task MalformedMime_StillIngestsTheText_AndWhatCouldBeRead(string provider)
    {
        // Truncated in the middle of its attachment: no closing boundary, base64 cut short, a stray byte sequence.
        const string truncated = """
            From: Sam <sam@example.test>
            To: support@example.test
            Subject: Broken upload
            Message-ID: <broken-1@client.example.test>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="zz"

            --zz
            Content-Type: text/plain; charset=utf-8

            My order 7781 never arrived, where is it?
            --zz
            Content-Type: application/octet-stream; name="receipt.bin"
            Content-Disposition: attachment; filename="receipt.bin"
            Content-Transfer-Encoding: base64

            AAECAwQFBgc%%%!!!IAkKCw
            """;
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Email, "Support");

        var content = EmailReader.Read(MailServers.Parse(truncated), Roomy);
        var ingested = await IngestAsync(factory, workspace.Id, content.ToItem(channel.Id, truncated));

        Assert.True(ingested.Created);
        await using var db = factory.OpenDb();
        var message = await db.Messages.Include(m => m.Attachments).SingleAsync();
        Assert.Equal("My order 7781 never arrived, where is it?", message.Text);
        var file = Assert.Single(message.Attachments);
        Assert.Equal("receipt.bin", file.FileName);
        Assert.Equal(file.Size, file.Content!.Length);
    }

    [Fact]
    public void FilesOverThePerMessageLimit_AreListedNotKept_InOrder()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sam", "sam@example.test"));
        message.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Three photos." },
            Attached("image", "jpeg", "1.jpg", new byte[600]),
            Attached("image", "jpeg", "2.jpg", new byte[600]),
            Attached("image", "jpeg", "3.jpg", new byte[300]),
        };

        var content = EmailReader.Read(message, new AttachmentLimits(MaxBytes: 1000, MaxBytesPerMessage: 1000));

        Assert.Equal([600, 0, 300], content.Attachments.Select(a => a.Content?.Length ?? 0));
        Assert.Contains("together", content.Attachments[1].NotKeptReason, StringComparison.Ordinal);
        Assert.Equal("Three photos.\n\n📎 2.jpg (600 B, not kept: the e-mail's files are over 1000 B together)", content.Text);
    }

    [Fact]
    public void AnEmailWithOnlyAFile_NamesItInItsText()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sam", "sam@example.test"));
        message.Body = new Multipart("mixed") { Attached("image", "jpeg", "bent frame.jpg", new byte[2048]) };

        var content = EmailReader.Read(message, Roomy);

        Assert.Equal("📎 bent frame.jpg (2 KB)", content.Text);
        Assert.Equal(2048, Assert.Single(content.Attachments).Content!.Length);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("..\\..\\Windows\\win.ini", "win.ini")]
    [InlineData("invoice\u202Egpj.exe", "invoicegpj.exe")]
    [InlineData("a\u0000b\r\n\u0007c.txt", "abc.txt")]
    [InlineData("zero\u200Bwidth.pdf", "zerowidth.pdf")]
    [InlineData("re\u0301sume\u0301.pdf", "résumé.pdf")]
    [InlineData("what?<is>:this|\"*.txt", "what__is__this___.txt")]
    [InlineData("..", "attachment")]
    [InlineData("   ", "attachment")]
    [InlineData(null, "attachment")]
    [InlineData("photo 📷 été.jpg", "photo 📷 été.jpg")]
    public void FileNames_LoseTheirPathsAndInvisibleCharacters(string? name, string expected) => Assert.Equal(expected, AttachmentFiles.CleanName(name));

    [Fact]
    public void LongFileNames_AreCutKeepingTheirExtension()
    {
        var name = AttachmentFiles.CleanName(new string('é', 400) + ".pdf");
        Assert.Equal(AttachmentFiles.MaxNameLength, name.Length);
        Assert.EndsWith("é.pdf", name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image/png", "image/png")]
    [InlineData("IMAGE/JPEG", "image/jpeg")]
    [InlineData("application/pdf", "application/pdf")]
    [InlineData("text/html", "application/octet-stream")]
    [InlineData("image/svg+xml", "application/octet-stream")]
    [InlineData("application/xhtml+xml", "application/octet-stream")]
    [InlineData("text/javascript", "application/octet-stream")]
    [InlineData(null, "application/octet-stream")]
    public void Downloads_AreServedAsSafeTypesOnly(string? declared, string served) => Assert.Equal(served, AttachmentFiles.ServedContentType(declared));

    private static async Task<IngestResult> IngestAsync(RapportFactory factory, Guid workspaceId, InboundItem item)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await using var db = factory.OpenDb();
        return await scope.ServiceProvider.GetRequiredService<IngestService>().IngestAsync(db, workspaceId, item);
    }
}
