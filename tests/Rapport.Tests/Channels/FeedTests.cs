using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rapport.Channels;
using Rapport.Channels.Feeds;
using Rapport.Listening;
using Rapport.Tests.Infrastructure;

namespace Rapport.Tests;

public class FeedTests
{
    private const string FrenchRss = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
          <channel>
            <title>Le Blog Vélo</title>
            <link>https://velo.example/</link>
            <description>Actualités du vélo</description>
            <item>
              <title>Vélo Vert : livraison en retard</title>
              <link>https://velo.example/2026/11/livraison</link>
              <guid isPermaLink="false">velo-42</guid>
              <dc:creator>Camille Martin</dc:creator>
              <pubDate>Mon, 23 Nov 2026 09:30:00 +0100</pubDate>
              <description>&lt;p&gt;J'ai commandé un vélo chez &lt;b&gt;Vélo Vert&lt;/b&gt; il y a trois semaines et il n'est toujours pas arrivé. Le service client ne répond pas, c'est vraiment décevant.&lt;/p&gt;&lt;script&gt;alert('x')&lt;/script&gt;</description>
            </item>
            <item>
              <title>Essai du nouveau modèle</title>
              <link>https://velo.example/2026/11/essai</link>
              <pubDate>Sun, 22 Nov 2026 18:00:00 GMT</pubDate>
              <description><![CDATA[<p>Nous avons essayé le nouveau vélo électrique de Vélo Vert pendant une semaine : la batterie tient bien et le cadre est très confortable.</p>]]></description>
            </item>
          </channel>
        </rss>
        """;

    private const string EnglishAtom = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title>Cycling Weekly Reviews</title>
          <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
          <updated>2026-11-23T10:00:00Z</updated>
          <author><name>Editorial team</name></author>
          <entry>
            <title type="html">Green Wheels &amp;amp; the broken chain</title>
            <id>tag:cycling.example,2026:review-7</id>
            <link rel="alternate" href="https://cycling.example/review-7"/>
            <published>2026-11-21T08:15:00+02:00</published>
            <updated>2026-11-22T08:15:00Z</updated>
            <author><name>Sam Taylor</name></author>
            <summary type="html">&lt;p&gt;My Green Wheels bike arrived with a broken chain and nobody answered my emails for a week. Really disappointed with the customer service.&lt;/p&gt;</summary>
          </entry>
          <entry>
            <title>Winter riding tips</title>
            <id>tag:cycling.example,2026:tips-3</id>
            <updated>2026-11-20T12:00:00Z</updated>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Keep your tyres at a lower pressure and <em>always</em> use your lights when it gets dark early.</p></div></content>
          </entry>
        </feed>
        """;

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Worker_RssAndAtom_BecomeAnalysedPublicMentions_NotInboxConversations(string provider)
    {
        await using var server = await FeedServer.StartAsync();
        server.Serve("/fr.xml", FrenchRss);
        server.Serve("/en.atom", EnglishAtom, "application/atom+xml");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var rss = await CreateFeedAsync(factory, workspace.Id, server.Url("/fr.xml"));
        var atom = await CreateFeedAsync(factory, workspace.Id, server.Url("/en.atom"));
        var worker = factory.Services.GetRequiredService<FeedWorker>();

        var results = await worker.RunOnceAsync();

        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Ok, r.Error));
        Assert.Equal(4, results.Sum(r => r.Ingested));
        Assert.All(server.Requests, r => Assert.StartsWith("Rapport feed reader", r.UserAgent, StringComparison.Ordinal));
        await using var db = factory.OpenDb();
        // A listening channel's items are mentions, analysed like messages, and never enter the inbox (docs/decisions/0061).
        var messages = await db.Set<Mention>().ToListAsync();
        Assert.Equal(4, messages.Count);
        Assert.All(messages, m => Assert.NotEqual("", m.Sentiment));
        Assert.Equal(0, await db.Messages.CountAsync());
        Assert.Equal(0, await db.Conversations.CountAsync());

        var late = messages.Single(m => m.ExternalId == "velo-42");
        Assert.Equal(rss.Id, late.ChannelId);
        Assert.Equal("Camille Martin", late.AuthorName);
        Assert.StartsWith("Vélo Vert : livraison en retard\n\nJ'ai commandé un vélo chez Vélo Vert il y a trois semaines", late.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", late.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("<", late.Text, StringComparison.Ordinal);
        Assert.Equal(new DateTime(2026, 11, 23, 8, 30, 0, DateTimeKind.Utc), late.CreatedAt);
        Assert.Equal("fr", late.Language);
        Assert.StartsWith("<item>", late.RawPayload, StringComparison.Ordinal);
        Assert.Contains("<dc:creator", late.RawPayload, StringComparison.Ordinal);

        // No guid: the link is the id; no author: the feed's title.
        var review = messages.Single(m => m.ExternalId == "https://velo.example/2026/11/essai");
        Assert.Equal("Le Blog Vélo", review.AuthorName);
        Assert.Equal(new DateTime(2026, 11, 22, 18, 0, 0, DateTimeKind.Utc), review.CreatedAt);

        var chain = messages.Single(m => m.ExternalId == "tag:cycling.example,2026:review-7");
        Assert.Equal(atom.Id, chain.ChannelId);
        Assert.Equal("Sam Taylor", chain.AuthorName);
        Assert.StartsWith("Green Wheels & the broken chain\n\nMy Green Wheels bike arrived with a broken chain", chain.Text, StringComparison.Ordinal);
        Assert.Equal(new DateTime(2026, 11, 21, 6, 15, 0, DateTimeKind.Utc), chain.CreatedAt);
        Assert.Equal("en", chain.Language);
        Assert.StartsWith("<entry", chain.RawPayload, StringComparison.Ordinal);

        var tips = messages.Single(m => m.ExternalId == "tag:cycling.example,2026:tips-3");
        Assert.Equal("Editorial team", tips.AuthorName);
        Assert.Equal("Winter riding tips\n\nKeep your tyres at a lower pressure and always use your lights when it gets dark early.", tips.Text);
        Assert.Equal(new DateTime(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc), tips.CreatedAt);

        Assert.All(messages, m => Assert.True(m.IsPublic));
        var channels = await db.Channels.Where(c => c.Kind == ChannelKind.Feed).ToListAsync();
        Assert.All(channels, c => Assert.NotNull(c.LastPolledAt));
        Assert.All(channels, c => Assert.Null(c.LastError));

        // Just polled: nothing is due until pollMinutes have passed since the last try.
        Assert.Empty(await worker.RunOnceAsync());
        Assert.Equal(2, server.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Poll_Twice_IsConditionalAndIngestsOnlyNewItems(string provider)
    {
        await using var server = await FeedServer.StartAsync();
        server.Serve("/fr.xml", FrenchRss);
        server.Serve("/plain.xml", EnglishAtom, "application/atom+xml", validators: false);
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await CreateFeedAsync(factory, workspace.Id, server.Url("/fr.xml"));
        var plain = await CreateFeedAsync(factory, workspace.Id, server.Url("/plain.xml"));
        await using var scope = factory.Services.CreateAsyncScope();
        var poller = scope.ServiceProvider.GetRequiredService<FeedPoller>();

        var first = await poller.PollAsync(channel.Id);
        var second = await poller.PollAsync(channel.Id);

        Assert.Equal(2, first.Ingested);
        Assert.False(first.NotModified);
        Assert.True(second.Ok);
        Assert.True(second.NotModified);
        Assert.Equal(0, second.Ingested);
        var requests = server.Requests.Where(r => r.Path == "/fr.xml").ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal("", requests[0].IfNoneMatch);
        Assert.Equal("", requests[0].IfModifiedSince);
        Assert.Equal(server.ETagOf("/fr.xml"), requests[1].IfNoneMatch);
        Assert.Equal(FeedServer.LastModified.ToString("R"), requests[1].IfModifiedSince);
        Assert.Equal(304, requests[1].Status);

        // A new item appears: only it is ingested, once.
        server.Serve("/fr.xml", FrenchRss.Replace("<item>", """
            <item>
              <title>Bravo à l'équipe de Vélo Vert</title>
              <guid>velo-43</guid>
              <pubDate>Mon, 23 Nov 2026 11:00:00 +0100</pubDate>
              <description>Mon vélo est enfin arrivé, merci au service client pour leur aide !</description>
            </item>
            <item>
            """, StringComparison.Ordinal));
        var third = await poller.PollAsync(channel.Id);
        var fourth = await poller.PollAsync(channel.Id);
        Assert.Equal(1, third.Ingested);
        Assert.True(fourth.NotModified);

        // A server without ETag or Last-Modified: every poll downloads the feed, the remembered ids keep it from re-ingesting.
        Assert.Equal(2, (await poller.PollAsync(plain.Id)).Ingested);
        var again = await poller.PollAsync(plain.Id);
        Assert.True(again.Ok);
        Assert.False(again.NotModified);
        Assert.Equal(0, again.Ingested);

        await using var db = factory.OpenDb();
        Assert.Equal(3, await db.Set<Mention>().CountAsync(m => m.ChannelId == channel.Id));
        Assert.Equal(1, await db.Set<Mention>().CountAsync(m => m.ExternalId == "velo-43"));
        Assert.Equal(2, await db.Set<Mention>().CountAsync(m => m.ChannelId == plain.Id));
        var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
        var state = FeedChannelState.Read(stored.State);
        Assert.Equal(server.ETagOf("/fr.xml"), state.ETag);
        Assert.Contains("velo-43", state.Seen);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task BrokenFeeds_GiveAClearErrorAndDoNotStopTheOthers(string provider)
    {
        await using var server = await FeedServer.StartAsync();
        server.Serve("/good.xml", FrenchRss);
        server.Serve("/broken.xml", "<rss version=\"2.0\"><channel><title>Cassé</title><item><title>Pas fermé</channel></rss>");
        server.Serve("/page.html", "<!DOCTYPE html><html><head><title>Blog</title></head><body><p>Bienvenue</p></body></html>", "text/html");
        server.Serve("/error.xml", FrenchRss, status: 500);
        server.Serve("/xxe.xml", $"""
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY secret SYSTEM "{server.Url("/secret")}"><!ENTITY local SYSTEM "file:///etc/passwd">]>
            <rss version="2.0"><channel><title>Evil</title>
            <item><guid>xxe-1</guid><title>&secret;</title><description>&local;</description></item>
            </channel></rss>
            """);
        server.Serve("/huge.xml", "<rss version=\"2.0\"><channel><title>Huge</title><item><guid>big</guid><description>"
            + new string('a', 11 * 1024 * 1024) + "</description></item></channel></rss>", chunked: true);
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var good = await CreateFeedAsync(factory, workspace.Id, server.Url("/good.xml"));
        var broken = new Dictionary<string, Guid>
        {
            ["not valid XML (line 1"] = (await CreateFeedAsync(factory, workspace.Id, server.Url("/broken.xml"))).Id,
            ["an HTML page, not an RSS or Atom feed"] = (await CreateFeedAsync(factory, workspace.Id, server.Url("/page.html"))).Id,
            ["HTTP 500 (Internal Server Error)"] = (await CreateFeedAsync(factory, workspace.Id, server.Url("/error.xml"))).Id,
            ["HTTP 404 (Not Found). Check the feed's address."] = (await CreateFeedAsync(factory, workspace.Id, server.Url("/gone.xml"))).Id,
            ["the connection was refused"] = (await CreateFeedAsync(factory, workspace.Id, $"http://127.0.0.1:{ClosedPort()}/feed.xml")).Id,
            ["declares a DTD (<!DOCTYPE …>), which Rapport refuses"] = (await CreateFeedAsync(factory, workspace.Id, server.Url("/xxe.xml"))).Id,
            ["larger than 10 MB"] = (await CreateFeedAsync(factory, workspace.Id, server.Url("/huge.xml"))).Id,
            ["no feed address"] = (await CreateFeedAsync(factory, workspace.Id, null)).Id,
        };
        var worker = factory.Services.GetRequiredService<FeedWorker>();

        var results = await worker.RunOnceAsync();

        Assert.Equal(broken.Count + 1, results.Count);
        Assert.True(results.Single(r => r.ChannelId == good.Id).Ok);
        await using (var db = factory.OpenDb())
        {
            var channels = await db.Channels.ToDictionaryAsync(c => c.Id);
            Assert.NotNull(channels[good.Id].LastPolledAt);
            Assert.Null(channels[good.Id].LastError);
            foreach (var (expected, id) in broken)
            {
                var channel = channels[id];
                Assert.True(channel.LastError?.Contains(expected, StringComparison.Ordinal), $"Expected \"{expected}\" in: {channel.LastError}");
                Assert.NotNull(channel.LastErrorAt);
                Assert.Null(channel.LastPolledAt);
                Assert.Equal("{}", channel.State);
                Assert.Equal(channel.LastError, results.Single(r => r.ChannelId == id).Error);
            }
            // Only the good feed's items, and no trace of the entities.
            Assert.All(await db.Set<Mention>().ToListAsync(), m => Assert.Equal(good.Id, m.ChannelId));
            Assert.Equal(2, await db.Set<Mention>().CountAsync());
        }
        Assert.DoesNotContain(server.Requests, r => r.Path == "/secret");

        // The publisher fixes the feed: the next poll succeeds and clears the error.
        server.Serve("/broken.xml", EnglishAtom, "application/atom+xml");
        await using var scope = factory.Services.CreateAsyncScope();
        var fixedPoll = await scope.ServiceProvider.GetRequiredService<FeedPoller>().PollAsync(broken["not valid XML (line 1"]);
        Assert.True(fixedPoll.Ok, fixedPoll.Error);
        Assert.Equal(2, fixedPoll.Ingested);
        await using (var db = factory.OpenDb())
        {
            var healed = await db.Channels.SingleAsync(c => c.Id == broken["not valid XML (line 1"]);
            Assert.Null(healed.LastError);
            Assert.Null(healed.LastErrorAt);
            Assert.NotNull(healed.LastPolledAt);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SilentServer_TimesOutWithAClearError(string provider)
    {
        await using var server = await FeedServer.StartAsync();
        server.Serve("/silent.xml", FrenchRss, hang: true);
        server.Serve("/fr.xml", FrenchRss);
        await using var factory = new RapportFactory(provider, s =>
        {
            s["Rapport:Feeds:CheckEvery"] = "00:00:00";
            s["Rapport:Feeds:Timeout"] = "00:00:01";
        });
        var (_, workspace) = await factory.CreateOwnerAsync();
        var silent = await CreateFeedAsync(factory, workspace.Id, server.Url("/silent.xml"));
        var good = await CreateFeedAsync(factory, workspace.Id, server.Url("/fr.xml"));

        var results = await factory.Services.GetRequiredService<FeedWorker>().RunOnceAsync();

        Assert.Contains("did not answer within the 1-second limit", results.Single(r => r.ChannelId == silent.Id).Error, StringComparison.Ordinal);
        Assert.Equal(2, results.Single(r => r.ChannelId == good.Id).Ingested);
        await using var db = factory.OpenDb();
        Assert.NotNull((await db.Channels.SingleAsync(c => c.Id == silent.Id)).LastErrorAt);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Worker_SkipsPausedFeedsAndPollsDueOnes(string provider)
    {
        await using var server = await FeedServer.StartAsync();
        server.Serve("/fr.xml", FrenchRss);
        server.Serve("/en.atom", EnglishAtom, "application/atom+xml");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var paused = await CreateFeedAsync(factory, workspace.Id, server.Url("/en.atom"), paused: true);
        var due = await CreateFeedAsync(factory, workspace.Id, server.Url("/fr.xml"), pollMinutes: 5);
        var worker = factory.Services.GetRequiredService<FeedWorker>();
        Assert.Single(await worker.RunOnceAsync());

        // Six minutes later (moved back in the database rather than waited for), the five-minute feed is due again.
        await using (var db = factory.OpenDb())
        {
            var channel = await db.Channels.SingleAsync(c => c.Id == due.Id);
            channel.LastPolledAt = channel.LastPolledAt!.Value.AddMinutes(-6);
            await db.SaveChangesAsync();
        }
        var again = Assert.Single(await worker.RunOnceAsync());
        Assert.Equal(due.Id, again.ChannelId);
        Assert.True(again.NotModified);
        Assert.DoesNotContain(server.Requests, r => r.Path == "/en.atom");
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(0, await db.Set<Mention>().CountAsync(m => m.ChannelId == paused.Id));
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task FeedChannel_ConnectedThroughTheApi_ShowsItsHealthThere(string provider)
    {
        await using var server = await FeedServer.StartAsync();
        server.Serve("/en.atom", EnglishAtom, "application/atom+xml");
        await using var factory = NewFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.TokenClientAsync(workspace.Id, Workspaces.Role.Owner);
        var channels = $"/api/v1/workspaces/{workspace.Id}/channels";
        var created = await client.PostAsJsonAsync(channels, new
        {
            name = "Cycling Weekly",
            kind = "Feed",
            direction = "Listening",
            settings = new { url = server.Url("/en.atom"), pollMinutes = 30 },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var channel = (await created.Content.ReadFromJsonAsync<ChannelDto>(Json.Options))!;
        var worker = factory.Services.GetRequiredService<FeedWorker>();

        Assert.True(Assert.Single(await worker.RunOnceAsync()).Ok);
        var healthy = await client.GetFromJsonAsync<ChannelDto>($"{channels}/{channel.Id}", Json.Options);
        Assert.NotNull(healthy!.LastPolledAt);
        Assert.Null(healthy.LastError);

        // The site moves its feed away: the error is on the channel, where the settings page reads it.
        await client.PatchAsJsonAsync($"{channels}/{channel.Id}", new { settings = new { url = server.Url("/moved.atom"), pollMinutes = 30 } });
        await using (var db = factory.OpenDb())
        {
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            stored.LastPolledAt = stored.LastPolledAt!.Value.AddMinutes(-31);
            await db.SaveChangesAsync();
        }
        Assert.False(Assert.Single(await worker.RunOnceAsync()).Ok);
        var broken = await client.GetFromJsonAsync<ChannelDto>($"{channels}/{channel.Id}", Json.Options);
        Assert.Equal("The feed answered HTTP 404 (Not Found). Check the feed's address.", broken!.LastError);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(2, await db.Set<Mention>().CountAsync(m => m.ChannelId == channel.Id));
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TestConnection_GivesTitleAndCountOrTheError(string provider)
    {
        await using var server = await FeedServer.StartAsync();
        server.Serve("/en.atom", EnglishAtom, "application/atom+xml");
        server.Serve("/sitemap.xml", "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>https://a.example/</loc></url></urlset>");
        await using var factory = NewFactory(provider);
        await using var scope = factory.Services.CreateAsyncScope();
        var poller = scope.ServiceProvider.GetRequiredService<FeedPoller>();

        var ok = await poller.TestAsync(server.Url("/en.atom"));
        var sitemap = await poller.TestAsync(server.Url("/sitemap.xml"));
        var ftp = await poller.TestAsync("ftp://example.test/feed");

        Assert.True(ok.Ok);
        Assert.Equal("Cycling Weekly Reviews", ok.Title);
        Assert.Equal("Atom", ok.Format);
        Assert.Equal(2, ok.ItemCount);
        Assert.False(sitemap.Ok);
        Assert.Contains("not an RSS or Atom feed (its root element is <urlset>)", sitemap.Error, StringComparison.Ordinal);
        Assert.Contains("absolute http:// or https:// URL", ftp.Error, StringComparison.Ordinal);
        await using var db = factory.OpenDb();
        Assert.Equal(0, await db.Set<Mention>().CountAsync());
    }

    [Theory]
    [InlineData("Mon, 23 Nov 2026 09:30:00 +0100", "2026-11-23T08:30:00")]
    [InlineData("23 Nov 2026 09:30 GMT", "2026-11-23T09:30:00")]
    [InlineData("Tue, 3 Feb 26 10:00:00 EST", "2026-02-03T15:00:00")]
    [InlineData("2026-11-21T08:15:00+02:00", "2026-11-21T06:15:00")]
    [InlineData("2026-11-20T12:00:00Z", "2026-11-20T12:00:00")]
    [InlineData("2026-11-20T12:00:00.123Z", "2026-11-20T12:00:00.123")]
    public void FeedDates_ReadRfc822AndIso8601(string value, string expectedUtc)
    {
        Assert.Equal(DateTime.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), FeedDates.Parse(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hier soir")]
    [InlineData("Mon, 31 Feb 2026 10:00:00 GMT")]
    public void FeedDates_Unreadable_IsNull(string value) => Assert.Null(FeedDates.Parse(value));

    [Fact]
    public void HtmlText_DropsTagsScriptsAndStylesAndDecodesEntities()
    {
        var text = HtmlText.ToPlainText(
            "<style>p{color:red}</style><p>Caf&eacute; &amp; cr&egrave;me</p><script type=\"text/javascript\">document.write('<b>x</b>')</script><!-- hidden --><ul><li>un</li><li>deux&nbsp;trois</li></ul><img src=x onerror=alert(1)>fin");

        Assert.Equal("Café & crème\nun\ndeux trois\nfin", text.Replace("\n\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void FeedReader_ItemWithoutGuidOrLink_GetsAStableHashId()
    {
        var feed = """<rss version="2.0"><channel><title>T</title><item><title>Sans lien</title><pubDate>Mon, 23 Nov 2026 09:30:00 GMT</pubDate></item></channel></rss>""";

        var first = FeedReader.Parse(Encoding.UTF8.GetBytes(feed), 10);
        var second = FeedReader.Parse(Encoding.UTF8.GetBytes(feed), 10);

        var entry = Assert.Single(first.Entries);
        Assert.StartsWith("sha256:", entry.Id, StringComparison.Ordinal);
        Assert.Equal(entry.Id, second.Entries[0].Id);
        Assert.Equal("Sans lien", entry.Text);
    }

    [Fact]
    public void FeedReader_ReadsTheDeclaredEncodingAndRss10()
    {
        var latin1 = Encoding.Latin1.GetBytes("""
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
              <channel rdf:about="https://presse.example/"><title>La Presse régionale</title></channel>
              <item rdf:about="https://presse.example/a1">
                <title>Un été à vélo</title>
                <link>https://presse.example/a1</link>
                <dc:creator>Zoé Lefèvre</dc:creator>
                <dc:date>2026-07-14T09:00:00+02:00</dc:date>
              </item>
            </rdf:RDF>
            """);

        var document = FeedReader.Parse(latin1, 10);

        Assert.Equal("La Presse régionale", document.Title);
        var entry = Assert.Single(document.Entries);
        Assert.Equal("Un été à vélo", entry.Text);
        Assert.Equal("Zoé Lefèvre", entry.Author);
        Assert.Equal("https://presse.example/a1", entry.Id);
        Assert.Equal(new DateTime(2026, 7, 14, 7, 0, 0, DateTimeKind.Utc), entry.PublishedAt);
    }

    [Fact]
    public void FeedReader_TakesAtMostMaxItems()
    {
        var items = string.Concat(Enumerable.Range(1, 50).Select(i => $"<item><guid>{i}</guid><title>Article {i}</title></item>"));
        var document = FeedReader.Parse(Encoding.UTF8.GetBytes($"<rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>"), 20);
        Assert.Equal(20, document.Entries.Count);
    }

    private static RapportFactory NewFactory(string provider) =>
        // The worker's own timer is off: the tests run its polls themselves.
        new(provider, s => s["Rapport:Feeds:CheckEvery"] = "00:00:00");

    private static async Task<Channel> CreateFeedAsync(RapportFactory factory, Guid workspaceId, string? url, int? pollMinutes = null, bool paused = false)
    {
        await using var db = factory.OpenDb();
        var settings = System.Text.Json.JsonSerializer.Serialize(new { url, pollMinutes });
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = url ?? "No address",
            Kind = ChannelKind.Feed,
            Direction = ChannelDirection.Listening,
            Settings = settings,
            Paused = paused,
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

    private sealed record SeenRequest(string Path, string IfNoneMatch, string IfModifiedSince, string UserAgent, int Status);

    private sealed record ServedFeed(string Body, string ContentType, int Status, bool Validators, bool Chunked, bool Hang);

    /// <summary>A real HTTP server on loopback that serves the feeds a test writes, with ETag and Last-Modified like a blog engine.</summary>
    private sealed class FeedServer : IAsyncDisposable
    {
        public static readonly DateTimeOffset LastModified = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

        private readonly ConcurrentDictionary<string, ServedFeed> feeds = new();
        private WebApplication? app;
        private string baseAddress = "";

        public ConcurrentQueue<SeenRequest> Requests { get; } = new();

        public static async Task<FeedServer> StartAsync()
        {
            var server = new FeedServer();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            server.app = builder.Build();
            server.app.Run(server.HandleAsync);
            await server.app.StartAsync();
            server.baseAddress = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return server;
        }

        public string Url(string path) => baseAddress + path;

        public void Serve(string path, string body, string contentType = "application/rss+xml", int status = 200, bool validators = true, bool chunked = false, bool hang = false) =>
            feeds[path] = new ServedFeed(body, contentType, status, validators, chunked, hang);

        public string ETagOf(string path) => ETag(Encoding.UTF8.GetBytes(feeds[path].Body));

        private static string ETag(byte[] body) => "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..16] + "\"";

        private async Task HandleAsync(HttpContext context)
        {
            var request = context.Request;
            var response = context.Response;
            var path = request.Path.Value ?? "";
            var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
            var ifModifiedSince = request.Headers.IfModifiedSince.ToString();
            feeds.TryGetValue(path, out var feed);
            var body = feed is null ? [] : Encoding.UTF8.GetBytes(feed.Body);
            var etag = ETag(body);
            var modified = LastModified.ToString("R");
            var status = feed switch
            {
                null => 404,
                { Status: not 200 } => feed.Status,
                { Validators: true } when (ifNoneMatch.Length > 0 ? ifNoneMatch == etag : ifModifiedSince == modified) => 304,
                _ => 200,
            };
            // Recorded before answering, so the test sees the request as soon as the client has the answer.
            Requests.Enqueue(new SeenRequest(path, ifNoneMatch, ifModifiedSince, request.Headers.UserAgent.ToString(), status));

            if (feed is { Hang: true })
            {
                // Never answers: waits until the client gives up and closes the connection.
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }
            response.StatusCode = status;
            if (feed is { Validators: true } && status is 200 or 304)
            {
                response.Headers.ETag = etag;
                response.Headers.LastModified = modified;
            }
            if (status == 200)
            {
                response.ContentType = feed!.ContentType + "; charset=utf-8";
                if (!feed.Chunked)
                {
                    response.ContentLength = body.Length;
                }
                await response.Body.WriteAsync(body);
            }
            else if (status != 304)
            {
                await response.WriteAsync("Something went wrong.");
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
    }
}
