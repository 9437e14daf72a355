using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Rapport.Channels;
using Rapport.Listening;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class ListeningDashboardTests
{
    // The week of 8 to 14 November 2026 against 1 to 7 November, in Europe/Paris (UTC+1 then), the workspace's default zone.
    private const string Period = "from=2026-11-08&to=2026-11-14";

    private sealed record Seeded(Guid WorkspaceId, Guid BrandId, Guid CompetitorId, Guid ThemeId, Guid BlogId, Guid ReviewsId, Guid OtherWorkspaceId, Guid OtherTopicId);

    private static DateTime Utc(string at) => DateTime.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static async Task<Seeded> SeedAsync(RapportFactory factory)
    {
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var blog = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "Blog feed");
        var reviews = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Api, "Reviews");
        var otherChannel = await factory.CreateChannelAsync(other.Id, ChannelKind.Api, "Other feed");
        await using var db = factory.OpenDb();
        Topic NewTopic(Guid workspaceId, string name, TopicKind kind) =>
            new() { WorkspaceId = workspaceId, Name = name, Kind = kind, Query = name, CreatedAt = Utc("2026-10-01T00:00:00Z"), UpdatedAt = Utc("2026-10-01T00:00:00Z") };
        var brand = NewTopic(workspace.Id, "Vélo Vert", TopicKind.Brand);
        var competitor = NewTopic(workspace.Id, "RouleMax", TopicKind.Competitor);
        var theme = NewTopic(workspace.Id, "Batteries", TopicKind.Theme);
        var otherBrand = NewTopic(other.Id, "Vélo Vert", TopicKind.Brand);
        db.AddRange(brand, competitor, theme, otherBrand);
        var n = 0;
        void Heard(Guid workspaceId, Guid channelId, Topic[] topics, string at, string sentiment, string author, string language, string phrases = "", bool spam = false)
        {
            var mention = new Mention
            {
                WorkspaceId = workspaceId,
                ChannelId = channelId,
                ExternalId = $"m-{n++}",
                AuthorHandle = author,
                AuthorName = author.TrimStart('@').ToUpperInvariant(),
                Text = "…",
                CreatedAt = Utc(at),
                ReceivedAt = Utc(at),
                Language = language,
                Sentiment = sentiment,
                KeyPhrases = phrases,
                Intent = spam ? "Spam" : "Praise",
                IntentConfidence = spam ? 0.95 : 0.6,
            };
            db.Add(mention);
            foreach (var t in topics)
            {
                db.Add(MentionTopic.Of(t.Id, mention));
            }
        }
        // Late on 7 November in UTC is already 8 November in Paris; late on 14 November is 15 November, after the period.
        Heard(workspace.Id, reviews.Id, [brand], "2026-11-07T23:30:00Z", "Neutral", "@carol", "fr");
        Heard(workspace.Id, blog.Id, [brand, theme], "2026-11-08T10:00:00Z", "Positive", "@alice", "fr", "batterie, service client");
        Heard(workspace.Id, reviews.Id, [brand, theme], "2026-11-08T23:30:00Z", "Negative", "@bob", "en", "battery, customer service");
        Heard(workspace.Id, blog.Id, [brand], "2026-11-09T12:00:00Z", "Positive", "@alice", "fr", "Batterie");
        Heard(workspace.Id, blog.Id, [brand], "2026-11-10T08:00:00Z", "Neutral", "@carol", "fr");
        Heard(workspace.Id, blog.Id, [brand], "2026-11-14T23:30:00Z", "Positive", "@late", "fr", "plus tard");
        // Noise: set aside, counted nowhere.
        Heard(workspace.Id, blog.Id, [brand, competitor], "2026-11-10T09:00:00Z", "Positive", "@spammer", "en", "promo", spam: true);
        // The period before.
        Heard(workspace.Id, blog.Id, [brand], "2026-11-02T10:00:00Z", "Negative", "@dave", "en");
        Heard(workspace.Id, blog.Id, [brand], "2026-11-03T10:00:00Z", "Negative", "@dave", "en");
        // The competitor: three in the period.
        Heard(workspace.Id, reviews.Id, [competitor], "2026-11-08T10:00:00Z", "Negative", "@erin", "fr");
        Heard(workspace.Id, reviews.Id, [competitor], "2026-11-09T10:00:00Z", "Negative", "@erin", "fr");
        Heard(workspace.Id, reviews.Id, [competitor], "2026-11-11T10:00:00Z", "Positive", "@frank", "fr");
        // Another workspace's mentions of its own topic, on the same days: never counted here.
        for (var i = 0; i < 5; i++)
        {
            Heard(other.Id, otherChannel.Id, [otherBrand], "2026-11-09T10:00:00Z", "Negative", "@alice", "fr", "batterie");
        }
        await db.SaveChangesAsync();
        return new Seeded(workspace.Id, brand.Id, competitor.Id, theme.Id, blog.Id, reviews.Id, other.Id, otherBrand.Id);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TopicDashboard_CountsTheWorkspacesDays_SentimentShareOfVoiceAndTops_WithoutNoise(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var s = await SeedAsync(factory);
        var analyst = await factory.TokenClientAsync(s.WorkspaceId, Role.Analyst);

        var d = (await analyst.GetFromJsonAsync<ListeningDashboardDto>($"/api/v1/workspaces/{s.WorkspaceId}/topics/{s.BrandId}/dashboard?{Period}", Json.Options))!;

        Assert.Equal(("Vélo Vert", "Europe/Paris"), (d.TopicName, d.TimeZone));
        Assert.Equal((new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 7)), (d.PreviousFrom, d.PreviousTo));
        Assert.Equal(7, d.Points.Count);
        Assert.Equal([2, 2, 1, 0, 0, 0, 0], d.Points.Select(p => p.Counts.Mentions));
        Assert.Equal([0, 1, 1, 0, 0, 0, 0], d.Points.Select(p => p.Previous.Mentions));
        Assert.Equal(new DateOnly(2026, 11, 9), d.Points[1].Start);
        Assert.Equal((1, 0, 1), (d.Points[1].Counts.Positive, d.Points[1].Counts.Neutral, d.Points[1].Counts.Negative));
        Assert.Equal(new SentimentCounts(5, 2, 2, 1), d.Totals);
        Assert.Equal(0.2, d.Totals.NetSentiment!.Value, 6);
        Assert.Equal(new SentimentCounts(2, 0, 0, 2), d.PreviousTotals);

        Assert.Equal(["Vélo Vert", "RouleMax"], d.ShareOfVoice.Select(v => v.Name));
        Assert.Equal([5 / 8.0, 3 / 8.0], d.ShareOfVoice.Select(v => v.Share));
        Assert.Equal(0.2, d.ShareOfVoice[0].Counts.NetSentiment!.Value, 6);
        Assert.Equal(-1 / 3.0, d.ShareOfVoice[1].Counts.NetSentiment!.Value, 6);

        Assert.Equal(["batterie", "battery", "customer service", "service client"], d.Terms.Select(t => t.Name));
        Assert.Equal(2, d.Terms[0].Mentions);
        Assert.Equal([("@alice", 2), ("@carol", 2), ("@bob", 1)], d.Authors.Select(a => (a.Key, a.Mentions)));
        Assert.Equal("ALICE", d.Authors[0].Name);
        Assert.Equal([("fr", 4), ("en", 1)], d.Languages.Select(l => (l.Key, l.Mentions)));
        Assert.Equal([("Blog feed", 3), ("Reviews", 2)], d.Sources.Select(l => (l.Name, l.Mentions)));
        Assert.Equal(0.6, d.Sources[0].Share, 6);

        var weekly = (await analyst.GetFromJsonAsync<ListeningDashboardDto>($"/api/v1/workspaces/{s.WorkspaceId}/topics/{s.BrandId}/dashboard?{Period}&by=Week", Json.Options))!;
        var week = Assert.Single(weekly.Points);
        Assert.Equal((5, 2), (week.Counts.Mentions, week.Previous.Mentions));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AcrossTopics_CountsEveryMentionOfTheWorkspaceOnce_AndTheBrandAgainstItsCompetitors(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var s = await SeedAsync(factory);
        var analyst = await factory.TokenClientAsync(s.WorkspaceId, Role.Analyst);

        var d = (await analyst.GetFromJsonAsync<ListeningDashboardDto>($"/api/v1/workspaces/{s.WorkspaceId}/listening/dashboard?{Period}", Json.Options))!;

        Assert.Null(d.TopicId);
        // Five of the brand (two also of the theme, counted once) and three of the competitor; noise and the other workspace's none.
        Assert.Equal(new SentimentCounts(8, 3, 2, 3), d.Totals);
        Assert.Equal([3, 3, 1, 1, 0, 0, 0], d.Points.Select(p => p.Counts.Mentions));
        Assert.Equal(["Vélo Vert", "RouleMax"], d.ShareOfVoice.Select(v => v.Name));
        Assert.Equal([5, 3], d.ShareOfVoice.Select(v => v.Counts.Mentions));
        Assert.DoesNotContain(d.Authors, a => a.Key == "@spammer");
        Assert.Equal(("fr", 7), (d.Languages[0].Key, d.Languages[0].Mentions));
        Assert.Equal(2, d.Terms.Single(t => t.Name == "batterie").Mentions);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task DashboardCsv_HoldsEachChartsTable_AndNeutralisesFormulas(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var s = await SeedAsync(factory);
        await using (var db = factory.OpenDb())
        {
            var mention = new Mention
            {
                WorkspaceId = s.WorkspaceId,
                ChannelId = s.BlogId,
                ExternalId = "formula",
                AuthorHandle = "=HYPERLINK(\"x\")",
                AuthorName = "=HYPERLINK(\"x\")",
                CreatedAt = Utc("2026-11-12T10:00:00Z"),
                Sentiment = "Neutral",
                Language = "fr",
                KeyPhrases = "@cmd",
            };
            db.Add(mention);
            db.Add(MentionTopic.Of(s.CompetitorId, mention));
            await db.SaveChangesAsync();
        }
        var analyst = await factory.TokenClientAsync(s.WorkspaceId, Role.Analyst);
        async Task<string> CsvAsync(string path)
        {
            var response = await analyst.GetAsync($"/api/v1/workspaces/{s.WorkspaceId}/{path}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
            return await response.Content.ReadAsStringAsync();
        }

        var volume = await CsvAsync($"topics/{s.BrandId}/dashboard/volume.csv?{Period}");
        Assert.StartsWith("start,mentions,previous_start,previous_mentions\r\n2026-11-08,2,2026-11-01,0\r\n2026-11-09,2,2026-11-02,1\r\n", volume, StringComparison.Ordinal);
        var sentiment = await CsvAsync($"topics/{s.BrandId}/dashboard/sentiment.csv?{Period}");
        Assert.Contains("\r\n2026-11-09,2,1,0,1,0,2026-11-02,-1\r\n", sentiment, StringComparison.Ordinal);
        var share = await CsvAsync($"listening/dashboard/share-of-voice.csv?{Period}");
        Assert.Equal("topic,kind,mentions,share_of_voice,positive,neutral,negative,net_sentiment\r\nVélo Vert,Brand,5,0.5556,2,2,1,0.2\r\nRouleMax,Competitor,4,0.4444,1,1,2,-0.25\r\n", share);
        var authors = await CsvAsync($"topics/{s.CompetitorId}/dashboard/authors.csv?{Period}");
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\",\"'=HYPERLINK(\"\"x\"\")\",1,0.25", authors, StringComparison.Ordinal);
        Assert.Contains("'@cmd,1,0.25", await CsvAsync($"topics/{s.CompetitorId}/dashboard/terms.csv?{Period}"), StringComparison.Ordinal);
        Assert.StartsWith("language,mentions,share\r\nfr,4,0.8\r\n", await CsvAsync($"topics/{s.BrandId}/dashboard/languages.csv?{Period}"), StringComparison.Ordinal);
        Assert.Contains($"Blog feed,{s.BlogId},3,0.6", await CsvAsync($"topics/{s.BrandId}/dashboard/sources.csv?{Period}"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Dashboard_RefusesABadPeriod_AnUnknownOrForeignTopic_AndNonMembers(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var s = await SeedAsync(factory);
        var analyst = await factory.TokenClientAsync(s.WorkspaceId, Role.Analyst);
        var outsider = await factory.TokenClientAsync(s.OtherWorkspaceId, Role.Owner);
        var root = $"/api/v1/workspaces/{s.WorkspaceId}";

        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{root}/listening/dashboard?from=2026-11-14&to=2026-11-08")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{root}/listening/dashboard?from=2024-01-01&to=2026-11-08")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{root}/listening/dashboard?from=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{root}/listening/dashboard?to=0001-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{root}/topics/{s.BrandId}/dashboard?from=9999-12-31&to=9999-12-31")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.GetAsync($"{root}/topics/{s.BrandId}/dashboard?{Period}&by=Month")).StatusCode);
        var bad = await analyst.GetAsync($"{root}/topics/{s.BrandId}/dashboard/volume.csv?from=2026-11-14&to=2026-11-08");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("period runs forward", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"{root}/topics/{Guid.NewGuid()}/dashboard?{Period}")).StatusCode);
        // Another workspace's topic is no topic here, through either door.
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"{root}/topics/{s.OtherTopicId}/dashboard?{Period}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"{root}/topics/{s.OtherTopicId}/dashboard/volume.csv?{Period}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"{root}/listening/dashboard/mentions.csv?{Period}")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync($"{root}/listening/dashboard?{Period}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync($"{root}/topics/{s.BrandId}/dashboard/volume.csv?{Period}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync($"{root}/listening/dashboard?{Period}")).StatusCode);
    }
}
