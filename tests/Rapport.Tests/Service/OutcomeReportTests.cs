using System.Net;
using System.Net.Http.Json;
using Rapport.Channels;
using Rapport.Contacts;
using Rapport.Conversations;
using Rapport.Conversions;
using Rapport.Links;
using Rapport.Listening;
using Rapport.Outbox;
using Rapport.Reports;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Service;

public class OutcomeReportTests
{
    private static readonly DateTime Day = new(2026, 6, 10, 8, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime PreviousDay = Day.AddDays(-7);
    private const string Period = "from=2026-06-08T00:00:00Z&to=2026-06-15T00:00:00Z";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task KnownPeriod_GivesEveryFigure_BesideThePreviousPeriod(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var mastodon = await setup.Factory.CreateChannelAsync(setup.Workspace.Id, ChannelKind.Mastodon, "Mastodon");
        await SeedAsync(setup.Factory, setup.Workspace.Id, setup.Channel, mastodon);
        // Another workspace's posts, clicks, sales and answers: never counted here.
        var (_, other) = await setup.Factory.CreateOwnerAsync(workspaceName: "Other");
        var otherChannel = await setup.Factory.CreateChannelAsync(other.Id, name: "Other API");
        await SeedAsync(setup.Factory, other.Id, otherChannel, otherChannel);

        var report = await setup.Client.GetFromJsonAsync<OutcomeReport>($"{setup.Url}/reports/outcomes?{Period}", Json.Options);
        var now = report!.Current.Total;
        Assert.Equal((3, 1), (now.PostsPublished, now.RepliesDelivered));
        // No post metrics arrived: not measured, never a zero.
        Assert.Equal((null, null), (now.Reach, now.Engagement));
        Assert.Equal((1, 1, 1, 0d), (now.PositiveMessages, now.NeutralMessages, now.NegativeMessages, now.NetSentiment));
        Assert.Equal((6, 3), (now.Clicks, now.Conversions));
        Assert.Equal([new Money("EUR", 30.5m), new Money("USD", 5m)], now.Revenue);
        Assert.Equal((4d, 2, 2d, 1), (now.Csat, now.CsatAnswers, now.Effort, now.EffortAnswers));
        Assert.Equal((40d, 3, 1, 1), (now.Nps, now.Promoters, now.Passives, now.Detractors));
        Assert.Equal((2, 1), (now.Recommends, now.AdvisesAgainst));
        Assert.Equal((1, 1), (now.NegativeOpenings, now.Recovered));
        Assert.Equal((1, 1), (now.Complaints, now.ComplaintsResolved));
        Assert.Equal((1, 1), (now.ThreatenedToLeave, now.Stayed));

        var before = report.Previous.Total;
        Assert.Equal((new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 6, 8, 0, 0, 0, DateTimeKind.Utc)), (report.Previous.From, report.Previous.To));
        Assert.Equal((1, 0, 1, 1, 1), (before.PostsPublished, before.RepliesDelivered, before.Clicks, before.Conversions, before.Recommends));
        Assert.Equal([new Money("EUR", 100m)], before.Revenue);
        Assert.Null(before.Nps);

        var api = report.Current.Channels.Single(c => c.Key == setup.Channel.Id.ToString());
        Assert.Equal(("API", 3, 1, 4, 2, 40d), (api.Label, api.PostsPublished, api.RepliesDelivered, api.Clicks, api.Conversions, api.Nps));
        var social = report.Current.Channels.Single(c => c.Key == mastodon.Id.ToString());
        Assert.Equal(("Mastodon", 2, 1, 2, 1, 1), (social.Label, social.Clicks, social.Conversions, social.Recommends, social.AdvisesAgainst, social.ThreatenedToLeave));

        var spring = report.Current.Campaigns.Single(c => c.Campaign == "spring");
        Assert.Equal((1, 0, 4, 2), (spring.PostsPublished, spring.RepliesDelivered, spring.Clicks, spring.Conversions));
        Assert.Equal([new Money("EUR", 30.5m)], spring.Revenue);
        var summer = report.Current.Campaigns.Single(c => c.Campaign == "summer");
        Assert.Equal((0, 1, 2, 1), (summer.PostsPublished, summer.RepliesDelivered, summer.Clicks, summer.Conversions));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Csv_HoldsEachTable_PerCurrency(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var mastodon = await setup.Factory.CreateChannelAsync(setup.Workspace.Id, ChannelKind.Mastodon, "=Mastodon");
        await SeedAsync(setup.Factory, setup.Workspace.Id, setup.Channel, mastodon);

        var summary = await setup.Client.GetAsync($"{setup.Url}/reports/outcomes.csv?{Period}");
        Assert.Equal(HttpStatusCode.OK, summary.StatusCode);
        Assert.Equal("text/csv", summary.Content.Headers.ContentType!.MediaType);
        var text = await summary.Content.ReadAsStringAsync();
        Assert.StartsWith("stage,figure,current,previous\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\noutputs,posts_published,3,1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nout-takes,reach,not measured,not measured\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\noutcomes,nps,40,\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nimpact,revenue,30.5 EUR; 5 USD,100 EUR\r\n", text, StringComparison.Ordinal);

        var campaigns = await (await setup.Client.GetAsync($"{setup.Url}/reports/outcomes.csv?{Period}&table=Campaigns")).Content.ReadAsStringAsync();
        Assert.StartsWith("period,from,to,campaign,posts_published,replies_delivered,clicks,conversions,revenue,reach,engagement\r\n", campaigns, StringComparison.Ordinal);
        Assert.Contains("\r\ncurrent,2026-06-08T00:00:00Z,2026-06-15T00:00:00Z,spring,1,0,4,2,30.5 EUR,not measured,not measured\r\n", campaigns, StringComparison.Ordinal);
        Assert.Contains("\r\nprevious,2026-06-01T00:00:00Z,2026-06-08T00:00:00Z,spring,1,0,1,1,100 EUR,not measured,not measured\r\n", campaigns, StringComparison.Ordinal);

        var channels = await (await setup.Client.GetAsync($"{setup.Url}/reports/outcomes.csv?{Period}&table=Channels")).Content.ReadAsStringAsync();
        Assert.StartsWith("period,from,to,channel,posts_published,replies_delivered,reach,", channels, StringComparison.Ordinal);
        // A channel named like a formula stays text in a spreadsheet.
        Assert.Contains(",'=Mastodon,0,0,not measured,not measured,", channels, StringComparison.Ordinal);
        Assert.Contains("current,2026-06-08T00:00:00Z,2026-06-15T00:00:00Z,Total,3,1,", channels, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task OutcomeReport_IsReadByAnalystsAndAgents_NotByOtherWorkspaces_AndRefusesBadPeriods(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        foreach (var role in new[] { Role.Analyst, Role.Agent })
        {
            var member = await setup.Factory.TokenClientAsync(setup.Workspace.Id, role);
            Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"{setup.Url}/reports/outcomes?{Period}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"{setup.Url}/reports/outcomes.csv?{Period}&table=Channels")).StatusCode);
        }
        var backwards = await setup.Client.GetAsync($"{setup.Url}/reports/outcomes?from=2026-06-08&to=2026-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Contains("must end after it starts", await backwards.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var absurd = await setup.Client.GetAsync($"{setup.Url}/reports/outcomes.csv?from=2020-01-01&to=2026-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, absurd.StatusCode);
        Assert.Contains("at most 366 days", await absurd.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await setup.Client.GetAsync($"{setup.Url}/reports/outcomes.csv?{Period}&table=Secrets")).StatusCode);

        var (stranger, other) = await setup.Factory.CreateOwnerAsync(workspaceName: "Other");
        var client = await setup.Factory.TokenClientAsync(other.Id, Role.Owner, stranger.Id);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"{setup.Url}/reports/outcomes?{Period}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"{setup.Url}/reports/outcomes.csv?{Period}")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Page_ShowsTheFiguresAndTheirExplanations_InEnglishAndFrench(string provider)
    {
        await using var setup = await ServiceWorkspace.StartAsync(provider);
        var mastodon = await setup.Factory.CreateChannelAsync(setup.Workspace.Id, ChannelKind.Mastodon, "Mastodon");
        await SeedAsync(setup.Factory, setup.Workspace.Id, setup.Channel, mastodon);
        var browser = await setup.Factory.SignedInClientAsync(setup.Owner.Email!);
        const string Address = "/reports/outcomes?period=custom&from=2026-06-08&to=2026-06-14";

        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        // The page is rendered on the server first; its text is HTML-encoded.
        var english = WebUtility.HtmlDecode(await browser.GetStringAsync(Address));
        Assert.Contains("Outcome report", english, StringComparison.Ordinal);
        Assert.Contains("Not measured yet", english, StringComparison.Ordinal);
        Assert.Contains("30.50 EUR · 5.00 USD", english, StringComparison.Ordinal);
        Assert.Contains("3 promoters, 1 passives, 1 detractors", english, StringComparison.Ordinal);
        Assert.Contains("never added together", english, StringComparison.Ordinal);

        browser.DefaultRequestHeaders.AcceptLanguage.Clear();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        var french = WebUtility.HtmlDecode(await browser.GetStringAsync(Address));
        Assert.Contains("Rapport de résultats", french, StringComparison.Ordinal);
        Assert.Contains("Pas encore mesuré", french, StringComparison.Ordinal);
        Assert.Contains("Chiffre d’affaires attribué", french, StringComparison.Ordinal);
    }

    /// <summary>
    /// In the period: three posts sent on the API channel (one for the "spring" link), one still waiting and one webhook
    /// delivery (neither is a post published); one delivered reply and a failed and a queued one; three inbound messages
    /// (a positive complaint, a negative threat to leave, a neutral one), both conversations resolved, the threat ending
    /// neutral; six clicks, three conversions in two currencies; five NPS answers (10, 9, 9, 7, 3); two recommendations
    /// and one advice against; two surveys (5/1, 3/-). In the previous period: one post, one click, one 100 EUR sale and
    /// one recommendation.
    /// </summary>
    private static async Task SeedAsync(RapportFactory factory, Guid workspaceId, Channel api, Channel social)
    {
        await using var db = factory.OpenDb();
        OutboxItem Post(Channel channel, OutboxStatus status, DateTime? sentAt, Guid? delivery = null) => new()
        {
            WorkspaceId = workspaceId,
            ChannelId = channel.Id,
            IdempotencyKey = Guid.NewGuid().ToString(),
            Status = status,
            CreatedAt = Day.AddHours(-1),
            NextAttemptAt = Day,
            SentAt = sentAt,
            EventDeliveryId = delivery,
        };
        var post = Post(api, OutboxStatus.Sent, Day);
        var previousPost = Post(social, OutboxStatus.Sent, PreviousDay);
        db.OutboxItems.AddRange(post, Post(api, OutboxStatus.Sent, Day.AddHours(1)), Post(api, OutboxStatus.Sent, Day.AddDays(2)),
            Post(api, OutboxStatus.Pending, null), Post(api, OutboxStatus.Sent, Day, Guid.NewGuid()), previousPost);

        var contact = new Contact { WorkspaceId = workspaceId, DisplayName = "Camille", CreatedAt = Day };
        var complaint = new Conversation { WorkspaceId = workspaceId, ChannelId = api.Id, ContactId = contact.Id, CreatedAt = Day, LastMessageAt = Day };
        var threat = new Conversation { WorkspaceId = workspaceId, ChannelId = social.Id, ContactId = contact.Id, CreatedAt = Day, LastMessageAt = Day };
        db.AddRange(contact, complaint, threat);
        var number = 0;
        Message Write(Conversation conversation, MessageDirection direction, DeliveryStatus delivery, string? sentiment = null, string intent = "Question", string urgency = "",
            string recommendation = "")
        {
            var message = new Message
            {
                WorkspaceId = workspaceId,
                ConversationId = conversation.Id,
                ChannelId = conversation.ChannelId,
                Direction = direction,
                ExternalId = $"{workspaceId:N}-{number++}",
                AuthorContactId = direction == MessageDirection.Inbound ? contact.Id : null,
                Text = "…",
                CreatedAt = Day,
                ReceivedAt = Day,
                DeliveryStatus = delivery,
            };
            if (sentiment is not null)
            {
                message.Analysis = new MessageAnalysis { MessageId = message.Id, WorkspaceId = workspaceId, Sentiment = sentiment, Intent = intent, Urgency = urgency, Recommendation = recommendation };
            }
            db.Messages.Add(message);
            return message;
        }
        Write(complaint, MessageDirection.Inbound, DeliveryStatus.None, "Positive", "Complaint");
        var reply = Write(complaint, MessageDirection.Outbound, DeliveryStatus.Sent);
        Write(complaint, MessageDirection.Outbound, DeliveryStatus.Failed);
        Write(complaint, MessageDirection.Outbound, DeliveryStatus.Queued);
        Write(threat, MessageDirection.Inbound, DeliveryStatus.None, "Negative", "Request", "LongWait,ChurnThreat", "AdvisesAgainst");
        Write(threat, MessageDirection.Inbound, DeliveryStatus.None, "Neutral", recommendation: "Recommends");
        // Heard in listening: a mention about the brand counts, one about a competitor does not.
        var brand = new Topic { WorkspaceId = workspaceId, Name = "Brand", Kind = TopicKind.Brand, Query = "brand", CreatedAt = PreviousDay, UpdatedAt = PreviousDay };
        var rival = new Topic { WorkspaceId = workspaceId, Name = "Rival", Kind = TopicKind.Competitor, Query = "rival", CreatedAt = PreviousDay, UpdatedAt = PreviousDay };
        db.AddRange(brand, rival);
        foreach (var (topic, at) in new[] { (brand, Day), (rival, Day), (brand, PreviousDay) })
        {
            var mention = new Mention { WorkspaceId = workspaceId, ChannelId = social.Id, ExternalId = $"{workspaceId:N}-{number++}", Text = "…", CreatedAt = at, ReceivedAt = at, Recommendation = "Recommends" };
            db.Add(mention);
            db.Add(new MentionTopic { TopicId = topic.Id, MentionId = mention.Id, WorkspaceId = workspaceId, MentionCreatedAt = at });
        }

        var spring = new TrackedLink { WorkspaceId = workspaceId, Code = LinkService.NewCode(), TargetUrl = "https://shop.example/", Campaign = "spring", ChannelId = api.Id, PostId = post.Id, CreatedAt = Day };
        var previousSpring = new TrackedLink { WorkspaceId = workspaceId, Code = LinkService.NewCode(), TargetUrl = "https://shop.example/", Campaign = "spring", ChannelId = social.Id, PostId = previousPost.Id, CreatedAt = PreviousDay };
        var summer = new TrackedLink { WorkspaceId = workspaceId, Code = LinkService.NewCode(), TargetUrl = "https://shop.example/", UtmCampaign = "summer", ChannelId = social.Id, ReplyMessageId = reply.Id, CreatedAt = Day };
        db.AddRange(spring, previousSpring, summer);
        foreach (var (link, at) in new[] { (spring, Day), (spring, Day), (spring, Day), (spring, Day), (summer, Day), (summer, Day), (previousSpring, PreviousDay) })
        {
            db.Add(new LinkClick { WorkspaceId = workspaceId, LinkId = link.Id, At = at, Visitor = Guid.NewGuid().ToString("N") });
        }
        Conversion Sale(decimal value, string currency, TrackedLink link, DateTime at) => new()
        {
            WorkspaceId = workspaceId,
            OrderId = Guid.NewGuid().ToString(),
            Value = value,
            Currency = currency,
            OccurredAt = at,
            ReceivedAt = at,
            LinkId = link.Id,
            Campaign = link.Campaign ?? link.UtmCampaign,
            ChannelId = link.ChannelId,
        };
        db.AddRange(Sale(10.5m, "EUR", spring, Day), Sale(20m, "EUR", spring, Day), Sale(5m, "USD", summer, Day), Sale(100m, "EUR", previousSpring, PreviousDay));

        void Event(string name, Conversation? conversation, Channel channel, double value, DateTime? at = null) => db.ReportingEvents.Add(new ReportingEvent
        {
            WorkspaceId = workspaceId,
            Name = name,
            ConversationId = conversation?.Id,
            ChannelId = channel.Id,
            StartedAt = at ?? Day,
            EndedAt = at ?? Day,
            Value = value,
        });
        foreach (var score in new[] { 10, 9, 9, 7, 3 })
        {
            Event(ReportingEventNames.SurveyRecommend, complaint, api, score);
        }
        Event(ReportingEventNames.SurveyCsat, complaint, api, 5);
        Event(ReportingEventNames.SurveyEffort, complaint, api, 2);
        Event(ReportingEventNames.SurveyCsat, threat, social, 3);
        Event(ReportingEventNames.SentimentAtOpening, threat, social, -1);
        Event(ReportingEventNames.ConversationResolved, complaint, api, 0);
        Event(ReportingEventNames.ConversationResolved, threat, social, 0);
        Event(ReportingEventNames.SentimentAtResolution, threat, social, 0);
        await db.SaveChangesAsync();
    }
}
