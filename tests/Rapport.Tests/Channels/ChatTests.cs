using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Channels;
using Rapport.Channels.Chat;
using Rapport.Conversations;
using Rapport.Conversations.Live;
using Rapport.Notifications;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>The website chat's anonymous endpoints, as the widget on a brand's site uses them.</summary>
public class ChatTests
{
    private const string Site = "https://www.velo-vert.example";
    private const string Hostile = "<img src=x onerror=alert(1)><script>alert('hi')</script> & <b>bold</b>";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task FirstMessage_StartsASession_ThatTheTokenContinues_AndHostileHtmlStaysText(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);

        var first = await chat.SendAsync(null, new { text = "Bonjour, mon vélo fait un bruit bizarre", email = "Julie@Example.fr", clientId = Guid.NewGuid() });
        var token = first.GetProperty("token").GetString()!;
        var second = await chat.SendAsync(token, new { text = Hostile });
        var again = await chat.SendAsync(token, new { text = "Same message, sent twice", clientId = "0b6c3c1e-6a64-4c6b-9d0e-1f2a3b4c5d6e" });
        var retried = await chat.SendAsync(token, new { text = "Same message, sent twice", clientId = "0b6c3c1e-6a64-4c6b-9d0e-1f2a3b4c5d6e" });

        Assert.Equal(again.GetProperty("message").GetProperty("id").GetGuid(), retried.GetProperty("message").GetProperty("id").GetGuid());
        await using var db = factory.OpenDb();
        var conversation = await db.Conversations.SingleAsync();
        Assert.Equal(chat.ChannelId, conversation.ChannelId);
        var messages = await db.Messages.Where(m => m.ConversationId == conversation.Id).OrderBy(m => m.CreatedAt).ToListAsync();
        Assert.Equal(3, messages.Count);
        Assert.Equal(Hostile, messages[1].Text);
        Assert.All(messages, m => Assert.Equal(MessageDirection.Inbound, m.Direction));
        var contact = await db.Contacts.SingleAsync(c => c.Id == conversation.ContactId);
        Assert.Equal("Julie@Example.fr", contact.Email);

        // The visitor's reload reads the conversation back, hostile text included, as data.
        var lines = await chat.ReadStreamAsync(token, lines => lines.Count >= 3);
        Assert.Equal(Hostile, lines[1].GetProperty("text").GetString());
        Assert.All(lines, l => Assert.True(l.GetProperty("fromVisitor").GetBoolean()));

