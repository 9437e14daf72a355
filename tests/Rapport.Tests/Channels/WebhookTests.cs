using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Channels.Webhook;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

public class WebhookTests
{
    internal const string Secret = "s3cret-shared-with-the-partner";
    internal const string VerifyToken = "verify-me";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SignedDelivery_IsIngestedOnce_AndItsReplayIsRefused(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateWebhookChannelAsync(factory, workspace.Id);
        var client = factory.CreateClient();
        var body = Delivery("d-1", DateTimeOffset.UtcNow,
            new { externalId = "fb-1", authorHandle = "fb:1001", authorName = "Julie", text = "My parcel never arrived, can you help?", threadId = "post-9", isPublic = true },
            new { externalId = "fb-2", authorHandle = "fb:1001", authorName = "Julie", text = "Order 4411", inReplyToExternalId = "fb-1" });

        var first = await PostAsync(client, channel.Id, body, WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(body)));
        var replay = await PostAsync(client, channel.Id, body, WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var accepted = await first.Content.ReadFromJsonAsync<WebhookAccepted>(Json.Options);
        Assert.Equal(["fb-1", "fb-2"], accepted!.Messages.Select(m => m.ExternalId));
        Assert.All(accepted.Messages, m => Assert.True(m.Created));
        Assert.Single(accepted.Messages.Select(m => m.ConversationId).Distinct());
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal("application/problem+json", replay.Content.Headers.ContentType?.MediaType);

        // The partner re-sends the same messages in a new delivery, signed the Meta way: known messages are not doubled.
        var again = Delivery("d-2", DateTimeOffset.UtcNow, new { externalId = "fb-2", authorHandle = "fb:1001", text = "Order 4411" });
        var resent = await PostAsync(client, channel.Id, again, WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(again)), WebhookSignature.MetaHeader);
        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        Assert.False(Assert.Single((await resent.Content.ReadFromJsonAsync<WebhookAccepted>(Json.Options))!.Messages).Created);

