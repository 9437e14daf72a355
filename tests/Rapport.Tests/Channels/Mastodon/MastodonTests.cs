using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Channels.Mastodon;
using Rapport.Conversations;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

public class MastodonTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Poll_BringsMentionsAndDirectMessagesIntoTheInbox_Threaded(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddRecordedNotifications();
        server.AddMention(34975900, "103186200000000001", "a@pl.nulled.red", "<p>@trwnh my order never arrived, can you check? It was order 1234.</p>", visibility: "direct", displayName: "Alex");
        server.AddMention(34975950, "103186300000000001", "zsc", "<p>@trwnh still waiting for an answer…</p>", inReplyTo: "103186126728896492");
        server.AddMention(34975990, "103186400000000001", "mallory@evil.example",
            "<p>Hello &amp; <b>bye</b></p><script>alert('x')</script><img src=x onerror=alert(1)><a href=\"javascript:alert(2)\">link</a>");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);

        var first = await PollAsync(factory, channel.Id);
        var again = await PollAsync(factory, channel.Id);

        Assert.True(first.Ok, first.Error);
        Assert.Equal(4, first.Ingested);
        Assert.True(again.Ok, again.Error);
        Assert.Equal(0, again.Ingested);
        var requests = server.Requests.ToList();
        Assert.All(requests, r => Assert.Equal("Bearer " + MastodonServer.Token, r.Authorization));
        Assert.Contains("types[]=mention", requests[0].PathAndQuery, StringComparison.Ordinal);
        Assert.DoesNotContain("min_id", requests[0].PathAndQuery, StringComparison.Ordinal);
        Assert.EndsWith("min_id=34975990", requests[1].PathAndQuery, StringComparison.Ordinal);

        await using var db = factory.OpenDb();
        var messages = await db.Messages.Include(m => m.Analysis).ToListAsync();
        Assert.Equal(4, messages.Count);
        var sup = messages.Single(m => m.ExternalId == "103186126728896492");
        var host = new Uri(server.BaseUrl).Host;
        Assert.Equal("@trwnh sup!", sup.Text);
        Assert.Equal("103186038209478945", sup.InReplyToExternalId);
        Assert.Equal(new DateTime(2019, 11, 23, 7, 49, 1, 940, DateTimeKind.Utc), sup.CreatedAt);
        Assert.Contains("\"type\":\"mention\"", sup.RawPayload, StringComparison.Ordinal);
        var identity = await db.ContactIdentities.SingleAsync(i => i.ContactId == sup.AuthorContactId);
        Assert.Equal($"@zsc@{host}", identity.Handle);

        // The answer to the first mention joins its conversation.
        var followUp = messages.Single(m => m.ExternalId == "103186300000000001");
        Assert.Equal(sup.ConversationId, followUp.ConversationId);
        var publicConversation = await db.Conversations.SingleAsync(c => c.Id == sup.ConversationId);
        Assert.True(publicConversation.IsPublic);

        var direct = messages.Single(m => m.ExternalId == "103186200000000001");
        Assert.Equal("Alex", direct.AuthorName);
        Assert.False((await db.Conversations.SingleAsync(c => c.Id == direct.ConversationId)).IsPublic);
        Assert.Equal("@a@pl.nulled.red", (await db.ContactIdentities.SingleAsync(i => i.ContactId == direct.AuthorContactId)).Handle);

        var hostile = messages.Single(m => m.ExternalId == "103186400000000001");
        Assert.Equal("Hello & bye\nlink", hostile.Text);
        Assert.DoesNotContain("<", hostile.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", hostile.Text, StringComparison.Ordinal);

        // The favourite is not a mention: never asked for, never stored.
        Assert.DoesNotContain(messages, m => m.ExternalId == "103186046267791694");
        var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
        Assert.Null(stored.LastError);
        Assert.NotNull(stored.LastPolledAt);
        Assert.Equal("34975990", MastodonChannelState.Read(stored.State).LastNotificationId);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Poll_MoreThanOnePageArrived_FollowsTheLinkHeaderAndSkipsNothing(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddMention(1000, "200000", "zsc", "<p>@trwnh first</p>");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        Assert.Equal(1, (await PollAsync(factory, channel.Id)).Ingested);

        // 45 mentions while Rapport was away: more than one page of 40.
        for (var i = 1; i <= 45; i++)
        {
            server.AddMention(1000 + i, (200000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), $"customer{i}@example.social", $"<p>@trwnh question number {i}</p>");
        }
        var before = server.Requests.Count;
        var result = await PollAsync(factory, channel.Id);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(45, result.Ingested);
        Assert.Equal(2, result.Pages);
        var pages = server.Requests.Skip(before).ToList();
        Assert.EndsWith("min_id=1000", pages[0].PathAndQuery, StringComparison.Ordinal);
        // The second page is the Link header's rel="prev": the newest id of the first page.
        Assert.Equal("/api/v1/notifications?types[]=mention&limit=40&min_id=1040", Uri.UnescapeDataString(pages[1].PathAndQuery));
        Assert.Equal(0, (await PollAsync(factory, channel.Id)).Ingested);
        await using var db = factory.OpenDb();
        Assert.Equal(46, await db.Messages.CountAsync(m => m.ChannelId == channel.Id));
        Assert.Equal(46, await db.Messages.Select(m => m.ExternalId).Distinct().CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Stream_DeliversAMentionLive(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        var worker = factory.Services.GetRequiredService<MastodonStreamWorker>();
        await worker.WatchChannelsAsync(CancellationToken.None);
        try
        {
            // The stream opens, then catches up with a poll; the recorded event comes after.
            await Until(() => server.StreamsOpened == 1 && server.Requests.Any(r => r.PathAndQuery.StartsWith("/api/v1/notifications", StringComparison.Ordinal)));
            server.Stream(MastodonServer.Recorded("streaming-notification.txt").Replace("\r\n", "\n", StringComparison.Ordinal));
            await Until(() => worker.Streamed == 1);
        }
        finally
        {
            await worker.StopWatchingAsync();
        }

        await using var db = factory.OpenDb();
        var message = await db.Messages.SingleAsync(m => m.ChannelId == channel.Id);
        Assert.Equal("108914343542683797", message.ExternalId);
        Assert.Equal("@trwnh test", message.Text);
        Assert.Equal("@a@pl.nulled.red", (await db.ContactIdentities.SingleAsync(i => i.ContactId == message.AuthorContactId)).Handle);
        Assert.True((await db.Conversations.SingleAsync(c => c.Id == message.ConversationId)).IsPublic);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task StreamAndPoll_SeeingTheSameMention_StoreItOnce_InAnyOrderAndAtOnce(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        var early = server.AddMention(600, "700001", "zsc", "<p>@trwnh where is my refund?</p>");
        var late = server.AddMention(601, "700002", "a@pl.nulled.red", "<p>@trwnh hello?</p>");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        await using var scope = factory.Services.CreateAsyncScope();
        var poller = scope.ServiceProvider.GetRequiredService<MastodonPoller>();

        // The stream first, then the poll that reads the same mention again.
        Assert.True(await poller.IngestStreamedAsync(channel, early.ToJsonString()));
        Assert.Equal(1, (await PollAsync(factory, channel.Id)).Ingested);
        // The poll first, then the stream's late event.
        Assert.False(await poller.IngestStreamedAsync(channel, late.ToJsonString()));
        // Both at the same moment.
        var both = server.AddMention(602, "700003", "zsc", "<p>@trwnh still waiting</p>");
        var streamed = poller.IngestStreamedAsync(channel, both.ToJsonString());
        var polled = PollAsync(factory, channel.Id);
        await Task.WhenAll(streamed, polled);
        var poll = await polled;
        Assert.True(poll.Ok, poll.Error);
        Assert.Equal(1, (await streamed ? 1 : 0) + poll.Ingested);

        await using var db = factory.OpenDb();
        var stored = await db.Messages.Where(m => m.ChannelId == channel.Id).Select(m => m.ExternalId).ToListAsync();
        Assert.Equal(["700001", "700002", "700003"], stored.Order(StringComparer.Ordinal));
        Assert.Equal(2, await db.Conversations.CountAsync(c => c.ChannelId == channel.Id));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_IsPostedOnceWithTheIdempotencyKeyAndTheCustomersThreadAndVisibility(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddMention(500, "300001", "a@pl.nulled.red", "<p>@trwnh my parcel is lost, order 1234</p>", visibility: "direct");
        server.AddMention(501, "300002", "zsc", "<p>@trwnh is the shop open on Sunday?</p>", visibility: "unlisted");
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        await PollAsync(factory, channel.Id);
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var outbox = factory.Services.GetRequiredService<OutboxWorker>();

        var dm = await ReplyAsync(factory, agent, workspace.Id, "300001", "Sorry! A new parcel leaves today.");
        var open = await ReplyAsync(factory, agent, workspace.Id, "300002", "Yes, from 10 to 18.");
        await outbox.RunOnceAsync();

        var posts = server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        var direct = posts.Single(p => p.IdempotencyKey == "reply-" + dm.ToString("N"));
        Assert.Equal("@a@pl.nulled.red Sorry! A new parcel leaves today.", direct.Form["status"]);
        Assert.Equal("300001", direct.Form["in_reply_to_id"]);
        Assert.Equal("direct", direct.Form["visibility"]);
        var unlisted = posts.Single(p => p.IdempotencyKey == "reply-" + open.ToString("N"));
        Assert.StartsWith($"@zsc@{new Uri(server.BaseUrl).Host} Yes", unlisted.Form["status"], StringComparison.Ordinal);
        Assert.Equal("300002", unlisted.Form["in_reply_to_id"]);
        Assert.Equal("unlisted", unlisted.Form["visibility"]);
        string postedId;
        await using (var db = factory.OpenDb())
        {
            var sent = await db.Messages.SingleAsync(m => m.Id == dm);
            Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
            postedId = sent.ExternalId!;
            Assert.Contains(server.Posted, s => (string?)s["id"] == postedId);

            // The process died after Mastodon posted the reply and before Rapport recorded it: the item goes out again.
            var item = await db.OutboxItems.SingleAsync(o => o.MessageId == dm);
            item.Status = OutboxStatus.Sending;
            item.NextAttemptAt = DateTime.UtcNow.AddMinutes(-1);
            sent.DeliveryStatus = DeliveryStatus.Queued;
            sent.ExternalId = null;
            await db.SaveChangesAsync();
        }
        await outbox.RunOnceAsync();

        var replays = server.Requests.Where(r => r.Method == "POST" && r.IdempotencyKey == "reply-" + dm.ToString("N")).ToList();
        Assert.Equal(2, replays.Count);
        // Same key: Mastodon returns the status it already posted; the customer sees one reply.
        Assert.Equal(2, server.Posted.Count);
        // Within the instance's memory of the key the resend is that one request: no search for an earlier status.
        Assert.DoesNotContain(server.Requests, r => r.Method == "GET" && r.PathAndQuery.Contains("statuses", StringComparison.Ordinal));
        await using (var db = factory.OpenDb())
        {
            var resent = await db.Messages.SingleAsync(m => m.Id == dm);
            Assert.Equal(DeliveryStatus.Sent, resent.DeliveryStatus);
            Assert.Equal(postedId, resent.ExternalId);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Resend_AfterTheInstanceForgotTheKey_FindsTheStatusAlreadyPosted_AndPostsNothing(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddMention(510, "310001", "zsc", "<p>@trwnh my order 88 is late</p>");
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        await PollAsync(factory, channel.Id);
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var outbox = factory.Services.GetRequiredService<OutboxWorker>();
        // Two answers in the same thread with the same words: only the very status of the item may match.
        const string text = "We are on it <b>now</b> & will write back.\nSorry!";
        var first = await ReplyAsync(factory, agent, workspace.Id, "310001", text);
        var other = await ReplyAsync(factory, agent, workspace.Id, "310001", "Your parcel left this morning.");
        var second = await ReplyAsync(factory, agent, workspace.Id, "310001", text);
        await outbox.RunOnceAsync();
        Assert.Equal(3, server.Posted.Count);
        string postedId;
        await using (var db = factory.OpenDb())
        {
            var sent = await db.Messages.SingleAsync(m => m.Id == first);
            postedId = sent.ExternalId!;

            // The process died after Mastodon posted the reply and before Rapport recorded it, and came back two hours later.
            var item = await db.OutboxItems.SingleAsync(o => o.MessageId == first);
            item.Status = OutboxStatus.Sending;
            item.NextAttemptAt = DateTime.UtcNow.AddMinutes(-1);
            item.CreatedAt = DateTime.UtcNow.AddHours(-2);
            sent.DeliveryStatus = DeliveryStatus.Queued;
            sent.ExternalId = null;
            await db.SaveChangesAsync();
        }
        server.PostedAgo(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(5));
        var before = server.Requests.Count;

        await outbox.RunOnceAsync();

        var resend = server.Requests.Skip(before).ToList();
        Assert.DoesNotContain(resend, r => r.Method == "POST");
        Assert.Contains(resend, r => r.PathAndQuery.StartsWith("/api/v1/accounts/14715/statuses?", StringComparison.Ordinal));
        Assert.Equal(3, server.Posted.Count);
        await using (var db = factory.OpenDb())
        {
            var resent = await db.Messages.SingleAsync(m => m.Id == first);
            Assert.Equal(DeliveryStatus.Sent, resent.DeliveryStatus);
            Assert.Equal(postedId, resent.ExternalId);
            Assert.Equal(3, await db.Messages.Where(m => m.Id == first || m.Id == other || m.Id == second).Select(m => m.ExternalId).Distinct().CountAsync());
            var item = await db.OutboxItems.SingleAsync(o => o.MessageId == first);
            Assert.Equal(OutboxStatus.Sent, item.Status);
            Assert.Equal(2, item.Attempts);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Resend_AfterTheKeyWindow_WhereNothingWasPosted_PostsOnce(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var outbox = factory.Services.GetRequiredService<OutboxWorker>();
        var posts = $"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/posts";
        // An earlier post of the brand with the same words, long before this one was queued: not this post's status.
        (await agent.PostAsJsonAsync(posts, new { text = "Our shop is closed on Monday." })).EnsureSuccessStatusCode();
        await outbox.RunOnceAsync();
        server.PostedAgo(TimeSpan.FromDays(3));
        server.Force("/api/v1/statuses", new ForcedAnswer(503, """{"error":"Service Unavailable"}"""));

        var response = await agent.PostAsJsonAsync(posts, new { text = "Our shop is closed on Monday." });
        var queued = (await response.Content.ReadFromJsonAsync<Publishing.PostDto>(Json.Options))!;
        await outbox.RunOnceAsync();
        await using (var db = factory.OpenDb())
        {
            // The instance failed; the retry comes after the channel was paused for hours.
            var item = await db.OutboxItems.SingleAsync(o => o.Id == queued.Id);
            Assert.Equal(OutboxStatus.Pending, item.Status);
            item.NextAttemptAt = DateTime.UtcNow.AddSeconds(-1);
            item.CreatedAt = DateTime.UtcNow.AddHours(-3);
            await db.SaveChangesAsync();
        }
        var before = server.Requests.Count;

        await outbox.RunOnceAsync();

        var resend = server.Requests.Skip(before).ToList();
        Assert.Contains(resend, r => r.PathAndQuery.StartsWith("/api/v1/accounts/14715/statuses?", StringComparison.Ordinal));
        var post = Assert.Single(resend, r => r.Method == "POST");
        Assert.Equal("post-" + queued.Id.ToString("N"), post.IdempotencyKey);
        Assert.Equal(2, server.Posted.Count);
        var page = await agent.GetFromJsonAsync<Api.Page<Publishing.PostDto>>(posts, Json.Options);
        var sent = page!.Items.Single(p => p.Id == queued.Id);
        Assert.Equal(OutboxStatus.Sent, sent.Status);
        Assert.Equal((string?)server.Posted.Last()["id"], sent.ExternalId);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Post_IsPublishedOnceAsAPublicStatus_WithItsIdempotencyKeyAndLanguage(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var posts = $"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/posts";

        var response = await agent.PostAsJsonAsync(posts, new { text = "Nouveau : suivez votre colis en temps réel.", language = "fr" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<Publishing.PostDto>(Json.Options))!;
        await factory.Services.GetRequiredService<OutboxWorker>().RunOnceAsync();

        var request = Assert.Single(server.Requests, r => r.Method == "POST");
        Assert.Equal("post-" + queued.Id.ToString("N"), request.IdempotencyKey);
        Assert.Equal("Nouveau : suivez votre colis en temps réel.", request.Form["status"]);
        Assert.Equal("public", request.Form["visibility"]);
        Assert.Equal("fr", request.Form["language"]);
        Assert.False(request.Form.ContainsKey("in_reply_to_id"));
        var page = await agent.GetFromJsonAsync<Api.Page<Publishing.PostDto>>(posts, Json.Options);
        var sent = page!.Items.Single(p => p.Id == queued.Id);
        Assert.Equal(OutboxStatus.Sent, sent.Status);
        Assert.Equal((string?)Assert.Single(server.Posted)["id"], sent.ExternalId);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RateLimit_429AndAnEmptyAllowance_WaitUntilTheResetWithoutAnyRequest(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddMention(700, "400001", "zsc", "<p>@trwnh hello</p>");
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        var reset = DateTime.UtcNow.AddMinutes(30);
        server.Force("/api/v1/notifications", new ForcedAnswer(429, MastodonServer.Recorded("error-429.json"), new Dictionary<string, string>
        {
            ["X-RateLimit-Remaining"] = "0",
            ["X-RateLimit-Reset"] = reset.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        }));

        var limited = await PollAsync(factory, channel.Id);
        var waiting = await PollAsync(factory, channel.Id);

        Assert.False(limited.Ok);
        Assert.StartsWith($"The rate limit of {new Uri(server.BaseUrl).Authority} is used up: Rapport sends it nothing until {reset:yyyy-MM-dd HH:mm:ss} UTC.", limited.Error, StringComparison.Ordinal);
        Assert.Equal(limited.Error, waiting.Error);
        Assert.Single(server.Requests);
        await using (var db = factory.OpenDb())
        {
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            Assert.Equal(limited.Error, stored.LastError);
            Assert.Equal(reset, MastodonChannelState.Read(stored.State).RateLimitedUntil!.Value, TimeSpan.FromMilliseconds(1));

            // A reply queued meanwhile waits for the reset too, without asking.
            var item = new OutboxItem { WorkspaceId = workspace.Id, ChannelId = channel.Id, IdempotencyKey = "k", Status = OutboxStatus.Pending, CreatedAt = DateTime.UtcNow };
            var outcome = await factory.Services.GetRequiredKeyedService<IChannelSender>(ChannelKind.Mastodon).SendAsync(
                new OutboundDelivery(item, stored, new Message { ConversationId = Guid.Empty, Text = "x" }, new Conversation { ChannelId = channel.Id, IsPublic = true },
                    DateTime.UtcNow), CancellationToken.None);
            Assert.Equal(SendResult.Retry, outcome.Result);
            Assert.InRange(outcome.RetryAfter!.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
            Assert.Single(server.Requests);

            // The reset has passed (moved back rather than waited for): the next poll reads again.
            stored.State = MastodonChannelState.Read(stored.State) with { RateLimitedUntil = DateTime.UtcNow.AddSeconds(-1) } is var s ? s.Write() : "";
            await db.SaveChangesAsync();
        }

        // An answer that spends the last request stops the poll there, with the reset on the channel.
        server.RateLimitRemaining = 0;
        server.RateLimitReset = reset;
        var last = await PollAsync(factory, channel.Id);
        Assert.True(last.Ok);
        Assert.Equal(1, last.Ingested);
        Assert.Contains("rate limit", last.Error, StringComparison.Ordinal);
        Assert.False((await PollAsync(factory, channel.Id)).Ok);
        Assert.Equal(2, server.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task WrongToken_GivesAClearErrorOnTheChannelAndInTheConnectionTest(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddRecordedNotifications();
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.TokenClientAsync(workspace.Id, Workspaces.Role.Admin);
        var channels = $"/api/v1/workspaces/{workspace.Id}/channels";
        var created = await client.PostAsJsonAsync(channels, new
        {
            name = "Mastodon",
            kind = "Mastodon",
            direction = "Inbox",
            settings = new { instanceUrl = server.BaseUrl },
            secrets = new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = "revoked-token" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var channel = (await created.Content.ReadFromJsonAsync<ChannelDto>(Json.Options))!;
        Assert.Equal([MastodonChannelSettings.AccessTokenSecret], channel.SecretNames);
        Assert.DoesNotContain("revoked-token", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var refused = await client.PostAsync($"{channels}/{channel.Id}/test", null);
        var poll = await PollAsync(factory, channel.Id);

        var test = (await refused.Content.ReadFromJsonAsync<ChannelTestResult>(Json.Options))!;
        Assert.False(test.Ok);
        var expected = $"{new Uri(server.BaseUrl).Authority} refused the access token: \"The access token is invalid\". Check the token in the channel's settings (it needs read:notifications, read:statuses and write:statuses).";
        Assert.Equal(expected, test.Error);
        Assert.Equal(expected, poll.Error);
        Assert.Equal(expected, (await client.GetFromJsonAsync<ChannelDto>($"{channels}/{channel.Id}", Json.Options))!.LastError);

        // The right token: the test names the account, the poll clears the error.
        await client.PatchAsJsonAsync($"{channels}/{channel.Id}", new { secrets = new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = MastodonServer.Token } });
        var ok = (await (await client.PostAsync($"{channels}/{channel.Id}/test", null)).Content.ReadFromJsonAsync<ChannelTestResult>(Json.Options))!;
        Assert.True(ok.Ok, ok.Error);
        Assert.Equal($"Signed in to {new Uri(server.BaseUrl).Authority} as @trwnh@{new Uri(server.BaseUrl).Host} (infinite love ⴳ).", ok.Detail);
        Assert.Equal(1, (await PollAsync(factory, channel.Id)).Ingested);
        Assert.Null((await client.GetFromJsonAsync<ChannelDto>($"{channels}/{channel.Id}", Json.Options))!.LastError);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ServerErrorsAndMalformedJson_AreClearAndLoseNothing_OtherChannelsGoOn(string provider)
    {
        await using var broken = await MastodonServer.StartAsync();
        broken.AddMention(900, "500001", "zsc", "<p>@trwnh hi</p>");
        await using var good = await MastodonServer.StartAsync();
        good.AddMention(900, "500001", "zsc", "<p>@trwnh hi</p>");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var failing = await CreateChannelAsync(factory, workspace.Id, broken.BaseUrl, "Broken");
        var working = await CreateChannelAsync(factory, workspace.Id, good.BaseUrl, "Good");
        broken.Force("/api/v1/notifications", new ForcedAnswer(502, "<html><body>Bad Gateway</body></html>"));
        broken.Force("/api/v1/notifications", new ForcedAnswer(200, "<html><body>Maintenance</body></html>"));
        broken.Force("/api/v1/notifications", new ForcedAnswer(200, """[{"type":"mention"}]"""));
        var worker = factory.Services.GetRequiredService<MastodonWorker>();

        var round = await worker.RunOnceAsync();

        Assert.Equal(2, round.Count);
        Assert.Equal(1, round.Single(r => r.ChannelId == working.Id).Ingested);
        var host = new Uri(broken.BaseUrl).Authority;
        Assert.Equal($"{host} answered 502 Bad Gateway; the instance has a problem, Rapport tries again.", round.Single(r => r.ChannelId == failing.Id).Error);
        Assert.StartsWith($"{host} answered something that is not what Mastodon sends (", (await PollAsync(factory, failing.Id)).Error, StringComparison.Ordinal);
        Assert.StartsWith($"{host} answered something that is not what Mastodon sends (a notification has no id)", (await PollAsync(factory, failing.Id)).Error, StringComparison.Ordinal);

        // The instance is back: the mention that waited there comes in.
        var healed = await PollAsync(factory, failing.Id);
        Assert.True(healed.Ok, healed.Error);
        Assert.Equal(1, healed.Ingested);
        await using var db = factory.OpenDb();
        Assert.Null((await db.Channels.SingleAsync(c => c.Id == failing.Id)).LastError);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_RefusedByMastodon_FailsWithItsError_AndServerErrorsAreRetried(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddMention(800, "600001", "zsc", "<p>@trwnh help</p>");
        await using var factory = NewFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.BaseUrl);
        await PollAsync(factory, channel.Id);
        var agent = await factory.SignedInClientAsync(owner.Email!);
        var outbox = factory.Services.GetRequiredService<OutboxWorker>();
        server.Force("/api/v1/statuses", new ForcedAnswer(503, """{"error":"Service Unavailable"}"""));
        server.Force("/api/v1/statuses", new ForcedAnswer(422, """{"error":"Validation failed: Text character limit of 500 exceeded"}"""));

        var reply = await ReplyAsync(factory, agent, workspace.Id, "600001", "A long answer.");
        await outbox.RunOnceAsync();
        await using (var db = factory.OpenDb())
        {
            var item = await db.OutboxItems.SingleAsync(o => o.MessageId == reply);
            Assert.Equal(OutboxStatus.Pending, item.Status);
            Assert.Contains("answered 503", item.LastError, StringComparison.Ordinal);
            item.NextAttemptAt = DateTime.UtcNow.AddSeconds(-1);
            await db.SaveChangesAsync();
        }
        await outbox.RunOnceAsync();

        await using (var db = factory.OpenDb())
        {
            var message = await db.Messages.SingleAsync(m => m.Id == reply);
            Assert.Equal(DeliveryStatus.Failed, message.DeliveryStatus);
            Assert.Equal($"{new Uri(server.BaseUrl).Authority} refused the request (422 Unprocessable Entity): \"Validation failed: Text character limit of 500 exceeded\".", message.DeliveryError);
        }
    }

    [Theory]
    [InlineData("https://mastodon.social", "https://mastodon.social/")]
    [InlineData("mastodon.social", "https://mastodon.social/")]
    [InlineData("https://Mastodon.Social/@brand", "https://mastodon.social/")]
    public void InstanceAddress_IsTheServersRoot(string setting, string expected) =>
        Assert.Equal(expected, MastodonChannelSettings.Instance(setting, allowHttp: false).AbsoluteUri);

    [Theory]
    [InlineData("http://mastodon.social", "is not a Mastodon instance address: use https://")]
    [InlineData("ftp://mastodon.social", "is not a Mastodon instance address")]
    [InlineData("https://user:pw@mastodon.social", "is not a Mastodon instance address")]
    [InlineData("", "no Mastodon instance")]
    public void InstanceAddress_RefusesPlainHttpAndOddAddresses(string setting, string expected)
    {
        var error = Assert.Throws<MastodonException>(() => MastodonChannelSettings.Instance(setting, allowHttp: false));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("direct", true, "public", "direct")]
    [InlineData("public", false, "public", "direct")]
    [InlineData("private", true, "public", "private")]
    [InlineData("public", true, null, "public")]
    [InlineData("unlisted", true, null, "unlisted")]
    [InlineData("public", true, "unlisted", "unlisted")]
    [InlineData("unlisted", true, "public", "public")]
    [InlineData(null, true, null, "unlisted")]
    public void ReplyVisibility_NeverWidensAPrivateExchange(string? customer, bool isPublic, string? setting, string expected) =>
        Assert.Equal(expected, MastodonSender.Visibility(customer, isPublic, setting));

    [Fact]
    public async Task ConnectionTest_UnreachableInstance_SaysSo()
    {
        await using var factory = NewFactory(Databases.Sqlite);
        var (_, workspace) = await factory.CreateOwnerAsync();
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var channel = await CreateChannelAsync(factory, workspace.Id, $"http://127.0.0.1:{port}");
        await using var scope = factory.Services.CreateAsyncScope();

        var result = await scope.ServiceProvider.GetRequiredService<ChannelConnectionTest>().TestAsync(channel);

        Assert.False(result!.Ok);
        Assert.Equal($"Could not connect to 127.0.0.1:{port}: the connection was refused (is the address right, and is the instance up?).", result.Error);
    }

    private static RapportFactory NewFactory(string provider) => new(provider, s =>
    {
        // The tests run polls, streams and deliveries themselves; the local instance speaks plain HTTP.
        s["Rapport:Mastodon:CheckEvery"] = "00:00:00";
        s["Rapport:Mastodon:Streaming"] = "false";
        s["Rapport:Mastodon:AllowInsecureHttp"] = "true";
        s["Rapport:Outbox:PollInterval"] = "00:00:00";
    });

    private static async Task<Channel> CreateChannelAsync(RapportFactory factory, Guid workspaceId, string instanceUrl, string name = "Mastodon")
    {
        await using var db = factory.OpenDb();
        var secrets = factory.Services.GetRequiredService<ChannelSecrets>();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = name,
            Kind = ChannelKind.Mastodon,
            Direction = ChannelDirection.Inbox,
            Settings = JsonSerializer.Serialize(new { instanceUrl }),
            ProtectedSecrets = secrets.Protect(new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = MastodonServer.Token }),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    private static async Task<MastodonPollResult> PollAsync(RapportFactory factory, Guid channelId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MastodonPoller>().PollAsync(channelId);
    }

    /// <summary>Replies from the inbox to the conversation of the status with this id; returns the reply's message id.</summary>
    private static async Task<Guid> ReplyAsync(RapportFactory factory, HttpClient agent, Guid workspaceId, string statusId, string text)
    {
        Guid conversationId;
        await using (var db = factory.OpenDb())
        {
            conversationId = await db.Messages.Where(m => m.ExternalId == statusId).Select(m => m.ConversationId).SingleAsync();
        }
        var response = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/conversations/{conversationId}/replies", new { text });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!.MessageId;
    }

    /// <summary>Waits for something the background stream does; a generous deadline, not a timing assertion.</summary>
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The stream did not deliver in 30 seconds.");
            await Task.Delay(50);
        }
    }
}