        // And the agents see it in the inbox like any other channel's conversation.
        var inbox = await chat.Agent.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{chat.WorkspaceId}/conversations/{conversation.Id}/messages", Json.Options);
        Assert.Contains(Hostile, inbox.GetRawText().Replace("\\u003C", "<", StringComparison.Ordinal).Replace("\\u003E", ">", StringComparison.Ordinal)
            .Replace("\\u0027", "'", StringComparison.Ordinal).Replace("\\u0026", "&", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ForgedOrOtherChannelsTokens_Are401_OtherSites403_UnknownKeys404(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var other = await chat.AnotherChatAsync();
        var token = (await chat.SendAsync(null, new { text = "hello" })).GetProperty("token").GetString()!;
        var otherToken = (await other.SendAsync(null, new { text = "hello there" })).GetProperty("token").GetString()!;

        var foreign = await chat.PostAsync("messages", otherToken, new { text = "with the other chat's token" });
        var forged = await chat.PostAsync("messages", token[..^4] + "AAAA", new { text = "forged" });
        var garbage = await chat.PostAsync("messages", "not a token at all", new { text = "garbage" });
        foreach (var r in new[] { foreign, forged, garbage })
        {
            Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, await r.Content.ReadAsStringAsync());
        }
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await chat.GetStreamAsync(otherToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await chat.PostAsync("typing", otherToken, new { })).StatusCode);
        // Without an Origin (not a browser on the brand's site) nothing is answered.
        using var noOrigin = new HttpRequestMessage(HttpMethod.Get, $"{chat.Url}/stream");
        noOrigin.Headers.Add(ChatApi.VisitorHeader, token);
        Assert.Equal(HttpStatusCode.Forbidden, (await chat.Client.SendAsync(noOrigin)).StatusCode);

        using var elsewhere = new HttpRequestMessage(HttpMethod.Post, $"{chat.Url}/messages") { Content = JsonContent.Create(new { text = "from another site" }) };
        elsewhere.Headers.Add("Origin", "https://evil.example");
        var refused = await chat.Client.SendAsync(elsewhere);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/api/v1/chat/pk_AAAAAAAAAAAAAAAAAAAAAA");
        unknown.Headers.Add("Origin", Site);
        Assert.Equal(HttpStatusCode.NotFound, (await chat.Client.SendAsync(unknown)).StatusCode);
        using var malformed = new HttpRequestMessage(HttpMethod.Get, "/api/v1/chat/' OR 1=1 --");
        malformed.Headers.Add("Origin", Site);
        Assert.Equal(HttpStatusCode.NotFound, (await chat.Client.SendAsync(malformed)).StatusCode);

        // The preflight of the allowed site is answered with CORS headers for that site only.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"{chat.Url}/messages");
        preflight.Headers.Add("Origin", Site);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var allowed = await chat.Client.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(Site, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains(ChatApi.VisitorHeader, allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);

        // Each visitor reads only their own conversation.
        await using var db = factory.OpenDb();
        Assert.Equal(2, await db.Conversations.CountAsync());
        var lines = await chat.ReadStreamAsync(token, lines => lines.Count >= 1);
        Assert.Equal(["hello"], lines.Select(l => l.GetProperty("text").GetString()));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task OversizedEmptyOrBadEmailMessages_Are400_AndAPausedChat_Is503(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);

        var oversized = await chat.PostAsync("messages", null, new { text = new string('a', ChatService.MaxMessageLength + 1) });
        Assert.Equal(HttpStatusCode.BadRequest, oversized.StatusCode);
        Assert.Contains($"{ChatService.MaxMessageLength} characters", await oversized.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await chat.PostAsync("messages", null, new { text = "   " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await chat.PostAsync("messages", null, new { text = "hi", email = "<script>@x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await chat.PostAsync("offline", null, new { text = "no e-mail given" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await chat.PostAsync("messages", null, new { text = "hi", clientId = "'; DROP TABLE" })).StatusCode);
        var token = (await chat.SendAsync(null, new { text = "before the pause" })).GetProperty("token").GetString()!;

        var paused = await chat.Agent.PatchAsJsonAsync($"/api/v1/workspaces/{chat.WorkspaceId}/channels/{chat.ChannelId}", new { paused = true });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var refused = await chat.PostAsync("messages", token, new { text = "during the pause" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("closed for now", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(Site, refused.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var config = await chat.ConfigAsync("en");
        Assert.True(config.GetProperty("paused").GetBoolean());
        Assert.False(config.GetProperty("online").GetBoolean());

        await using var db = factory.OpenDb();
        Assert.Equal(["before the pause"], await db.Messages.Select(m => m.Text).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AgentsReply_ReachesTheVisitorsStream_ExactlyOnce_AndNotesNever(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var token = (await chat.SendAsync(null, new { text = "Is the shop open on Sunday?" })).GetProperty("token").GetString()!;
        var conversationUrl = $"/api/v1/workspaces/{chat.WorkspaceId}/conversations/{await chat.ConversationIdAsync()}";

        using var stream = await chat.OpenStreamAsync(token);
        Assert.Equal("Is the shop open on Sunday?", (await stream.NextAsync()).GetProperty("text").GetString());

        var note = await chat.Agent.PostAsJsonAsync($"{conversationUrl}/notes", new { text = "Private: check the Sunday rota" });
        Assert.True(note.IsSuccessStatusCode);
        var reply = await chat.Agent.PostAsJsonAsync($"{conversationUrl}/replies", new { text = "Yes, from 10 am to 6 pm <3" });
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        var replyId = (await reply.Content.ReadFromJsonAsync<ReplyResponse>(Json.Options))!.MessageId;

        // The outbox worker delivers it; the save that records it Sent wakes the stream.
        var delivered = await stream.NextAsync();
        Assert.Equal(replyId, delivered.GetProperty("id").GetGuid());
        Assert.Equal("Yes, from 10 am to 6 pm <3", delivered.GetProperty("text").GetString());
        Assert.False(delivered.GetProperty("fromVisitor").GetBoolean());

        // More changes to the conversation wake the stream again; the reply is not sent a second time.
        await chat.Agent.PostAsJsonAsync($"{conversationUrl}/notes", new { text = "Another private note" });
        await chat.SendAsync(token, new { text = "Thanks!" });
        Assert.Equal("Thanks!", (await stream.NextAsync()).GetProperty("text").GetString());
        Assert.Equal(1, stream.Seen.Count(l => l.GetProperty("id").GetGuid() == replyId));
        Assert.DoesNotContain(stream.Seen, l => l.GetProperty("text").GetString()!.Contains("rota", StringComparison.Ordinal));

        await using var db = factory.OpenDb();
        var item = await db.OutboxItems.SingleAsync(o => o.MessageId == replyId);
        Assert.Equal((OutboxStatus.Sent, 1), (item.Status, item.Attempts));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task WithNobodyAvailable_TheOfflineForm_ReachesTheInbox_MarkedToAnswerByEmail(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var availability = factory.Services.GetRequiredService<ChatAvailability>();

        var offline = await chat.ConfigAsync("fr");
        Assert.False(offline.GetProperty("online").GetBoolean());
        Assert.Equal("Personne n'est disponible pour le moment. Laissez-nous votre message et votre e-mail : nous vous répondrons par e-mail.",
            offline.GetProperty("offlineText").GetString());
        Assert.Equal("Envoyer", offline.GetProperty("labels").GetProperty("send").GetString());

        var left = await chat.PostAsync("offline", null, new { text = "Can I return a bike bought online?", email = "sam@example.com" });
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        await using (var db = factory.OpenDb())
        {
            var conversation = await db.Conversations.SingleAsync();
            Assert.Equal("Offline message: answer by e-mail to sam@example.com", conversation.Subject);
            Assert.Equal("sam@example.com", (await db.Contacts.SingleAsync(c => c.Id == conversation.ContactId)).Email);
        }

        // An agent opening Rapport makes the chat available; leaving makes it offline again.
        using (availability.Open(chat.WorkspaceId))
        {
            var online = await chat.ConfigAsync("en");
            Assert.True(online.GetProperty("online").GetBoolean());
            Assert.Equal("Hello from Vélo Vert!", online.GetProperty("greeting").GetString());
        }
        Assert.False((await chat.ConfigAsync("en")).GetProperty("online").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ConcurrentSendsOfOneVisitor_AllLandInTheirOneConversation_AndARetriedSendIsStoredOnce(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var token = (await chat.SendAsync(null, new { text = "First" })).GetProperty("token").GetString()!;
        var clientId = Guid.NewGuid();

        // Two tabs of the same visitor, and a widget that sent the same message twice after a network error.
        var sends = Enumerable.Range(1, 6).Select(i => chat.PostAsync("messages", token, new { text = $"Tab message {i}" }))
            .Concat([chat.PostAsync("messages", token, new { text = "Retried", clientId }), chat.PostAsync("messages", token, new { text = "Retried", clientId })]);
        var responses = await Task.WhenAll(sends);

        foreach (var response in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        await using var db = factory.OpenDb();
        Assert.Equal(1, await db.Conversations.CountAsync());
        Assert.Equal(1, await db.Contacts.CountAsync());
        Assert.Equal(8, await db.Messages.CountAsync());
        Assert.Equal(1, await db.Messages.CountAsync(m => m.Text == "Retried"));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task PublicKey_IsMadeByRapport_AndKept_WhateverTheAdminSends(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var other = await chat.AnotherChatAsync();
        var channelUrl = $"/api/v1/workspaces/{chat.WorkspaceId}/channels/{chat.ChannelId}";

        // Claiming another chat's key (to receive its visitors) does not take.
        var claim = await chat.Agent.PatchAsJsonAsync(channelUrl, new { settings = new { publicKey = other.Key, allowedOrigins = new[] { Site } } });
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        var saved = await claim.Content.ReadFromJsonAsync<ChannelDto>(Json.Options);
        Assert.Equal(chat.Key, saved!.Settings.GetProperty("publicKey").GetString());

        var badOrigins = await chat.Agent.PatchAsJsonAsync(channelUrl, new { settings = new { allowedOrigins = new[] { "javascript:alert(1)" } } });
        Assert.Equal(HttpStatusCode.BadRequest, badOrigins.StatusCode);
        Assert.Contains("allowedOrigins", await badOrigins.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var withPath = await chat.Agent.PatchAsJsonAsync(channelUrl, new { settings = new { allowedOrigins = new[] { "https://www.example.com/shop" } } });
        Assert.Equal(HttpStatusCode.BadRequest, withPath.StatusCode);

        // Analysts and agents cannot change a channel.
        var agent = await factory.TokenClientAsync(chat.WorkspaceId, Role.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PatchAsJsonAsync(channelUrl, new { paused = true })).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheStream_TakesTheVisitorTokenOnlyFromItsHeader_NeverFromTheUrl(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var other = await chat.AnotherChatAsync();
        var token = (await chat.SendAsync(null, new { text = "Where is my order?" })).GetProperty("token").GetString()!;
        var otherToken = (await other.SendAsync(null, new { text = "Hello" })).GetProperty("token").GetString()!;

        // The old way (the token in the query string, which access logs and proxies keep) is refused, alone or with another chat's header token.
        using var inQuery = await chat.GetStreamAsync(null, queryToken: token);
        Assert.Equal(HttpStatusCode.Unauthorized, inQuery.StatusCode);
        Assert.Equal("application/problem+json", inQuery.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid", await inQuery.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var mixed = await chat.GetStreamAsync(otherToken, queryToken: token);
        Assert.Equal(HttpStatusCode.Unauthorized, mixed.StatusCode);
        using var forged = await chat.GetStreamAsync(token[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        using var oversized = await chat.GetStreamAsync(new string('A', ChatVisitorTokens.MaxTokenLength + 1));
        Assert.Equal(HttpStatusCode.Unauthorized, oversized.StatusCode);

        // The preflight lets the brand's site send the header on the stream's GET.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, $"{chat.Url}/stream");
        preflight.Headers.Add("Origin", Site);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", ChatApi.VisitorHeader);
        var allowed = await chat.Client.SendAsync(preflight);
        Assert.Contains(ChatApi.VisitorHeader, allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);

        // With the header, the conversation comes back, readable by the brand's site only and kept by no cache.
        using var stream = await chat.OpenStreamAsync(token);
        Assert.Equal("Where is my order?", (await stream.NextAsync()).GetProperty("text").GetString());
        using var headers = await chat.GetStreamAsync(token);
        Assert.Equal(Site, headers.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("no-store", headers.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheVisitorTyping_ReachesTheAgentsPresence_AtMostOneSignalEveryFewSeconds_AndIsNeverStored(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var presence = factory.Services.GetRequiredService<ConversationPresence>();
        var token = (await chat.SendAsync(null, new { text = "I have a question about sizes" })).GetProperty("token").GetString()!;
        var conversationId = await chat.ConversationIdAsync();
        using var stream = await chat.OpenStreamAsync(token);
        await stream.NextAsync();

        var first = await chat.PostAsync("typing", token, new { });
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.True(presence.IsContactTyping(conversationId));
        var tooSoon = await chat.PostAsync("typing", token, new { });
        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon.StatusCode);
        Assert.Equal("application/problem+json", tooSoon.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(3), tooSoon.Headers.RetryAfter?.Delta);
        Assert.Equal(Site, tooSoon.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // No token, or a forged one, signals nothing.
        Assert.Equal(HttpStatusCode.Unauthorized, (await chat.PostAsync("typing", null, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await chat.PostAsync("typing", token[..^4] + "AAAA", new { })).StatusCode);

        // Typing is presence, not conversation: nothing more is stored.
        await using var db = factory.OpenDb();
        Assert.Equal(["I have a question about sizes"], await db.Messages.Select(m => m.Text).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AnAgentTypingAReply_ReachesTheVisitorsStream_ButTypingANoteDoesNot(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var presence = factory.Services.GetRequiredService<ConversationPresence>();
        var token = (await chat.SendAsync(null, new { text = "Can I change my delivery address?" })).GetProperty("token").GetString()!;
        var conversationId = await chat.ConversationIdAsync();
        using var stream = await chat.OpenStreamAsync(token);
        await stream.NextAsync();

        // An agent's page on the conversation: typing a note first, which the visitor must not hear about.
        var view = Guid.NewGuid();
        using var page = presence.Join(conversationId, view, Guid.NewGuid(), "Camille", () => { });
        presence.Typing(conversationId, view, replying: false);
        await chat.SendAsync(token, new { text = "It is order 5521" });
        var next = await stream.NextEventAsync();
        Assert.Equal("line", next.Name);
        Assert.Equal("It is order 5521", next.Data.GetProperty("text").GetString());

        // Then the reply box: the visitor hears who is typing, and hears that it stopped.
        presence.Typing(conversationId, view, replying: true);
        var typing = await stream.NextEventAsync();
        Assert.Equal("typing", typing.Name);
        Assert.Equal(["Camille"], typing.Data.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        presence.StoppedTyping(conversationId, view);
        var stopped = await stream.NextEventAsync();
        Assert.Equal("typing", stopped.Name);
        Assert.Empty(stopped.Data.GetProperty("names").EnumerateArray());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AnOfflineMessage_NotifiesTheWorkspacesAgents_OncePerUnreadNotice_AndNobodyElse(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var chat = await Chat.StartAsync(factory);
        var agent = await factory.AddMemberAsync(chat.WorkspaceId, Role.Agent);
        var analyst = await factory.AddMemberAsync(chat.WorkspaceId, Role.Analyst);
        var (stranger, elsewhere) = await factory.CreateOwnerAsync(workspaceName: "Another brand");

        var left = await chat.PostAsync("offline", null, new { text = "Do you repair <b>e-bikes</b>?\nMine is a 2021 model.", email = "sam@example.com" });
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        var token = (await left.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("token").GetString()!;
        var conversationId = await chat.ConversationIdAsync();

        await using (var db = factory.OpenDb())
        {
            var notices = await db.Notifications.IgnoreQueryFilters().ToListAsync();
            var owner = await db.Memberships.Where(m => m.WorkspaceId == chat.WorkspaceId && m.Role == Role.Owner).Select(m => m.UserId).SingleAsync();
            Assert.Contains(notices, n => n.UserId == owner);
            Assert.Contains(notices, n => n.UserId == agent.Id);
            Assert.DoesNotContain(notices, n => n.UserId == analyst.Id || n.UserId == stranger.Id || n.WorkspaceId == elsewhere.Id);
            Assert.All(notices, n =>
            {
                Assert.Equal((ChatService.OfflineKind, conversationId, chat.WorkspaceId), (n.Kind, n.ConversationId, n.WorkspaceId));
                Assert.Equal("Website chat · sam@example.com: “Do you repair <b>e-bikes</b>? Mine is a 2021 model.”", n.Text);
            });
        }

        // The admin sees it in their bell's list; a second message before anyone read the first adds no second notice.
        var list = await chat.Agent.GetFromJsonAsync<NotificationList>($"/api/v1/workspaces/{chat.WorkspaceId}/notifications", Json.Options);
        Assert.Equal(1, list!.Unread);
        Assert.Equal(conversationId, list.Items.Single().ConversationId);
        var again = await chat.PostAsync("offline", token, new { text = "Also, are you open on Monday?", email = "sam@example.com" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, (await chat.Agent.GetFromJsonAsync<NotificationList>($"/api/v1/workspaces/{chat.WorkspaceId}/notifications", Json.Options))!.Unread);

        // Once read, the next offline message notifies again; a live message never does.
        Assert.True((await chat.Agent.PostAsync($"/api/v1/workspaces/{chat.WorkspaceId}/notifications/read", null)).IsSuccessStatusCode);
        await chat.PostAsync("offline", token, new { text = "Hello? Still waiting.", email = "sam@example.com" });
        await chat.SendAsync(token, new { text = "A live message" });
        var after = await chat.Agent.GetFromJsonAsync<NotificationList>($"/api/v1/workspaces/{chat.WorkspaceId}/notifications", Json.Options);
        Assert.Equal(1, after!.Unread);
        Assert.Contains("Still waiting", after.Items[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ContactTyping_IsOneSignalEveryFewSeconds_ExpiresByItself_AndIsKeptOnlyWhileSomeoneWatches()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var presence = new ConversationPresence(clock);
        var conversation = Guid.NewGuid();

        // Nobody has the conversation open: there is nobody to tell, and nothing is kept.
        Assert.True(presence.ContactTyping(conversation));
        Assert.False(presence.IsContactTyping(conversation));

        var heard = 0;
        using (presence.Watch(conversation, () => heard++))
        {
            Assert.True(presence.ContactTyping(conversation));
            Assert.True(presence.IsContactTyping(conversation));
            Assert.False(presence.ContactTyping(conversation));
            Assert.Equal(1, heard);
            clock.Advance(ConversationPresence.TypingSignalInterval);
            Assert.True(presence.ContactTyping(conversation));
            Assert.Equal(2, heard);
            clock.Advance(ConversationPresence.TypingTimeout);
            Assert.False(presence.IsContactTyping(conversation));
            // A watcher is not a viewer: the agents' list stays empty.
            Assert.Empty(presence.Present(conversation));

            // An agent typing a note is typing, but not replying; switching to the reply box is heard.
            var view = Guid.NewGuid();
            using var page = presence.Join(conversation, view, Guid.NewGuid(), "Camille", () => { });
            presence.Typing(conversation, view, replying: false);
            Assert.Equal((true, false), presence.Present(conversation).Select(p => (p.IsTyping, p.IsReplying)).Single());
            var before = heard;
            presence.Typing(conversation, view, replying: true);
            Assert.Equal(before + 1, heard);
            Assert.True(presence.Present(conversation).Single().IsReplying);
            clock.Advance(ConversationPresence.TypingTimeout);
            Assert.False(presence.Present(conversation).Single().IsReplying);
        }

        // The last watcher and viewer gone, the conversation is forgotten.
        Assert.True(presence.ContactTyping(conversation));
        Assert.False(presence.IsContactTyping(conversation));
    }

    /// <summary>A chat channel made through the API as an admin would, and a visitor's browser on the brand's site.</summary>
    private sealed class Chat
    {
        public required RapportFactory Factory { get; init; }
        public required HttpClient Agent { get; init; }
        public required HttpClient Client { get; init; }
        public required Guid WorkspaceId { get; init; }
        public required Guid ChannelId { get; init; }
        public required string Key { get; init; }
        public string Url => $"/api/v1/chat/{Key}";

        public static async Task<Chat> StartAsync(RapportFactory factory)
        {
            var (_, workspace) = await factory.CreateOwnerAsync();
            var agent = await factory.TokenClientAsync(workspace.Id, Role.Admin);
            return await CreateAsync(factory, agent, workspace.Id);
        }

        public Task<Chat> AnotherChatAsync() => CreateAsync(Factory, Agent, WorkspaceId);

        private static async Task<Chat> CreateAsync(RapportFactory factory, HttpClient agent, Guid workspaceId)
        {
            var created = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/channels", new
            {
                name = "Website chat",
                kind = "Chat",
                settings = new
                {
                    publicKey = "pk_chosen-by-the-admin!!",
                    allowedOrigins = new[] { Site, "http://localhost:8080" },
                    greeting = new { en = "Hello from Vélo Vert!", fr = "Bonjour de Vélo Vert !" },
                },
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var channel = (await created.Content.ReadFromJsonAsync<ChannelDto>(Json.Options))!;
            var key = channel.Settings.GetProperty("publicKey").GetString()!;
            Assert.True(ChatSettings.IsWellFormedKey(key), key);
            return new Chat { Factory = factory, Agent = agent, Client = factory.CreateClient(), WorkspaceId = workspaceId, ChannelId = channel.Id, Key = key };
        }

        public async Task<HttpResponseMessage> PostAsync(string path, string? token, object body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{Url}/{path}") { Content = JsonContent.Create(body) };
            request.Headers.Add("Origin", Site);
            if (token is not null)
            {
                request.Headers.Add(ChatApi.VisitorHeader, token);
            }
            return await Client.SendAsync(request);
        }

        public async Task<JsonElement> SendAsync(string? token, object body)
        {
            var response = await PostAsync("messages", token, body);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            Assert.Equal(Site, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            return await response.Content.ReadFromJsonAsync<JsonElement>(Json.Options);
        }

        public async Task<JsonElement> ConfigAsync(string language)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Url}?lang={language}");
            request.Headers.Add("Origin", Site);
            var response = await Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>(Json.Options);
        }

        public async Task<Guid> ConversationIdAsync()
        {
            await using var db = Factory.OpenDb();
            return await db.Conversations.Where(c => c.ChannelId == ChannelId).Select(c => c.Id).SingleAsync();
        }

        /// <summary>The stream as the widget opens it: the token in a header, nothing in the URL but the channel's public key.</summary>
        public async Task<HttpResponseMessage> GetStreamAsync(string? headerToken, string? queryToken = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, queryToken is null ? $"{Url}/stream" : $"{Url}/stream?token={Uri.EscapeDataString(queryToken)}");
            request.Headers.Add("Origin", Site);
            if (headerToken is not null)
            {
                request.Headers.Add(ChatApi.VisitorHeader, headerToken);
            }
            return await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }

        public async Task<VisitorStream> OpenStreamAsync(string token)
        {
            var response = await GetStreamAsync(token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new VisitorStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        /// <summary>Reads the visitor's stream until <paramref name="enough"/> holds, then closes it.</summary>
        public async Task<List<JsonElement>> ReadStreamAsync(string token, Func<List<JsonElement>, bool> enough)
        {
            using var stream = await OpenStreamAsync(token);
            while (!enough(stream.Seen))
            {
                await stream.NextAsync();
            }
            return stream.Seen;
        }
    }

    /// <summary>The widget's event stream, read line by line: each <c>line</c> event's JSON, and the <c>typing</c> events.</summary>
    private sealed class VisitorStream(HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        public List<JsonElement> Seen { get; } = [];

        /// <summary>The next line of the conversation, skipping typing events.</summary>
        public async Task<JsonElement> NextAsync()
        {
            while (true)
            {
                var (name, data) = await NextEventAsync();
                if (name == "line")
                {
                    return data;
                }
            }
        }

        /// <summary>The next event of any kind, as (event name, data).</summary>
        public async Task<(string Name, JsonElement Data)> NextEventAsync()
        {
            // A guard against a hang, not a timing assertion: a missing event fails the test instead of blocking it.
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            string? eventName = null;
            while (await reader.ReadLineAsync(guard.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    eventName = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName is not null)
                {
                    var data = JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
                    if (eventName == "line")
                    {
                        Seen.Add(data);
                    }
                    return (eventName, data);
                }
            }
            throw new InvalidOperationException("The stream ended.");
        }

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
        }
    }
}