        await using var db = factory.OpenDb();
        var messages = await db.Messages.OrderBy(m => m.ExternalId).ToListAsync();
        Assert.Equal(["fb-1", "fb-2"], messages.Select(m => m.ExternalId));
        Assert.Contains("My parcel", messages[0].RawPayload, StringComparison.Ordinal);
        Assert.Equal(2, await db.WebhookReceipts.CountAsync(r => r.ChannelId == channel.Id));
        var conversation = await db.Conversations.SingleAsync();
        Assert.Equal("post-9", conversation.ExternalThreadId);
        Assert.True(conversation.IsPublic);
        Assert.NotNull((await db.Channels.SingleAsync(c => c.Id == channel.Id)).LastPolledAt);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task WrongMissingOrStaleSignedDeliveries_Are401_StoreNothing_AndShowOnTheChannel(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateWebhookChannelAsync(factory, workspace.Id);
        var client = factory.CreateClient();
        var message = new { externalId = "x-1", authorHandle = "eve", text = "hello" };
        var body = Delivery("d-1", DateTimeOffset.UtcNow, message);
        var stale = Delivery("d-2", DateTimeOffset.UtcNow.AddMinutes(-6), message);
        var future = Delivery("d-3", DateTimeOffset.UtcNow.AddMinutes(6), message);

        var wrongSecret = await PostAsync(client, channel.Id, body, WebhookSignature.Sign("not-the-secret", Encoding.UTF8.GetBytes(body)));
        var tampered = await PostAsync(client, channel.Id, body.Replace("hello", "HELLO", StringComparison.Ordinal), WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(body)));
        var garbage = await PostAsync(client, channel.Id, body, "sha256=zz");
        var missing = await PostAsync(client, channel.Id, body, signature: null);
        var old = await PostAsync(client, channel.Id, stale, WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(stale)));
        var early = await PostAsync(client, channel.Id, future, WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(future)));

        Assert.All([wrongSecret, tampered, garbage, missing, old, early], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal("application/problem+json", wrongSecret.Content.Headers.ContentType?.MediaType);
        Assert.Contains("minutes", await old.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = factory.OpenDb();
        Assert.Equal(0, await db.Messages.CountAsync());
        Assert.Equal(0, await db.WebhookReceipts.CountAsync());
        var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
        Assert.Contains("timestamp", stored.LastError, StringComparison.Ordinal);
        Assert.NotNull(stored.LastErrorAt);

        // The rejected delivery ids were not burnt: the genuine delivery still goes through.
        var genuine = await PostAsync(client, channel.Id, body, WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.Accepted, genuine.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task MalformedDeliveries_Are400_AndUnknownPausedOrOtherChannels_Are404(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateWebhookChannelAsync(factory, workspace.Id);
        var paused = await CreateWebhookChannelAsync(factory, workspace.Id, paused: true);
        var api = await factory.CreateChannelAsync(workspace.Id);
        var client = factory.CreateClient();
        string Sign(string b) => WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(b));
        var valid = Delivery("d-1", DateTimeOffset.UtcNow, new { externalId = "x-1", authorHandle = "eve", text = "hi" });

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, channel.Id, "{\"id\":", Sign("{\"id\":"))).StatusCode);
        var noText = Delivery("d-2", DateTimeOffset.UtcNow, new { externalId = "x-1", authorHandle = "eve" });
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, channel.Id, noText, Sign(noText))).StatusCode);
        var noId = JsonSerializer.Serialize(new { timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), messages = new[] { new { externalId = "x", authorHandle = "e", text = "t" } } });
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, channel.Id, noId, Sign(noId))).StatusCode);
        var huge = Delivery("d-3", DateTimeOffset.UtcNow, new { externalId = "x-2", authorHandle = "eve", text = new string('a', 1024 * 1024) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(client, channel.Id, huge, Sign(huge))).StatusCode);
        foreach (var id in new[] { Guid.NewGuid(), paused.Id, api.Id })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(client, id, valid, Sign(valid))).StatusCode);
        }
        await using var db = factory.OpenDb();
        Assert.Equal(0, await db.Messages.CountAsync());
        Assert.Null((await db.Channels.SingleAsync(c => c.Id == channel.Id)).LastError);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task VerifyTokenHandshake_EchoesTheChallenge_OnlyForTheChannelsToken(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateWebhookChannelAsync(factory, workspace.Id);
        var client = factory.CreateClient();
        var url = $"/api/v1/hooks/{channel.Id}?hub.mode=subscribe&hub.challenge=1158201444";

        var ok = await client.GetAsync($"{url}&hub.verify_token={VerifyToken}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("text/plain", ok.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"{url}&hub.verify_token=guess")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/hooks/{Guid.NewGuid()}?hub.mode=subscribe&hub.challenge=1&hub.verify_token={VerifyToken}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task UnsignedDeliveries_AreCountedAtMostOnceAMinute_AndNeverBecomeTheChannelsError(string provider)
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateWebhookChannelAsync(factory, workspace.Id);
        var client = factory.CreateClient();
        var body = Delivery("d-1", clock.GetUtcNow(), new { externalId = "x-1", authorHandle = "eve", text = "hello" });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(client, channel.Id, body, signature: null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(client, channel.Id, body, "sha256=00")).StatusCode);
        }
        var admin = await factory.SignedInClientAsync(owner.Email!);
        var shown = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}");
        // One write for the first refusal; the five after it wait for the next write, a minute on.
        Assert.Equal(1, shown.GetProperty("refusedDeliveries").GetInt64());
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("lastError").ValueKind);

        clock.Advance(WebhookRefusals.WriteInterval);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(client, channel.Id, body, signature: null)).StatusCode);
        shown = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}");
        Assert.Equal(7, shown.GetProperty("refusedDeliveries").GetInt64());
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("lastError").ValueKind);
    }

    internal static async Task<Channel> CreateWebhookChannelAsync(RapportFactory factory, Guid workspaceId, Uri? callbackUrl = null, bool paused = false)
    {
        var secrets = factory.Services.GetRequiredService<ChannelSecrets>();
        await using var db = factory.OpenDb();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = "Facebook via partner",
            Kind = ChannelKind.Webhook,
            Direction = ChannelDirection.Inbox,
            CreatedAt = DateTime.UtcNow,
            Paused = paused,
            Settings = JsonSerializer.Serialize(new { network = "facebook", callbackUrl = callbackUrl?.ToString() }),
            ProtectedSecrets = secrets.Protect(new Dictionary<string, string>
            {
                [WebhookSignature.SecretName] = Secret,
                [WebhookSignature.VerifyTokenName] = VerifyToken,
            }),
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    internal static string Delivery(string id, DateTimeOffset at, params object[] messages) =>
        JsonSerializer.Serialize(new { id, timestamp = at.ToUnixTimeSeconds(), messages });

    internal static async Task<HttpResponseMessage> PostAsync(HttpClient client, Guid channelId, string body, string? signature, string header = WebhookSignature.Header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/hooks/{channelId}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
        {
            request.Headers.Add(header, signature);
        }
        return await client.SendAsync(request);
    }
}
