using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Rapport.Channels;
using Rapport.Channels.Bluesky;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests.Bluesky;

public class BlueskyTests
{
    private const string Mention = "at://did:plc:carol5m2example/app.bsky.feed.post/3lbqmention22";
    private const string MentionCid = "bafyreicarolmentioncid3hejh7y4z4z2vmiklkvykc57tw3pcbx3kxi";
    private const string Reply = "at://did:plc:carol5m2example/app.bsky.feed.post/3lbqreply2ab2";
    private const string ReplyCid = "bafyreihcarolreplycid6o6wcq3hejh7y4z4z2vmiklkvykc57tw3pcbx3k";
    private const string Quote = "at://did:plc:dan8w2example/app.bsky.feed.post/3lbqquote2ab2";
    private const string BrandAnswer = "at://did:plc:brand7x4k2q3example/app.bsky.feed.post/3lbqbrandans2";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Poll_BringsMentionAndReplyThreadedTogether_PagingByCursor_AndARepollAddsNothing(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.Url);

        var first = await PollAsync(factory, channel.Id);

        Assert.True(first.Ok, first.Error);
        Assert.Equal(3, first.Ingested);
        Assert.Equal(1, server.Count("com.atproto.server.createSession"));
        var pages = server.Requests.Where(r => r.Nsid == "app.bsky.notification.listNotifications").ToList();
        Assert.Equal(2, pages.Count);
        Assert.DoesNotContain("cursor", pages[0].Query, StringComparison.Ordinal);
        Assert.Contains("reasons=mention&reasons=reply&reasons=quote", pages[0].Query, StringComparison.Ordinal);
        Assert.Contains("cursor=2026-11-23T09%3A40%3A00.000Z", pages[1].Query, StringComparison.Ordinal);
        Assert.All(pages, p => Assert.Equal("eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-1.sig", p.Token));

