using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Api;
using Rapport.Channels;
using Rapport.Channels.Bluesky;
using Rapport.Channels.Import;
using Rapport.Channels.Mastodon;
using Rapport.Channels.Webhook;
using Rapport.Conversations;
using Rapport.Listening;
using Rapport.Tests.Bluesky;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>The listening sources (Mastodon, Bluesky, webhook, imports) and what a mention becomes afterwards.</summary>
public class ListeningSourcesTests
{
    private static RapportFactory NewFactory(string provider) => new(provider, s =>
    {
        // The tests poll themselves; the local servers speak plain HTTP.
        s["Rapport:Mastodon:CheckEvery"] = "00:00:00";
        s["Rapport:Mastodon:Streaming"] = "false";
        s["Rapport:Mastodon:AllowInsecureHttp"] = "true";
        s["Rapport:Bluesky:CheckEvery"] = "00:00:00";
        s["Rapport:Outbox:PollInterval"] = "00:00:00";
    });

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Mastodon_ListeningChannel_ReadsHashtagsAndSearches_IntoMentions_PageByPage(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddPublicStatus("tag:velovert", 5001, "lea@piaille.fr", "<p>Mon <a href=\"x\">#VeloVert</a> est trop élevé de prix</p>", "Léa");
        server.AddPublicStatus("tag:velovert", 5002, "sam", "<p>Loving my #velovert</p>");
        // The same status found by the search too: one mention.
        server.AddPublicStatus("q:vélo vert", 5002, "sam", "<p>Loving my #velovert</p>");
        server.AddPublicStatus("q:vélo vert", 5003, "noor@mastodon.social", "<p>Le service client de Vélo Vert ne répond pas</p>");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await MastodonListeningAsync(factory, workspace.Id, server.BaseUrl);

        var first = await PollMastodonAsync(factory, channel.Id);

        Assert.True(first.Ok, first.Error);
        Assert.Equal(3, first.Ingested);
        var requests = server.Requests.ToList();
        // No token set: public reads, sent without one.
        Assert.All(requests, r => Assert.Equal("", r.Authorization));
        Assert.Equal("/api/v1/timelines/tag/VeloVert?limit=40", requests[0].PathAndQuery);
        Assert.Equal("/api/v2/search?type=statuses&q=vélo vert&limit=40", Uri.UnescapeDataString(requests[1].PathAndQuery));

        // 45 new statuses on the hashtag while Rapport was away: more than a page of 40, read from the position on.
        for (var i = 1; i <= 45; i++)
        {
            server.AddPublicStatus("tag:velovert", 6000 + i, $"fan{i}@example.social", $"<p>#VeloVert number {i}</p>");
        }
        var before = server.Requests.Count;
        var second = await PollMastodonAsync(factory, channel.Id);

        Assert.True(second.Ok, second.Error);
        Assert.Equal(45, second.Ingested);
        var pages = server.Requests.Skip(before).Select(r => Uri.UnescapeDataString(r.PathAndQuery)).ToList();
        Assert.Equal("/api/v1/timelines/tag/VeloVert?limit=40&min_id=5002", pages[0]);
        Assert.Equal("/api/v1/timelines/tag/VeloVert?limit=40&min_id=6040", pages[1]);
        Assert.Equal("/api/v2/search?type=statuses&q=vélo vert&limit=40&min_id=5003", pages[2]);
        Assert.Equal(0, (await PollMastodonAsync(factory, channel.Id)).Ingested);

        await using var db = factory.OpenDb();
        Assert.Equal(48, await db.Set<Mention>().CountAsync(m => m.ChannelId == channel.Id));
        Assert.Equal(0, await db.Messages.CountAsync());
        Assert.Equal(0, await db.Conversations.CountAsync());
        var lea = await db.Set<Mention>().SingleAsync(m => m.ExternalId == "5001");
        Assert.Equal($"@lea@piaille.fr", lea.AuthorHandle);
        Assert.Equal("Léa", lea.AuthorName);
        Assert.Equal("Mon #VeloVert est trop élevé de prix", lea.Text);
        var state = MastodonChannelState.Read((await db.Channels.SingleAsync(c => c.Id == channel.Id)).State);
        Assert.Equal("6045", state.Heard!["tag:velovert"]);
        Assert.Equal("5003", state.Heard["q:vélo vert"]);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ListeningChannels_AreConnectedWithTheirHashtagsAndSearches_AndABadListIsRefused(string provider)
    {
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var channels = $"/api/v1/workspaces/{workspace.Id}/channels";

        var mastodon = await admin.PostAsJsonAsync(channels, new
        {
            name = "Mastodon – Vélo Vert",
            kind = "Mastodon",
            direction = "Listening",
            settings = new { instanceUrl = "https://mastodon.social", hashtags = new[] { "velovert" }, searchTerms = new[] { "vélo vert" } },
        });
        var bluesky = await admin.PostAsJsonAsync(channels, new
        {
            name = "Bluesky – Vélo Vert",
            kind = "Bluesky",
            direction = "Listening",
            settings = new { identifier = "brand.bsky.social", searchTerms = new[] { "\"vélo vert\"" }, language = "fr" },
            secrets = new Dictionary<string, string> { [BlueskyChannelSettings.AppPasswordSecret] = "xxxx-xxxx-xxxx-xxxx" },
        });
        var bad = await admin.PostAsJsonAsync(channels, new
        {
            name = "Bad",
            kind = "Mastodon",
            direction = "Listening",
            settings = new { instanceUrl = "https://mastodon.social", hashtags = "velovert", searchTerms = Enumerable.Range(0, 51).Select(i => $"term {i}") },
        });

        // No token for Mastodon: listening reads public timelines. Bluesky's search needs the account's app password.
        Assert.True(mastodon.StatusCode == HttpStatusCode.Created, await mastodon.Content.ReadAsStringAsync());
        Assert.True(bluesky.StatusCode == HttpStatusCode.Created, await bluesky.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("settings.hashtags", problem, StringComparison.Ordinal);
        Assert.Contains("settings.searchTerms", problem, StringComparison.Ordinal);
        await using var db = factory.OpenDb();
        var saved = await db.Channels.SingleAsync(c => c.Kind == ChannelKind.Mastodon);
        Assert.Equal(ChannelDirection.Listening, saved.Direction);
        Assert.Equal([("tag:velovert", "velovert", true), ("q:vélo vert", "vélo vert", false)], MastodonChannelSettings.Read(saved.Settings).Listened);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Mastodon_Listening_RateLimitServerErrorAndGarbage_ShowOnTheChannel_AndTheNextPollLosesNothing(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        server.AddPublicStatus("tag:velovert", 5001, "lea@piaille.fr", "<p>#VeloVert premier</p>");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await MastodonListeningAsync(factory, workspace.Id, server.BaseUrl, hashtagsOnly: true, token: MastodonServer.Token);
        Assert.Equal(1, (await PollMastodonAsync(factory, channel.Id)).Ingested);
        Assert.Equal("Bearer " + MastodonServer.Token, server.Requests.Last().Authorization);
        server.AddPublicStatus("tag:velovert", 5002, "sam", "<p>#VeloVert deuxième</p>");
        const string path = "/api/v1/timelines/tag/VeloVert";

        // 429 with Retry-After: nothing more is sent before it is over.
        server.Force(path, new ForcedAnswer(429, MastodonServer.Recorded("error-429.json"), new Dictionary<string, string> { ["Retry-After"] = "120", ["X-RateLimit-Reset"] = "" }));
        var limited = await PollMastodonAsync(factory, channel.Id);
        Assert.False(limited.Ok);
        Assert.Contains("rate limit", limited.Error, StringComparison.OrdinalIgnoreCase);
        var sent = server.Requests.Count;
        Assert.False((await PollMastodonAsync(factory, channel.Id)).Ok);
        Assert.Equal(sent, server.Requests.Count);
        await using (var db = factory.OpenDb())
        {
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            var until = MastodonChannelState.Read(stored.State).RateLimitedUntil!.Value;
            Assert.InRange(until, DateTime.UtcNow.AddSeconds(90), DateTime.UtcNow.AddSeconds(150));
            Assert.NotNull(stored.LastError);
            // Time passes: the limit is over.
            stored.State = (MastodonChannelState.Read(stored.State) with { RateLimitedUntil = null }).Write();
            await db.SaveChangesAsync();
        }

        server.Force(path, new ForcedAnswer(500, """{"error":"Internal server error"}"""));
        var down = await PollMastodonAsync(factory, channel.Id);
        Assert.False(down.Ok);
        Assert.Contains("500", down.Error, StringComparison.Ordinal);

        server.Force(path, new ForcedAnswer(200, "[{\"id\": \"5002\", \"content\": "));
        var garbage = await PollMastodonAsync(factory, channel.Id);
        Assert.False(garbage.Ok);
        Assert.Contains("not what Mastodon sends", garbage.Error, StringComparison.Ordinal);

        var recovered = await PollMastodonAsync(factory, channel.Id);
        Assert.True(recovered.Ok, recovered.Error);
        Assert.Equal(1, recovered.Ingested);
        await using var after = factory.OpenDb();
        Assert.Equal(["5001", "5002"], await after.Set<Mention>().OrderBy(m => m.ExternalId).Select(m => m.ExternalId).ToListAsync());
        Assert.Null((await after.Channels.SingleAsync(c => c.Id == channel.Id)).LastError);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Bluesky_ListeningChannel_SearchesPosts_PagesWithTheCursor_AndSurvivesErrors(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        var old = JsonDocument.Parse(BlueskyServer.Recorded("searchPosts-page2.json")).RootElement.GetRawText()
            .Replace("2026-11-23T09:00:00.500Z", "2026-11-23T08:00:00.000Z", StringComparison.Ordinal);
        server.SearchPages[""] = old;
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await BlueskyTests.CreateChannelAsync(factory, workspace.Id, server.Url);
        await using (var db = factory.OpenDb())
        {
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            stored.Direction = ChannelDirection.Listening;
            stored.Settings = JsonSerializer.Serialize(new { serviceUrl = server.Url, identifier = BlueskyServer.Handle, searchTerms = new[] { "\"velo vert\"" }, language = "fr" });
            await db.SaveChangesAsync();
        }

        // The first search reads its newest page: the position is the newest post's time.
        var first = await PollBlueskyAsync(factory, channel.Id);
        Assert.True(first.Ok, first.Error);
        Assert.Equal(1, first.Ingested);
        var asked = server.Requests.Last(r => r.Nsid == "app.bsky.feed.searchPosts");
        Assert.Contains("q=%22velo%20vert%22", asked.Query, StringComparison.Ordinal);
        Assert.Contains("sort=latest", asked.Query, StringComparison.Ordinal);
        Assert.Contains("lang=fr", asked.Query, StringComparison.Ordinal);
        Assert.DoesNotContain("since=", asked.Query, StringComparison.Ordinal);

        // A server error, then garbage: shown on the channel, nothing stored, the position kept.
        server.Once("app.bsky.feed.searchPosts", 502, BlueskyServer.Recorded("error-InternalServerError.json"));
        var down = await PollBlueskyAsync(factory, channel.Id);
        Assert.False(down.Ok);
        Assert.Contains("502", down.Error, StringComparison.Ordinal);
        server.Once("app.bsky.feed.searchPosts", 200, """{"cursor": "1", "pos""");
        Assert.False((await PollBlueskyAsync(factory, channel.Id)).Ok);

        // Then it recovers: two pages joined by the cursor, from the position on.
        server.SearchPages[""] = BlueskyServer.Recorded("searchPosts-page1.json");
        server.SearchPages["25"] = BlueskyServer.Recorded("searchPosts-page2.json");
        var before = server.Requests.Count;
        var recovered = await PollBlueskyAsync(factory, channel.Id);
        Assert.True(recovered.Ok, recovered.Error);
        // The oldest of the three was read by the first poll: ingest keeps it single.
        Assert.Equal(2, recovered.Ingested);
        var searches = server.Requests.Skip(before).Where(r => r.Nsid == "app.bsky.feed.searchPosts").ToList();
        Assert.Equal(2, searches.Count);
        Assert.Contains("since=2026-11-23T08%3A00%3A00.000Z", searches[0].Query, StringComparison.Ordinal);
        Assert.Contains("cursor=25", searches[1].Query, StringComparison.Ordinal);

        // The rate limit: 429 with its reset; the channel waits and says until when.
        var reset = DateTimeOffset.UtcNow.AddMinutes(10);
        server.Once("app.bsky.feed.searchPosts", 429, BlueskyServer.Recorded("error-RateLimitExceeded.json"), new Dictionary<string, string>
        {
            ["RateLimit-Limit"] = "100",
            ["RateLimit-Remaining"] = "0",
            ["RateLimit-Reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        });
        Assert.False((await PollBlueskyAsync(factory, channel.Id)).Ok);
        var sent = server.Requests.Count;
        Assert.True((await PollBlueskyAsync(factory, channel.Id)).Ok);
        Assert.Equal(sent, server.Requests.Count);

        await using var check = factory.OpenDb();
        var mentions = await check.Set<Mention>().Where(m => m.ChannelId == channel.Id).ToListAsync();
        Assert.Equal(3, mentions.Count);
        var lea = mentions.Single(m => m.AuthorHandle == "@lea.bsky.social");
        Assert.Equal("Léa Martin", lea.AuthorName);
        Assert.Equal("at://did:plc:lea3k9example/app.bsky.feed.post/3lcsearch0003", lea.ExternalId);
        Assert.Equal(new DateTime(2026, 11, 23, 11, 0, 0, DateTimeKind.Utc), lea.CreatedAt);
        Assert.Equal(0, await check.Messages.CountAsync());
        var state = BlueskyChannelState.Read((await check.Channels.SingleAsync(c => c.Id == channel.Id)).State);
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T11:00:01.000Z", CultureInfo.InvariantCulture), state.Searches!["\"velo vert\""].LastIndexedAt);
        Assert.NotNull(state.WaitUntil);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Webhook_InListeningMode_DeliversMentions_NotConversations(string provider)
    {
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await WebhookTests.CreateWebhookChannelAsync(factory, workspace.Id);
        await using (var db = factory.OpenDb())
        {
            (await db.Channels.SingleAsync(c => c.Id == channel.Id)).Direction = ChannelDirection.Listening;
            await db.SaveChangesAsync();
        }
        var body = WebhookTests.Delivery("d-1", DateTimeOffset.UtcNow,
            new { externalId = "yt-1", authorHandle = "yt:42", authorName = "Chris", text = "Review of the Vélo Vert cargo: brakes squeak", isPublic = true },
            new { externalId = "yt-2", authorHandle = "yt:43", text = "Great video!", isPublic = true });

        var response = await WebhookTests.PostAsync(factory.CreateClient(), channel.Id, body, WebhookSignature.Sign(WebhookTests.Secret, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await using var check = factory.OpenDb();
        Assert.Equal(["yt-1", "yt-2"], await check.Set<Mention>().OrderBy(m => m.ExternalId).Select(m => m.ExternalId).ToListAsync());
        Assert.Equal(0, await check.Messages.CountAsync());
        Assert.Equal(0, await check.Conversations.CountAsync());
        Assert.Equal(0, await check.Contacts.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Import_IntoAListeningChannel_ReadsTheXArchive_AndAMalformedFileSaysWhereAndLosesNothing(string provider)
    {
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await ListeningApiChannelAsync(factory, workspace.Id, "X archive", ChannelKind.Import);
        const string archive = """
            window.YTD.tweets.part0 = [
              {
                "tweet" : {
                  "id_str" : "1050118621198921728",
                  "full_text" : "Le nouveau Vélo Vert est arrivé, livraison impeccable 👌",
                  "created_at" : "Wed Oct 10 20:19:24 +0000 2018",
                  "in_reply_to_status_id_str" : null,
                  "user" : { "screen_name" : "lea_velo", "name" : "Léa" }
                }
              },
              {
                "tweet" : {
                  "id_str" : "1050118621198921729",
                  "full_text" : "Second tweet without a user, as in the owner's own archive",
                  "created_at" : "Thu Oct 11 08:00:00 +0000 2018"
                }
              }
            ]
            """;

        var imported = await ImportAsync(factory, workspace.Id, channel.Id, archive, "tweets.js");
        var again = await ImportAsync(factory, workspace.Id, channel.Id, archive, "tweets.js");
        var broken = await ImportAsync(factory, workspace.Id, channel.Id,
            "window.YTD.tweets.part0 = [ { \"tweet\": { \"id_str\": \"77\", \"full_text\": \"kept before the break\", \"created_at\": \"Fri Oct 12 08:00:00 +0000 2018\" } }, { \"tweet\": { \"id_str\": ", "tweets.js");
        var notArchive = await ImportAsync(factory, workspace.Id, channel.Id, "var x = 1;", "tweets.js");
        var csv = await ImportAsync(factory, workspace.Id, channel.Id, "external_id,author,text\nrow-1,@noor,Vélo Vert ce matin\n", "mentions.csv");

        Assert.Equal(2, imported.Imported);
        Assert.Empty(imported.Errors);
        Assert.Equal(0, again.Imported);
        Assert.Equal(2, again.AlreadyThere);
        Assert.Equal(1, broken.Imported);
        Assert.Contains("Invalid JSON", Assert.Single(broken.Errors).Error, StringComparison.Ordinal);
        Assert.Equal(0, notArchive.Imported);
        Assert.Contains("not a Twitter/X archive", Assert.Single(notArchive.Errors).Error, StringComparison.Ordinal);
        Assert.Equal(1, csv.Imported);

        await using var db = factory.OpenDb();
        var mentions = await db.Set<Mention>().Where(m => m.ChannelId == channel.Id).OrderBy(m => m.ExternalId).ToListAsync();
        Assert.Equal(["1050118621198921728", "1050118621198921729", "77", "row-1"], mentions.Select(m => m.ExternalId));
        Assert.Equal("@lea_velo", mentions[0].AuthorHandle);
        Assert.Equal("Léa", mentions[0].AuthorName);
        Assert.Equal(new DateTime(2018, 10, 10, 20, 19, 24, DateTimeKind.Utc), mentions[0].CreatedAt);
        Assert.True(mentions[0].IsPublic);
        Assert.Equal(MessageFile.ArchiveOwner, mentions[1].AuthorHandle);
        Assert.Equal(0, await db.Messages.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Mention_TurnedIntoAConversation_Twice_GivesTheSameConversation_LinkedBothWays(string provider)
    {
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await ListeningApiChannelAsync(factory, workspace.Id, "Partner search", ChannelKind.Api);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/topics", new { name = "Vélo Vert", kind = "Brand", query = "\"vélo vert\"" });
        var heard = await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "post-1", authorHandle = "@julie", authorName = "Julie", text = "Mon Vélo Vert est en panne depuis une semaine, personne ne répond", isPublic = true });
        var mentionId = (await heard.Content.ReadFromJsonAsync<InboundMessageResponse>(Json.Options))!.MessageId;
        var url = $"/api/v1/workspaces/{workspace.Id}/mentions/{mentionId}/conversation";

        var refused = await analyst.PostAsync(url, null);
        var first = await agent.PostAsync(url, null);
        var second = await agent.PostAsync(url, null);
        var missing = await agent.PostAsync($"/api/v1/workspaces/{workspace.Id}/mentions/{Guid.NewGuid()}/conversation", null);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var made = (await first.Content.ReadFromJsonAsync<MentionConversationDto>(Json.Options))!;
        var same = (await second.Content.ReadFromJsonAsync<MentionConversationDto>(Json.Options))!;
        Assert.True(made.Created);
        Assert.False(same.Created);
        Assert.Equal(made.ConversationId, same.ConversationId);

        // The conversation is in the inbox, made by the normal path (contact, analysis), and the mention points to it.
        var inbox = await agent.GetFromJsonAsync<Page<ConversationDto>>($"/api/v1/workspaces/{workspace.Id}/conversations", Json.Options);
        Assert.Equal(made.ConversationId, Assert.Single(inbox!.Items).Id);
        var mention = await agent.GetFromJsonAsync<ListeningMentionDto>($"/api/v1/workspaces/{workspace.Id}/mentions/{mentionId}", Json.Options);
        Assert.Equal(made.ConversationId, mention!.ConversationId);
        await using var db = factory.OpenDb();
        var message = await db.Messages.Include(m => m.Analysis).SingleAsync();
        Assert.Equal("post-1", message.ExternalId);
        Assert.Equal(made.ConversationId, message.ConversationId);
        Assert.Equal("Mon Vélo Vert est en panne depuis une semaine, personne ne répond", message.Text);
        Assert.NotNull(message.Analysis);
        Assert.Equal("@julie", (await db.ContactIdentities.SingleAsync()).Handle);
        Assert.Equal(1, await db.Set<Mention>().CountAsync());
        var origin = await MentionConversations.OriginAsync(db, made.ConversationId);
        Assert.Equal(mentionId, origin!.MentionId);
        Assert.Equal("Vélo Vert", Assert.Single(origin.Topics).Name);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task MentionSearch_IgnoresCaseAndAccents_AndReprocessingAnalysesMentionsAgain(string provider)
    {
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await ListeningApiChannelAsync(factory, workspace.Id, "Partner search", ChannelKind.Api);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        await using (var db = factory.OpenDb())
        {
            // Saved as it is, without the background re-match, so only processing and reprocessing link it.
            db.Set<Topic>().Add(new Topic { WorkspaceId = workspace.Id, Name = "Prix", Kind = TopicKind.Theme, Query = "prix", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        foreach (var (id, text) in new[] { ("a", "Le prix est trop élevé"), ("b", "PRIX ÉLEVÉ, vraiment"), ("c", "Un prix bas, enfin"), ("d", "Crème brûlée au café") })
        {
            await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
                new { externalId = id, authorHandle = "@someone", text, isPublic = true, createdAt = DateTime.UtcNow.AddHours(-1) });
        }

        async Task<List<string>> SearchAsync(string words)
        {
            var page = await admin.GetFromJsonAsync<Page<ListeningMentionDto>>(
                $"/api/v1/workspaces/{workspace.Id}/mentions?q={Uri.EscapeDataString(words)}", Json.Options);
            return [.. page!.Items.Select(m => m.Text).Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["Le prix est trop élevé", "PRIX ÉLEVÉ, vraiment"], await SearchAsync("eleve"));
        Assert.Equal(["Le prix est trop élevé", "PRIX ÉLEVÉ, vraiment"], await SearchAsync("Élevé prix"));
        Assert.Equal(["Crème brûlée au café"], await SearchAsync("CREME brulee"));
        Assert.Empty(await SearchAsync("élevée"));

        // Topic links lost and an analysis gone stale: reprocessing puts both right.
        string sentiment, language;
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(3, await db.Set<MentionTopic>().CountAsync());
            var stale = await db.Set<Mention>().SingleAsync(m => m.ExternalId == "a");
            sentiment = stale.Sentiment;
            language = stale.Language;
            stale.Sentiment = "stale";
            stale.Language = "xx";
            stale.SearchText = "";
            await db.SaveChangesAsync();
            db.Set<MentionTopic>().RemoveRange(await db.Set<MentionTopic>().ToListAsync());
            await db.SaveChangesAsync();
        }
        MentionReprocessSummary summary;
        await using (var scope = factory.Services.CreateAsyncScope())
        await using (var db = factory.OpenDb())
        {
            summary = await scope.ServiceProvider.GetRequiredService<MentionReprocessing>().ReprocessAsync(db, workspace.Id, DateTime.UtcNow.AddDays(-1));
        }

        Assert.Equal(4, summary.Mentions);
        Assert.Equal(1, summary.Changed);
        Assert.Equal(3, summary.TopicLinksChanged);
        await using var check = factory.OpenDb();
        var fixedMention = await check.Set<Mention>().SingleAsync(m => m.ExternalId == "a");
        Assert.Equal(sentiment, fixedMention.Sentiment);
        Assert.Equal(language, fixedMention.Language);
        Assert.Contains("eleve", fixedMention.SearchText, StringComparison.Ordinal);
        Assert.Equal(3, await check.Set<MentionTopic>().CountAsync());
    }

    private static async Task<Channel> MastodonListeningAsync(RapportFactory factory, Guid workspaceId, string instanceUrl, bool hashtagsOnly = false, string? token = null)
    {
        await using var db = factory.OpenDb();
        var secrets = factory.Services.GetRequiredService<ChannelSecrets>();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = "Mastodon listening",
            Kind = ChannelKind.Mastodon,
            Direction = ChannelDirection.Listening,
            Settings = JsonSerializer.Serialize(new { instanceUrl, hashtags = new[] { "#VeloVert" }, searchTerms = hashtagsOnly ? Array.Empty<string>() : ["vélo vert"] }),
            ProtectedSecrets = token is null ? null : secrets.Protect(new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = token }),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    private static async Task<Channel> ListeningApiChannelAsync(RapportFactory factory, Guid workspaceId, string name, ChannelKind kind)
    {
        var channel = await factory.CreateChannelAsync(workspaceId, kind, name);
        await using var db = factory.OpenDb();
        (await db.Channels.SingleAsync(c => c.Id == channel.Id)).Direction = ChannelDirection.Listening;
        await db.SaveChangesAsync();
        return channel;
    }

    private static async Task<MastodonPollResult> PollMastodonAsync(RapportFactory factory, Guid channelId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MastodonPoller>().PollAsync(channelId);
    }

    private static async Task<BlueskyPollResult> PollBlueskyAsync(RapportFactory factory, Guid channelId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BlueskyPoller>().PollAsync(channelId);
    }

    private static async Task<ImportSummary> ImportAsync(RapportFactory factory, Guid workspaceId, Guid channelId, string content, string fileName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var import = ActivatorUtilities.CreateInstance<ImportService>(scope.ServiceProvider);
        await using var file = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return await import.ImportAsync(workspaceId, channelId, file, fileName);
    }
}
