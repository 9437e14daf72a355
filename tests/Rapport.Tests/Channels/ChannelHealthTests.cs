using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Rapport.Channels;
using Rapport.Channels.Feeds;
using Rapport.Channels.Webhook;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>A channel's health beyond its last poll: its backlog, its replay receipts, and where it may connect.</summary>
public class ChannelHealthTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Backlog_CountsWaitingAndFailedDeliveries_AndConversationsWaitingForAnAnswer_PerChannel(string provider)
    {
        await using var factory = new RapportFactory(provider, s => s["Rapport:Outbox:PollInterval"] = "00:00:00");
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var email = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Email, "E-mail");
        var api = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "API");
        var quiet = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Webhook, "Quiet");
        var elsewhere = await factory.CreateChannelAsync(other.Id, ChannelKind.Email, "Someone else's");
        var now = DateTime.UtcNow;
        var oldest = now.AddHours(-3);
        await using (var db = factory.OpenDb())
        {
            db.OutboxItems.AddRange(
                Item(workspace.Id, email.Id, OutboxStatus.Pending, created: oldest, next: now.AddMinutes(-1)),
                Item(workspace.Id, email.Id, OutboxStatus.Pending, created: now.AddHours(-1), next: now.AddMinutes(5), attempts: 2), // retrying
                Item(workspace.Id, email.Id, OutboxStatus.Sending, created: now.AddMinutes(-2), next: now.AddMinutes(1), attempts: 1),
                Item(workspace.Id, email.Id, OutboxStatus.Pending, created: now.AddDays(-5), next: now.AddDays(2)), // scheduled, not due
                Item(workspace.Id, email.Id, OutboxStatus.Failed, created: now.AddDays(-1), next: now.AddDays(-1), attempts: 8),
                Item(workspace.Id, email.Id, OutboxStatus.Sent, created: now.AddDays(-9), next: now.AddDays(-9), attempts: 1),
                Item(workspace.Id, email.Id, OutboxStatus.Cancelled, created: now.AddDays(-9), next: now.AddDays(-9)),
                Item(workspace.Id, api.Id, OutboxStatus.Failed, created: now.AddDays(-2), next: now.AddDays(-2), attempts: 1),
                Item(other.Id, elsewhere.Id, OutboxStatus.Pending, created: now.AddDays(-30), next: now));
            var contact = new Contacts.Contact { WorkspaceId = workspace.Id, DisplayName = "Julie", CreatedAt = now };
            var theirContact = new Contacts.Contact { WorkspaceId = other.Id, DisplayName = "Sam", CreatedAt = now };
            db.Contacts.AddRange(contact, theirContact);
            db.Conversations.AddRange(
                Conversation(workspace.Id, email.Id, contact.Id, ConversationStatus.Open, needsAnswer: 0.9),
                Conversation(workspace.Id, email.Id, contact.Id, ConversationStatus.Open, needsAnswer: 0.5),
                Conversation(workspace.Id, email.Id, contact.Id, ConversationStatus.Open, needsAnswer: 0.2), // nothing to answer
                Conversation(workspace.Id, email.Id, contact.Id, ConversationStatus.Open, needsAnswer: 0.9, noise: true),
                Conversation(workspace.Id, email.Id, contact.Id, ConversationStatus.Resolved, needsAnswer: 0.9),
                Conversation(workspace.Id, email.Id, contact.Id, ConversationStatus.Pending, needsAnswer: 0.9), // waiting for the customer
                Conversation(workspace.Id, api.Id, contact.Id, ConversationStatus.Open, needsAnswer: 0.7),
                Conversation(other.Id, elsewhere.Id, theirContact.Id, ConversationStatus.Open, needsAnswer: 0.9));
            await db.SaveChangesAsync();
        }
        // Analysts read channel health as well as admins.
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);

        var channels = await analyst.GetFromJsonAsync<List<ChannelDto>>($"/api/v1/workspaces/{workspace.Id}/channels", Json.Options);
        var one = await analyst.GetFromJsonAsync<ChannelDto>($"/api/v1/workspaces/{workspace.Id}/channels/{email.Id}", Json.Options);

        Assert.NotNull(channels);
        Assert.Equal(["API", "E-mail", "Quiet"], channels.Select(c => c.Name));
        var emailBacklog = channels.Single(c => c.Id == email.Id).Backlog!;
        Assert.Equal((3, 1, 2), (emailBacklog.OutboxPending, emailBacklog.OutboxFailed, emailBacklog.WaitingConversations));
        Assert.Equal(oldest, emailBacklog.OldestPendingSince!.Value, TimeSpan.FromSeconds(1));
        Assert.Equal(emailBacklog, one!.Backlog);
        Assert.Equal(new ChannelBacklog(0, 1, null, 1), channels.Single(c => c.Id == api.Id).Backlog);
        Assert.Equal(ChannelBacklog.None, channels.Single(c => c.Id == quiet.Id).Backlog);
        var theirs = await analyst.GetAsync($"/api/v1/workspaces/{workspace.Id}/channels/{elsewhere.Id}");
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task WebhookReceipts_PastTheReplayWindowArePruned_AndAReplayInsideItIsStillRefused(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await WebhookTests.CreateWebhookChannelAsync(factory, workspace.Id);
        var now = DateTime.UtcNow;
        await using (var db = factory.OpenDb())
        {
            db.WebhookReceipts.AddRange(
                new WebhookReceipt { WorkspaceId = workspace.Id, ChannelId = channel.Id, DeliveryId = "last-week", ReceivedAt = now.AddDays(-7) },
                new WebhookReceipt { WorkspaceId = workspace.Id, ChannelId = channel.Id, DeliveryId = "two-days-ago", ReceivedAt = now.AddDays(-2) },
                new WebhookReceipt { WorkspaceId = workspace.Id, ChannelId = channel.Id, DeliveryId = "an-hour-ago", ReceivedAt = now.AddHours(-1) });
            await db.SaveChangesAsync();
        }
        var client = factory.CreateClient();
        var body = WebhookTests.Delivery("d-new", DateTimeOffset.UtcNow, new { externalId = "fb-1", authorHandle = "fb:1", text = "Hello?" });

        var first = await WebhookTests.PostAsync(client, channel.Id, body, WebhookSignature.Sign(WebhookTests.Secret, Encoding.UTF8.GetBytes(body)));
        var replay = await WebhookTests.PostAsync(client, channel.Id, body, WebhookSignature.Sign(WebhookTests.Secret, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        // The scheduler's job "prune-webhook-receipts" does this every ten minutes.
        Assert.Equal(2, await factory.Services.GetRequiredService<WebhookReceipts>().PruneAsync());
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(["an-hour-ago", "d-new"], await db.WebhookReceipts.OrderBy(r => r.DeliveryId).Select(r => r.DeliveryId).ToListAsync());
            Assert.Equal(1, await db.Messages.CountAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task PrivateAddresses_AreRefusedWithTheSettingToChange_AndNothingIsLost(string provider)
    {
        // A feed on this machine: it would answer if Rapport connected, so silence proves the refusal.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var factory = new RapportFactory(provider, s =>
        {
            s["Rapport:Network:AllowPrivateAddresses"] = "false";
            s["Rapport:Feeds:CheckEvery"] = "00:00:00";
            s["Rapport:Outbox:PollInterval"] = "00:00:00";
        });
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var feed = await CreateChannelAsync(factory, workspace.Id, ChannelKind.Feed, $$"""{"url": "http://127.0.0.1:{{port}}/feed.xml"}""");
        var local = await CreateChannelAsync(factory, workspace.Id, ChannelKind.Feed, $$"""{"url": "http://localhost:{{port}}/feed.xml"}""");
        var webhook = await WebhookTests.CreateWebhookChannelAsync(factory, workspace.Id, new Uri("http://169.254.169.254/latest/meta-data/"));

        FeedPollResult polled;
        FeedPollResult polledByName;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var poller = scope.ServiceProvider.GetRequiredService<FeedPoller>();
            polled = await poller.PollAsync(feed.Id);
            polledByName = await poller.PollAsync(local.Id);
        }

        const string setting = "set Rapport:Network:AllowPrivateAddresses=true to allow internal hosts";
        Assert.False(polled.Ok);
        Assert.Contains("127.0.0.1 resolves to a private address", polled.Error, StringComparison.Ordinal);
        Assert.Contains(setting, polled.Error, StringComparison.Ordinal);
        Assert.Contains("localhost resolves to a private address", polledByName.Error, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "Rapport connected to the private address.");

        // A reply on the webhook channel whose callback is the cloud metadata address.
        var body = WebhookTests.Delivery("d-1", DateTimeOffset.UtcNow, new { externalId = "m-1", authorHandle = "fb:7", text = "Where is my parcel?" });
        var delivered = await WebhookTests.PostAsync(factory.CreateClient(), webhook.Id, body, WebhookSignature.Sign(WebhookTests.Secret, Encoding.UTF8.GetBytes(body)));
        var accepted = (await delivered.Content.ReadFromJsonAsync<WebhookAccepted>(Json.Options))!;
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var reply = await agent.PostAsJsonAsync(
            $"/api/v1/workspaces/{workspace.Id}/conversations/{accepted.Messages[0].ConversationId}/replies", new { text = "It left yesterday." });
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        var worker = new OutboxWorker(factory.Services.GetRequiredService<RapportDbContextFactory>(), factory.Services, new OutboxSignal(),
            Options.Create(new OutboxOptions()), TimeProvider.System, NullLogger<OutboxWorker>.Instance);

        await worker.RunOnceAsync();

        await using var db = factory.OpenDb();
        var replyMessage = await db.Messages.SingleAsync(m => m.Direction == MessageDirection.Outbound);
        Assert.Equal("It left yesterday.", replyMessage.Text);
        Assert.Equal(DeliveryStatus.Failed, replyMessage.DeliveryStatus);
        Assert.Contains("169.254.169.254 resolves to a private address", replyMessage.DeliveryError, StringComparison.Ordinal);
        Assert.Contains(setting, replyMessage.DeliveryError, StringComparison.Ordinal);
        var item = await db.OutboxItems.SingleAsync();
        Assert.Equal((OutboxStatus.Failed, 1), (item.Status, item.Attempts));
        var channels = await db.Channels.ToDictionaryAsync(c => c.Id);
        Assert.Contains(setting, channels[feed.Id].LastError, StringComparison.Ordinal);
        Assert.Contains(setting, channels[webhook.Id].LastError, StringComparison.Ordinal);
        // The inbound message is stored and the feed's state untouched: the next poll after the setting changes reads everything.
        Assert.Equal(1, await db.Messages.CountAsync(m => m.Direction == MessageDirection.Inbound));
        Assert.Equal("{}", channels[feed.Id].State);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.5.6.7", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("::1", true)]
    [InlineData("::", true)]
    [InlineData("fc00::1", true)]
    [InlineData("fd12:3456::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("198.18.0.1", true)]
    [InlineData("::127.0.0.1", true)]
    [InlineData("::a9fe:a9fe", true)]
    [InlineData("64:ff9b::10.0.0.1", true)]
    [InlineData("64:ff9b::a9fe:a9fe", true)]
    [InlineData("64:ff9b:1::5db8:d822", true)]
    [InlineData("2002:7f00:1::", true)]
    [InlineData("2002:a9fe:a9fe::1", true)]
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe", true)] // Teredo, client 10.0.0.1 stored inverted
    [InlineData("2001:db8::1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("64:ff9b::5db8:d822", false)] // NAT64 of 93.184.216.34
    [InlineData("2002:5db8:d822::1", false)] // 6to4 of 93.184.216.34
    [InlineData("2001:0:4136:e378:8000:63bf:a247:27dd", false)] // Teredo, client 93.184.216.34
    [InlineData("192.169.0.1", false)]
    [InlineData("93.184.216.34", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2606:4700:4700::1111", false)]
    [InlineData("::ffff:93.184.216.34", false)]
    public void PublicHosts_TellPrivateFromPublicAddresses(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, PublicHosts.IsPrivate(IPAddress.Parse(address)));

    private static OutboxItem Item(Guid workspaceId, Guid channelId, OutboxStatus status, DateTime created, DateTime next, int attempts = 0) => new()
    {
        WorkspaceId = workspaceId,
        ChannelId = channelId,
        IdempotencyKey = Guid.NewGuid().ToString("N"),
        Status = status,
        CreatedAt = created,
        NextAttemptAt = next,
        Attempts = attempts,
    };

    private static Conversation Conversation(Guid workspaceId, Guid channelId, Guid contactId, ConversationStatus status, double needsAnswer, bool noise = false) => new()
    {
        WorkspaceId = workspaceId,
        ChannelId = channelId,
        ContactId = contactId,
        Status = status,
        NeedsAnswer = needsAnswer,
        IsNoise = noise,
        CreatedAt = DateTime.UtcNow,
        LastMessageAt = DateTime.UtcNow,
    };

    private static async Task<Channel> CreateChannelAsync(RapportFactory factory, Guid workspaceId, ChannelKind kind, string settings)
    {
        await using var db = factory.OpenDb();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = kind + " " + Guid.NewGuid().ToString("N")[..6],
            Kind = kind,
            Direction = ChannelDirection.Listening,
            Settings = settings,
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }
}