        await using (var db = factory.OpenDb())
        {
            var messages = await db.Messages.OrderBy(m => m.CreatedAt).ToListAsync();
            Assert.Equal([Quote, Mention, Reply], messages.Select(m => m.ExternalId));
            var mention = messages[1];
            var reply = messages[2];
            Assert.Equal("@brand.bsky.social ma commande 4411 n'est jamais arrivée, pouvez-vous m'aider ?", mention.Text);
            Assert.Equal("Carol Dupré", mention.AuthorName);
            Assert.Equal(new DateTime(2026, 11, 23, 9, 30, 0, DateTimeKind.Utc), mention.CreatedAt);
            Assert.Null(mention.InReplyToExternalId);
            Assert.Equal(BrandAnswer, reply.InReplyToExternalId);
            // The reply answers the brand's post in Carol's thread: one conversation, the thread's first post its id.
            Assert.Equal(mention.ConversationId, reply.ConversationId);
            var conversation = await db.Conversations.SingleAsync(c => c.Id == mention.ConversationId);
            Assert.Equal(Mention, conversation.ExternalThreadId);
            Assert.True(conversation.IsPublic);
            Assert.NotEqual(mention.ConversationId, messages[0].ConversationId);
            // The raw notification is kept: it carries the cid a reply needs.
            Assert.Contains(ReplyCid, reply.RawPayload, StringComparison.Ordinal);
            var carol = await db.ContactIdentities.SingleAsync(i => i.ContactId == conversation.ContactId);
            Assert.Equal("@carol.bsky.social", carol.Handle);
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            Assert.NotNull(stored.LastPolledAt);
            Assert.Null(stored.LastError);
            Assert.DoesNotContain("Jwt", stored.State, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("access-1", stored.State, StringComparison.Ordinal);
            Assert.Equal(DateTimeOffset.Parse("2026-11-23T10:05:01.123Z", CultureInfo.InvariantCulture), BlueskyChannelState.Read(stored.State).LastIndexedAt);
        }

        // Nothing new: one page read, up to what was already seen, and nothing stored twice.
        var before = server.Requests.Count;
        var again = await PollAsync(factory, channel.Id);
        Assert.True(again.Ok, again.Error);
        Assert.Equal(0, again.Ingested);
        var repoll = server.Requests.Skip(before).ToList();
        Assert.Equal(["app.bsky.notification.listNotifications"], repoll.Select(r => r.Nsid));

        // Carol writes again: only that is new, and it joins her conversation.
        var page = JsonNode.Parse(server.Pages[""])!;
        var newer = page["notifications"]![0]!.DeepClone();
        newer["uri"] = Reply + "x";
        newer["indexedAt"] = "2026-11-23T11:00:00.000Z";
        newer["record"]!["text"] = "Merci, c'est reçu !";
        newer["record"]!["createdAt"] = "2026-11-23T10:59:58.000Z";
        page["notifications"]!.AsArray().Insert(0, newer);
        server.Pages[""] = page.ToJsonString();
        var third = await PollAsync(factory, channel.Id);
        Assert.Equal(1, third.Ingested);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(4, await db.Messages.CountAsync());
            Assert.Equal(2, await db.Conversations.CountAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Burst_LargerThanOnePollsPages_IsReadCompletelyOverTwoPolls_EachNotificationOnce(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var factory = NewFactory(provider, maxPagesPerPoll: 3);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.Url);
        Assert.Equal(3, (await PollAsync(factory, channel.Id)).Ingested);

        // 20 mentions in 5 pages arrive before the next poll, which reads 3 pages. Erin's first post is the oldest of
        // them and her follow-up the newest: the two ends of the burst.
        var template = JsonNode.Parse(server.Pages["2026-11-23T09:40:00.000Z"])!["notifications"]![0]!;
        var burst = Enumerable.Range(1, 20).Select(k => BurstMention(template, k)).Reverse().ToList();
        var recentFirst = server.Pages[""];
        for (var page = 0; page < 5; page++)
        {
            var notifications = new JsonArray(burst.Skip(page * 4).Take(4).Select(n => n.DeepClone()).ToArray());
            server.Pages[page == 0 ? "" : $"burst-{page}"] = new JsonObject { ["cursor"] = $"burst-{page + 1}", ["notifications"] = notifications }.ToJsonString();
        }
        server.Pages["burst-5"] = recentFirst;
        IEnumerable<string> Cursors(int skip) => server.Requests.Skip(skip).Where(r => r.Nsid == "app.bsky.notification.listNotifications")
            .Select(r => System.Web.HttpUtility.ParseQueryString(r.Query)["cursor"] ?? "top");

        var before = server.Requests.Count;
        var first = await PollAsync(factory, channel.Id);
        Assert.True(first.Ok, first.Error);
        Assert.Equal(12, first.Ingested);
        Assert.Equal(["top", "burst-1", "burst-2"], Cursors(before));
        await using (var db = factory.OpenDb())
        {
            var state = BlueskyChannelState.Read((await db.Channels.SingleAsync(c => c.Id == channel.Id)).State);
            Assert.Equal("burst-3", state.BurstCursor);
            Assert.Equal(DateTimeOffset.Parse("2026-11-23T10:05:01.123Z", CultureInfo.InvariantCulture), state.LastIndexedAt);
        }

        // The server fails on the way: the burst goes on from the same place at the next poll.
        server.Once("app.bsky.notification.listNotifications", 502, BlueskyServer.Recorded("error-InternalServerError.json"));
        Assert.False((await PollAsync(factory, channel.Id)).Ok);
        before = server.Requests.Count;
        var second = await PollAsync(factory, channel.Id);
        Assert.True(second.Ok, second.Error);
        Assert.Equal(8, second.Ingested);
        Assert.Equal(["burst-3", "burst-4", "burst-5"], Cursors(before));

        // The burst is read: a quiet poll is one request again, and stores nothing twice.
        before = server.Requests.Count;
        var third = await PollAsync(factory, channel.Id);
        Assert.Equal(0, third.Ingested);
        Assert.Equal(["top"], Cursors(before));

        await using (var db = factory.OpenDb())
        {
            var stored = await db.Messages.Where(m => m.ChannelId == channel.Id).ToListAsync();
            Assert.Equal(23, stored.Count);
            Assert.Equal(burst.Select(n => (string)n["uri"]!).Order(StringComparer.Ordinal), stored.Select(m => m.ExternalId!).Where(u => u.Contains("3lburst", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            var erin = stored.Where(m => m.AuthorName == "Erin").OrderBy(m => m.CreatedAt).ToList();
            Assert.Equal(["Bonjour, ma facture 1 est fausse.", "Toujours rien pour ma facture ?"], erin.Select(m => m.Text));
            Assert.Single(erin.Select(m => m.ConversationId).Distinct());
            var state = BlueskyChannelState.Read((await db.Channels.SingleAsync(c => c.Id == channel.Id)).State);
            Assert.Null(state.BurstCursor);
            Assert.Equal(DateTimeOffset.Parse("2026-11-23T12:20:00Z", CultureInfo.InvariantCulture), state.LastIndexedAt);
        }
    }

    /// <summary>The k-th mention of a burst, indexed k minutes after noon; the 1st and 20th are Erin's post and her follow-up in its thread.</summary>
    private static JsonNode BurstMention(JsonNode template, int k)
    {
        var erin = k is 1 or 20;
        var notification = template.DeepClone();
        var did = erin ? "did:plc:erin4example" : $"did:plc:customer{k}example";
        notification["uri"] = $"at://{did}/app.bsky.feed.post/3lburst{k:00}";
        notification["cid"] = $"bafyreiburst{k:00}";
        notification["author"]!["did"] = did;
        notification["author"]!["handle"] = erin ? "erin.bsky.social" : $"customer{k}.bsky.social";
        notification["author"]!["displayName"] = erin ? "Erin" : $"Customer {k}";
        var at = new DateTime(2026, 11, 23, 12, k, 0, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        notification["indexedAt"] = at;
        notification["record"]!["createdAt"] = at;
        notification["record"]!["text"] = k == 20 ? "Toujours rien pour ma facture ?" : $"Bonjour, ma facture {k} est fausse.";
        if (k == 20)
        {
            notification["reason"] = "reply";
            var first = new JsonObject { ["uri"] = "at://did:plc:erin4example/app.bsky.feed.post/3lburst01", ["cid"] = "bafyreiburst01" };
            notification["record"]!["reply"] = new JsonObject { ["root"] = first.DeepClone(), ["parent"] = first };
        }
        return notification;
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task HostileText_IsStoredAndServedAsText(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.Url);

        Assert.True((await PollAsync(factory, channel.Id)).Ok);

        Guid conversationId;
        await using (var db = factory.OpenDb())
        {
            var quote = await db.Messages.SingleAsync(m => m.ExternalId == Quote);
            Assert.Equal("The new bike looks great <img src=x onerror=alert(1)> but the battery died after two days.", quote.Text);
            Assert.Equal("<b>Dan</b><script>alert('name')</script>", quote.AuthorName);
            conversationId = quote.ConversationId;
        }
        var analyst = await factory.TokenClientAsync(workspace.Id, Workspaces.Role.Analyst);
        var response = await analyst.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{conversationId}/messages");
        // A JSON string, never markup: the pages bind it as text.
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = await response.Content.ReadAsStringAsync();
        var texts = JsonNode.Parse(json)!["items"]!.AsArray().Select(m => m!["text"]!.GetValue<string>());
        Assert.Contains("The new bike looks great <img src=x onerror=alert(1)> but the battery died after two days.", texts);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ExpiredAccessToken_IsRefreshedOnce_AndARefusedRefreshSignsInAgain(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.Url);
        Assert.True((await PollAsync(factory, channel.Id)).Ok);

        server.ExpireAccessTokens();
        var before = server.Requests.Count;
        var refreshed = await PollAsync(factory, channel.Id);

        Assert.True(refreshed.Ok, refreshed.Error);
        var calls = server.Requests.Skip(before).ToList();
        Assert.Equal(["app.bsky.notification.listNotifications", "com.atproto.server.refreshSession", "app.bsky.notification.listNotifications"], calls.Select(c => c.Nsid));
        Assert.Equal("eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkVTMjU2SyJ9.refresh-1.sig", calls[1].Token);
        Assert.Equal("eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-2.sig", calls[2].Token);
        Assert.Equal(1, server.Count("com.atproto.server.createSession"));

        // Months later the refresh token is refused too: the app password makes a new session, and the poll still works.
        server.ExpireAccessTokens();
        server.RevokeRefreshTokens();
        before = server.Requests.Count;
        var signedInAgain = await PollAsync(factory, channel.Id);
        Assert.True(signedInAgain.Ok, signedInAgain.Error);
        Assert.Equal(
            ["app.bsky.notification.listNotifications", "com.atproto.server.refreshSession", "com.atproto.server.createSession", "app.bsky.notification.listNotifications"],
            server.Requests.Skip(before).Select(c => c.Nsid));
        await using var db = factory.OpenDb();
        Assert.Equal(3, await db.Messages.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task BrokenChannels_GiveAClearErrorEach_AndTheOthersKeepWorking(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var good = await CreateChannelAsync(factory, workspace.Id, server.Url);
        var broken = new Dictionary<string, Guid>
        {
            ["refused the identifier or app password for brand.bsky.social"] = (await CreateChannelAsync(factory, workspace.Id, server.Url, password: "wrong-pass-word")).Id,
            ["the connection was refused"] = (await CreateChannelAsync(factory, workspace.Id, $"http://127.0.0.1:{ClosedPort()}")).Id,
            ["has no account: set \"identifier\""] = (await CreateChannelAsync(factory, workspace.Id, server.Url, identifier: "")).Id,
            ["has no app password"] = (await CreateChannelAsync(factory, workspace.Id, server.Url, password: null)).Id,
            ["not an absolute http:// or https:// address"] = (await CreateChannelAsync(factory, workspace.Id, "ftp://bsky.example")).Id,
        };

        var results = await factory.Services.GetRequiredService<BlueskyWorker>().RunOnceAsync();

        Assert.Equal(broken.Count + 1, results.Count);
        Assert.Equal(3, results.Single(r => r.ChannelId == good.Id).Ingested);
        await using (var db = factory.OpenDb())
        {
            var channels = await db.Channels.ToDictionaryAsync(c => c.Id);
            Assert.Null(channels[good.Id].LastError);
            foreach (var (expected, id) in broken)
            {
                Assert.True(channels[id].LastError?.Contains(expected, StringComparison.Ordinal), $"Expected \"{expected}\" in: {channels[id].LastError}");
                Assert.NotNull(channels[id].LastErrorAt);
                Assert.Null(channels[id].LastPolledAt);
            }
            Assert.All(await db.Messages.ToListAsync(), m => Assert.Equal(good.Id, m.ChannelId));
        }

        // The server fails, then answers garbage: the channel says so, keeps its place, and loses nothing.
        server.Once("app.bsky.notification.listNotifications", 502, BlueskyServer.Recorded("error-InternalServerError.json"));
        var down = await PollAsync(factory, good.Id);
        Assert.Contains("HTTP 502", down.Error, StringComparison.Ordinal);
        Assert.Contains("InternalServerError", down.Error, StringComparison.Ordinal);
        server.Once("app.bsky.notification.listNotifications", 200, "{\"notifications\": [ {\"uri\": ");
        var garbage = await PollAsync(factory, good.Id);
        Assert.Contains("not JSON", garbage.Error, StringComparison.Ordinal);
        var healed = await PollAsync(factory, good.Id);
        Assert.True(healed.Ok, healed.Error);
        await using (var db = factory.OpenDb())
        {
            Assert.Null((await db.Channels.SingleAsync(c => c.Id == good.Id)).LastError);
            Assert.Equal(3, await db.Messages.CountAsync());
        }

        // "Test the connection" says the same, in one sentence, through the API.
        var owner = await factory.TokenClientAsync(workspace.Id, Workspaces.Role.Owner);
        var ok = await TestConnectionAsync(owner, workspace.Id, good.Id);
        Assert.True(ok.Ok);
        Assert.Equal($"Signed in to 127.0.0.1 as @{BlueskyServer.Handle} ({BlueskyServer.Did}).", ok.Detail);
        var wrong = await TestConnectionAsync(owner, workspace.Id, broken["refused the identifier or app password for brand.bsky.social"]);
        Assert.False(wrong.Ok);
        Assert.StartsWith("127.0.0.1 refused the identifier or app password", wrong.Error, StringComparison.Ordinal);

        // Only the workspace's admins test its channels; another workspace does not even see them.
        var analyst = await factory.TokenClientAsync(workspace.Id, Workspaces.Role.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsync($"/api/v1/workspaces/{workspace.Id}/channels/{good.Id}/test", null)).StatusCode);
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var stranger = await factory.TokenClientAsync(other.Id, Workspaces.Role.Owner);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/v1/workspaces/{other.Id}/channels/{good.Id}/test", null)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SilentServer_TimesOutWithAClearError_AndTheNextPollReadsEverything(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var factory = new RapportFactory(provider, s =>
        {
            s["Rapport:Bluesky:CheckEvery"] = "00:00:00";
            s["Rapport:Bluesky:Timeout"] = "00:00:01";
        });
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateChannelAsync(factory, workspace.Id, server.Url);
        server.Once("app.bsky.notification.listNotifications", 0, "");

        var silent = await PollAsync(factory, channel.Id);

        Assert.False(silent.Ok);
        Assert.Equal("127.0.0.1 did not answer within the 1-second limit.", silent.Error);
        var again = await PollAsync(factory, channel.Id);
        Assert.Equal(3, again.Ingested);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Reply_IsAPostWithReplyReferencesAndFacets_CountedInUtf8Bytes(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var setup = await Setup.StartAsync(provider, server);
        const string text = "Désolé 😔 voir https://aide.example/suivi?c=4411 ou écrivez à @support.example.com. @nobody.example.org aussi.";

        var reply = await setup.ReplyAsync(text);
        await setup.Worker.RunOnceAsync();

        var message = await setup.MessageAsync(reply.MessageId);
        Assert.Equal(DeliveryStatus.Sent, message.DeliveryStatus);
        var post = Assert.Single(server.Posts);
        Assert.Equal($"at://{BlueskyServer.Did}/app.bsky.feed.post/{post.Key}", message.ExternalId);
        Assert.Matches("^[2-7a-j][2-7a-z]{12}$", post.Key);
        var create = JsonNode.Parse(server.Requests.Single(r => r.Nsid == "com.atproto.repo.createRecord").Body)!;
        Assert.Equal(BlueskyServer.Did, create["repo"]!.GetValue<string>());
        Assert.Equal("app.bsky.feed.post", create["collection"]!.GetValue<string>());
        var record = create["record"]!;
        Assert.Equal("app.bsky.feed.post", record["$type"]!.GetValue<string>());
        Assert.Equal(text, record["text"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(record["createdAt"]!.GetValue<string>(), CultureInfo.InvariantCulture, out _));
        // Under Carol's latest post (the parent), in the thread her first post started (the root).
        Assert.Equal(Reply, record["reply"]!["parent"]!["uri"]!.GetValue<string>());
        Assert.Equal(ReplyCid, record["reply"]!["parent"]!["cid"]!.GetValue<string>());
        Assert.Equal(Mention, record["reply"]!["root"]!["uri"]!.GetValue<string>());
        Assert.Equal(MentionCid, record["reply"]!["root"]!["cid"]!.GetValue<string>());
        // "Désolé 😔 voir " is 19 bytes: é counts 2 and the emoji 4. The unknown handle stays plain text.
        var facets = record["facets"]!.AsArray();
        Assert.Equal(2, facets.Count);
        Assert.Equal((19, 52), Index(facets[0]!));
        Assert.Equal("app.bsky.richtext.facet#link", facets[0]!["features"]![0]!["$type"]!.GetValue<string>());
        Assert.Equal("https://aide.example/suivi?c=4411", facets[0]!["features"]![0]!["uri"]!.GetValue<string>());
        Assert.Equal((68, 88), Index(facets[1]!));
        Assert.Equal("app.bsky.richtext.facet#mention", facets[1]!["features"]![0]!["$type"]!.GetValue<string>());
        Assert.Equal("did:plc:support4t2example", facets[1]!["features"]![0]!["did"]!.GetValue<string>());
        Assert.Equal(2, server.Count("com.atproto.identity.resolveHandle"));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task NewPost_IsPublishedWithItsLanguageAndFacets_AndATooLongOneFailsWithTheReason(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var setup = await Setup.StartAsync(provider, server);
        var posts = $"{setup.WorkspaceUrl}/channels/{setup.ChannelId}/posts";

        var accepted = await setup.Agent.PostAsJsonAsync(posts, new { text = "Nouveau vélo 🚲 : https://brand.example/velo", language = "fr" });
        var tooLong = await setup.Agent.PostAsJsonAsync(posts, new { text = new string('a', 290) + " " + string.Concat(Enumerable.Repeat("🚲", 10)) });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        setup.CatchUp();
        await setup.Worker.RunOnceAsync();

        var record = JsonNode.Parse(server.Requests.Single(r => r.Nsid == "com.atproto.repo.createRecord").Body)!["record"]!;
        Assert.Null(record["reply"]);
        Assert.Equal(["fr"], record["langs"]!.AsArray().Select(l => l!.GetValue<string>()));
        // "Nouveau vélo 🚲 : " is 21 bytes.
        Assert.Equal((21, 47), Index(record["facets"]![0]!));
        var list = (await setup.Agent.GetFromJsonAsync<Api.Page<Publishing.PostDto>>(posts, Json.Options))!.Items;
        var published = list.Single(p => p.Text.StartsWith("Nouveau", StringComparison.Ordinal));
        Assert.Equal(OutboxStatus.Sent, published.Status);
        Assert.Equal($"at://{BlueskyServer.Did}/app.bsky.feed.post/{Assert.Single(server.Posts).Key}", published.ExternalId);
        var refused = list.Single(p => p.Text.StartsWith("aaa", StringComparison.Ordinal));
        Assert.Equal(OutboxStatus.Failed, refused.Status);
        Assert.Equal("Bluesky posts hold at most 300 characters; this one has 301. Shorten it, or answer in several replies.", refused.Error);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Resend_OfTheSameOutboxItem_DoesNotCreateASecondPost(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var setup = await Setup.StartAsync(provider, server);

        // The post is made, but the answer is lost on the way back (a proxy fails, the process dies).
        server.Once("com.atproto.repo.createRecord", 502, BlueskyServer.Recorded("error-InternalServerError.json"), store: true);
        var reply = await setup.ReplyAsync("Nous regardons votre commande tout de suite.");
        await setup.Worker.RunOnceAsync();
        var lost = await setup.ItemAsync(reply.MessageId);
        Assert.Equal(OutboxStatus.Pending, lost.Status);
        Assert.Single(server.Posts);

        setup.AdvanceTo(lost.NextAttemptAt);
        await setup.Worker.RunOnceAsync();

        var sent = await setup.ItemAsync(reply.MessageId);
        Assert.Equal((OutboxStatus.Sent, 2), (sent.Status, sent.Attempts));
        var post = Assert.Single(server.Posts);
        Assert.Equal($"at://{BlueskyServer.Did}/app.bsky.feed.post/{post.Key}", (await setup.MessageAsync(reply.MessageId)).ExternalId);
        Assert.Equal(1, server.Count("com.atproto.repo.createRecord"));

        // Even sent once more from scratch (its first attempt again), the record key collides and nothing is doubled.
        await using var db = setup.Factory.OpenDb();
        var item = await db.OutboxItems.SingleAsync(o => o.MessageId == reply.MessageId);
        item.Attempts = 1;
        var channel = await db.Channels.SingleAsync(c => c.Id == item.ChannelId);
        var message = await db.Messages.SingleAsync(m => m.Id == reply.MessageId);
        var conversation = await db.Conversations.SingleAsync(c => c.Id == message.ConversationId);
        var sender = setup.Factory.Services.GetRequiredKeyedService<IChannelSender>(ChannelKind.Bluesky);
        var outcome = await sender.SendAsync(new OutboundDelivery(item, channel, message, conversation, DateTime.UtcNow), CancellationToken.None);
        Assert.Equal(SendResult.Sent, outcome.Result);
        Assert.Equal(message.ExternalId, outcome.ExternalId);
        Assert.Single(server.Posts);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RateLimited_429_WaitsForTheReset_InPollsAndReplies(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        await using var setup = await Setup.StartAsync(provider, server);
        var reset = DateTimeOffset.UtcNow.AddMinutes(10);
        var headers = new Dictionary<string, string>
        {
            ["RateLimit-Limit"] = "100",
            ["RateLimit-Remaining"] = "0",
            ["RateLimit-Reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        };

        server.Once("com.atproto.repo.createRecord", 429, BlueskyServer.Recorded("error-RateLimitExceeded.json"), headers);
        var reply = await setup.ReplyAsync("Un instant, je vérifie.");
        await setup.Worker.RunOnceAsync();
        var waiting = await setup.ItemAsync(reply.MessageId);
        Assert.Equal(OutboxStatus.Pending, waiting.Status);
        Assert.Contains("rate limit", waiting.LastError, StringComparison.Ordinal);
        Assert.True(waiting.NextAttemptAt >= reset.UtcDateTime.AddSeconds(-5), $"Retried at {waiting.NextAttemptAt:O}, before the reset at {reset:O}.");
        setup.AdvanceTo(waiting.NextAttemptAt);
        await setup.Worker.RunOnceAsync();
        Assert.Equal(OutboxStatus.Sent, (await setup.ItemAsync(reply.MessageId)).Status);

        // A poll refused with 429 shows why on the channel, and the next poll asks nothing before the reset.
        server.Once("app.bsky.notification.listNotifications", 429, BlueskyServer.Recorded("error-RateLimitExceeded.json"), headers);
        var limited = await PollAsync(setup.Factory, setup.ChannelId);
        Assert.False(limited.Ok);
        Assert.Contains("asks Rapport to slow down", limited.Error, StringComparison.Ordinal);
        var before = server.Requests.Count;
        var skipped = await PollAsync(setup.Factory, setup.ChannelId);
        Assert.True(skipped.Ok);
        Assert.Equal(before, server.Requests.Count);
    }

    [Fact]
    public void RecordKey_IsATidDerivedFromTheItem()
    {
        var item = new OutboxItem { IdempotencyKey = "reply-1", CreatedAt = DateTime.UtcNow };
        var other = new OutboxItem { IdempotencyKey = "reply-2", CreatedAt = DateTime.UtcNow };

        var key = BlueskyRecordKey.For(item);

        Assert.Equal(key, BlueskyRecordKey.For(item));
        Assert.NotEqual(key, BlueskyRecordKey.For(other));
        Assert.Matches("^[2-7a-j][2-7a-z]{12}$", key);
        Assert.Equal("2222222222222", BlueskyRecordKey.Encode(0));
        // Sorted like the time the item was made, as TIDs are.
        var later = new OutboxItem { Id = Guid.CreateVersion7(DateTimeOffset.UtcNow.AddSeconds(1)), IdempotencyKey = "reply-3" };
        Assert.True(string.CompareOrdinal(key, BlueskyRecordKey.For(later)) < 0);
    }

    [Fact]
    public void RichText_FindsLinksAndHandles_WithUtf8ByteOffsets()
    {
        var text = "é🙂 (https://a.example/x?y=1). javascript:alert(1) mail@b.example @c.bsky.social!";

        var link = Assert.Single(BlueskyRichText.Links(text));
        var mention = Assert.Single(BlueskyRichText.Mentions(text));

        Assert.Equal(new BlueskySpan(8, 31, "https://a.example/x?y=1"), link);
        Assert.Equal("c.bsky.social", mention.Value);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text[..text.IndexOf("@c.", StringComparison.Ordinal)]), mention.ByteStart);
        Assert.Equal(mention.ByteStart + "@c.bsky.social".Length, mention.ByteEnd);
    }

    private static (int, int) Index(JsonNode facet) =>
        (facet["index"]!["byteStart"]!.GetValue<int>(), facet["index"]!["byteEnd"]!.GetValue<int>());

    private static RapportFactory NewFactory(string provider, int maxPagesPerPoll = 20) => new(provider, s =>
    {
        // The workers' own timers are off: the tests run polls and deliveries themselves.
        s["Rapport:Bluesky:CheckEvery"] = "00:00:00";
        s["Rapport:Outbox:PollInterval"] = "00:00:00";
        s["Rapport:Bluesky:MaxPagesPerPoll"] = maxPagesPerPoll.ToString(CultureInfo.InvariantCulture);
    });

    private static async Task<BlueskyPollResult> PollAsync(RapportFactory factory, Guid channelId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BlueskyPoller>().PollAsync(channelId);
    }

    private static async Task<ChannelTestResult> TestConnectionAsync(HttpClient client, Guid workspaceId, Guid channelId)
    {
        var response = await client.PostAsync($"/api/v1/workspaces/{workspaceId}/channels/{channelId}/test", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ChannelTestResult>(Json.Options))!;
    }

    internal static async Task<Channel> CreateChannelAsync(
        RapportFactory factory, Guid workspaceId, string serviceUrl, string? identifier = BlueskyServer.Handle, string? password = BlueskyServer.AppPassword)
    {
        await using var db = factory.OpenDb();
        var secrets = factory.Services.GetRequiredService<ChannelSecrets>();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = "Bluesky " + Guid.NewGuid().ToString("N")[..6],
            Kind = ChannelKind.Bluesky,
            Direction = ChannelDirection.Inbox,
            Settings = JsonSerializer.Serialize(new { serviceUrl, identifier }),
            ProtectedSecrets = password is null ? null : secrets.Protect(new Dictionary<string, string> { [BlueskyChannelSettings.AppPasswordSecret] = password }),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    /// <summary>A port nothing listens on: bound by the system, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A Bluesky channel whose notifications were polled, an agent, and an outbox worker on a fake clock.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

        private Setup(RapportFactory factory) => Factory = factory;

        public RapportFactory Factory { get; }
        public Guid ChannelId { get; private set; }
        public HttpClient Agent { get; private set; } = null!;
        public string ConversationUrl { get; private set; } = "";
        public string WorkspaceUrl { get; private set; } = "";
        public OutboxWorker Worker { get; private set; } = null!;

        public static async Task<Setup> StartAsync(string provider, BlueskyServer server)
        {
            var setup = new Setup(NewFactory(provider));
            var factory = setup.Factory;
            var (owner, workspace) = await factory.CreateOwnerAsync();
            setup.ChannelId = (await CreateChannelAsync(factory, workspace.Id, server.Url)).Id;
            Assert.True((await PollAsync(factory, setup.ChannelId)).Ok);
            await using (var db = factory.OpenDb())
            {
                var conversation = await db.Messages.Where(m => m.ExternalId == Mention).Select(m => m.ConversationId).SingleAsync();
                setup.WorkspaceUrl = $"/api/v1/workspaces/{workspace.Id}";
                setup.ConversationUrl = $"{setup.WorkspaceUrl}/conversations/{conversation}";
            }
            setup.Agent = await factory.SignedInClientAsync(owner.Email!);
            setup.Worker = new OutboxWorker(
                factory.Services.GetRequiredService<RapportDbContextFactory>(), factory.Services, new OutboxSignal(),
                Options.Create(new OutboxOptions()), setup.clock, NullLogger<OutboxWorker>.Instance);
            return setup;
        }

        public async Task<ReplyResponse> ReplyAsync(string text)
        {
            var response = await Agent.PostAsJsonAsync($"{ConversationUrl}/replies", new { text });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            CatchUp();
            return (await response.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!;
        }

        /// <summary>The app queues by its real clock; the worker's fake clock moves up to it so those items are due.</summary>
        public void CatchUp()
        {
            if (clock.GetUtcNow() < DateTimeOffset.UtcNow)
            {
                clock.SetUtcNow(DateTimeOffset.UtcNow);
            }
        }

        public void AdvanceTo(DateTime at)
        {
            var target = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc));
            if (target > clock.GetUtcNow())
            {
                clock.SetUtcNow(target);
            }
        }

        public async Task<OutboxItem> ItemAsync(Guid messageId)
        {
            await using var db = Factory.OpenDb();
            return await db.OutboxItems.SingleAsync(o => o.MessageId == messageId);
        }

        public async Task<Message> MessageAsync(Guid messageId)
        {
            await using var db = Factory.OpenDb();
            return await db.Messages.SingleAsync(m => m.Id == messageId);
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }
}
