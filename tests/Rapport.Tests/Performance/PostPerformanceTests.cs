using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Channels;
using Rapport.Channels.Mastodon;
using Rapport.Channels.Webhook;
using Rapport.Content;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Performance;
using Rapport.Reports;
using Rapport.Scheduling;
using Rapport.Tests.Bluesky;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Performance;

public sealed class PostPerformanceTests
{
    private static RapportFactory NewFactory(string provider, FakeTimeProvider clock) =>
        new(provider, s =>
        {
            s["Rapport:Mastodon:CheckEvery"] = "00:00:00";
            s["Rapport:Mastodon:Streaming"] = "false";
            s["Rapport:Mastodon:AllowInsecureHttp"] = "true";
            s["Rapport:Bluesky:CheckEvery"] = "00:00:00";
            s["Rapport:Outbox:PollInterval"] = "00:00:00";
            s["Rapport:Outbox:MaxAttempts"] = "1";
        })
        {
            Clock = clock,
        };

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AMastodonPost_IsReadHourlyTheFirstDayThenLess_KeepsEveryReading_AndShowsBesideItsUsefulnessScore(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = NewFactory(provider, clock);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await MastodonChannelAsync(factory, workspace.Id, server.BaseUrl);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var fetcher = factory.Services.GetRequiredService<PostMetricsFetcher>();

        var draft = await PublishDraftAsync(factory, admin, workspace, channel.Id, clock, "Our shop is open on Sunday from 10 to 16.");
        var status = Assert.Single(server.Posted);
        var statusId = (string)status["id"]!;
        var postId = draft.Draft.Variants.Single().OutboxItemId!.Value;
        var published = clock.GetUtcNow().UtcDateTime;

        Assert.Equal(1, (await fetcher.CountFollowersAsync()).Kept);
        Assert.Equal(0, (await fetcher.CountFollowersAsync()).Kept);
        server.SetCounts(statusId, favourites: 40, reblogs: 8, replies: 3);
        Assert.Equal(1, (await fetcher.FetchDueAsync()).Kept);
        // Not due again before an hour has passed.
        Assert.Equal(0, (await fetcher.FetchDueAsync()).Kept);
        clock.Advance(TimeSpan.FromHours(1));
        server.SetCounts(statusId, favourites: 45, reblogs: 12, replies: 5);
        Assert.Equal(1, (await fetcher.FetchDueAsync()).Kept);
        await using (var db = factory.OpenDb())
        {
            var post = await db.Set<PostPerformance>().SingleAsync();
            Assert.Equal(clock.GetUtcNow().UtcDateTime.AddHours(1), post.NextFetchAt!.Value, TimeSpan.FromMilliseconds(1));
        }
        // After the first day, every 6 hours.
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, (await fetcher.FetchDueAsync()).Kept);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(clock.GetUtcNow().UtcDateTime.AddHours(6), (await db.Set<PostPerformance>().SingleAsync()).NextFetchAt!.Value, TimeSpan.FromMilliseconds(1));
        }

        var rows = (await analyst.GetFromJsonAsync<List<PostPerformanceRow>>($"/api/v1/workspaces/{workspace.Id}/reports/posts", Json.Options))!;
        var row = Assert.Single(rows);
        Assert.Equal((postId, draft.Draft.Id, draft.Draft.UsefulnessScore), (row.PostId, row.DraftId!.Value, row.UsefulnessScore!.Value));
        Assert.Equal((12L, 5L, 45L, 821L), (row.Shares!.Value, row.Replies!.Value, row.Likes!.Value, row.Followers!.Value));
        Assert.Null(row.Reach);
        Assert.Null(row.EarnedShare);
        Assert.Equal(12.0 / 821, row.AmplificationRate!.Value, 6);
        Assert.Equal(5.0 / 821, row.ConversationRate!.Value, 6);
        Assert.Equal(45.0 / 821, row.ApplauseRate!.Value, 6);
        var history = (await analyst.GetFromJsonAsync<PostMetricsDto>($"/api/v1/workspaces/{workspace.Id}/posts/{postId}/metrics", Json.Options))!;
        Assert.Equal([8L, 12L, 12L], history.Readings.Select(r => r.Figures.Shares!.Value));
        Assert.All(history.Readings, r => Assert.Equal(MetricsSource.Network, r.Source));
        var csv = await analyst.GetStringAsync($"/api/v1/workspaces/{workspace.Id}/reports/posts.csv");
        Assert.StartsWith("published_at,channel,post_id,external_id,draft,usefulness_score", csv, StringComparison.Ordinal);
        Assert.Contains(",not given,", csv, StringComparison.Ordinal);

        // The outcome report's out-takes: engagement is shares and replies; likes are the applause, apart; no reach on Mastodon.
        var from = Uri.EscapeDataString(published.AddDays(-1).ToString("o", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(published.AddDays(1).ToString("o", CultureInfo.InvariantCulture));
        var report = (await analyst.GetFromJsonAsync<OutcomeReport>($"/api/v1/workspaces/{workspace.Id}/reports/outcomes?from={from}&to={to}", Json.Options))!;
        Assert.Equal((null, 17L, 45L), (report.Current.Total.Reach, report.Current.Total.Engagement, report.Current.Total.Applause));
        Assert.Equal(17L, report.Current.Channels.Single(c => c.Key == channel.Id.ToString()).Engagement);

        // Seven days on, one last reading, then no more.
        clock.SetUtcNow(new DateTimeOffset(published.AddDays(7).AddMinutes(1), TimeSpan.Zero));
        Assert.Equal(1, (await fetcher.FetchDueAsync()).Kept);
        await using (var db = factory.OpenDb())
        {
            Assert.Null((await db.Set<PostPerformance>().SingleAsync()).NextFetchAt);
            Assert.Equal(4, await db.Set<PostMetricSnapshot>().CountAsync());
        }
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, (await fetcher.FetchDueAsync()).Kept);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task MastodonErrors_SayWhatWentWrongOnTheJob_KeepTheLastFigures_AndTryAgainLater(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = NewFactory(provider, clock);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await MastodonChannelAsync(factory, workspace.Id, server.BaseUrl);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var fetcher = factory.Services.GetRequiredService<PostMetricsFetcher>();
        await PublishDraftAsync(factory, admin, workspace, channel.Id, clock, "New: track your repair online, step by step.");
        var statusId = (string)Assert.Single(server.Posted)["id"]!;
        var path = "/api/v1/statuses/" + statusId;
        server.SetCounts(statusId, favourites: 10, reblogs: 4, replies: 2);
        Assert.Equal(1, (await fetcher.FetchDueAsync()).Kept);

        async Task<PostPerformance> PostAsync()
        {
            await using var db = factory.OpenDb();
            return await db.Set<PostPerformance>().SingleAsync();
        }

        // Rate limited: the post waits for the reset the instance gave.
        clock.Advance(TimeSpan.FromHours(1));
        var reset = clock.GetUtcNow().UtcDateTime.AddMinutes(30);
        server.Force(path, new ForcedAnswer(429, MastodonServer.Recorded("error-429.json"), new Dictionary<string, string>
        {
            ["X-RateLimit-Remaining"] = "0",
            ["X-RateLimit-Reset"] = reset.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        }));
        var limited = await fetcher.FetchDueAsync();
        Assert.Contains("Rate", Assert.Single(limited.Errors), StringComparison.OrdinalIgnoreCase);
        var waiting = await PostAsync();
        Assert.Equal(reset, waiting.NextFetchAt!.Value, TimeSpan.FromSeconds(1));
        Assert.Equal((4L, 2L, 10L), (waiting.Shares!.Value, waiting.Replies!.Value, waiting.Likes!.Value));

        // Down, then an answer that is not JSON: said on the post and the round, figures kept, tried again in 15 minutes.
        clock.SetUtcNow(new DateTimeOffset(reset.AddMinutes(1), TimeSpan.Zero));
        server.Force(path, new ForcedAnswer(503, """{"error":"Service Unavailable"}"""));
        Assert.Contains("503", Assert.Single((await fetcher.FetchDueAsync()).Errors), StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow().UtcDateTime + PostMetricsFetcher.RetryAfter, (await PostAsync()).NextFetchAt!.Value, TimeSpan.FromMilliseconds(1));
        clock.Advance(PostMetricsFetcher.RetryAfter);
        server.Force(path, new ForcedAnswer(200, "<html>Maintenance</html>"));
        Assert.Contains("not", Assert.Single((await fetcher.FetchDueAsync()).Errors), StringComparison.OrdinalIgnoreCase);
        var afterGarbage = await PostAsync();
        Assert.Equal(4L, afterGarbage.Shares);
        Assert.NotNull(afterGarbage.LastError);

        // It comes back: read again, the error cleared.
        clock.Advance(PostMetricsFetcher.RetryAfter);
        server.SetCounts(statusId, favourites: 11, reblogs: 6, replies: 2);
        Assert.Equal(1, (await fetcher.FetchDueAsync()).Kept);
        Assert.Null((await PostAsync()).LastError);

        // Deleted on the network (404): the job says so, the figures stay, and the post is no longer read.
        clock.Advance(TimeSpan.FromHours(1));
        server.Force(path, new ForcedAnswer(404, """{"error":"Record not found"}"""));
        // The job's own run, as the scheduler makes it: it fails with the reason, which Settings → Jobs shows as its last error.
        var job = factory.Services.GetRequiredService<RapportJobs>().Find("fetch-post-metrics")!;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var failed = await Assert.ThrowsAsync<MetricsException>(() => job.RunAsync(scope.ServiceProvider, CancellationToken.None));
            Assert.Contains($"Mastodon: post {statusId} is no longer on the network (deleted)", failed.Message, StringComparison.Ordinal);
        }
        var gone = await PostAsync();
        Assert.True(gone.Deleted);
        Assert.Null(gone.NextFetchAt);
        Assert.Equal((6L, 11L), (gone.Shares!.Value, gone.Likes!.Value));
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(2, await db.Set<PostMetricSnapshot>().CountAsync());
        }
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty((await fetcher.FetchDueAsync()).Errors);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task BlueskyPosts_AreReadWithGetPosts_FollowersWithGetProfile_AndADeletedPostOrARateLimitIsSaid(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = NewFactory(provider, clock);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await BlueskyTests.CreateChannelAsync(factory, workspace.Id, server.Url);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var outbox = factory.Services.GetRequiredService<OutboxWorker>();
        var fetcher = factory.Services.GetRequiredService<PostMetricsFetcher>();
        foreach (var text in new[] { "Notre atelier est ouvert le dimanche.", "Suivez votre réparation en ligne." })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/posts", new { text, language = "fr" })).StatusCode);
        }
        await outbox.RunOnceAsync();
        await using (var db = factory.OpenDb())
        {
            Assert.All(await db.OutboxItems.ToListAsync(), o => Assert.True(o.Status == OutboxStatus.Sent, o.LastError));
        }
        clock.Advance(TimeSpan.FromMinutes(1));
        var keys = server.Posts.Keys.Order().ToList();
        Assert.Equal(2, keys.Count);
        server.Counts[keys[0]] = (Likes: 30, Reposts: 9, Replies: 4, Quotes: 2);
        server.Counts[keys[1]] = (Likes: 3, Reposts: 0, Replies: 1, Quotes: 0);

        Assert.Equal(1, (await fetcher.CountFollowersAsync()).Kept);
        Assert.Equal(2, (await fetcher.FetchDueAsync()).Kept);
        // Both posts in one call.
        var call = Assert.Single(server.Requests, r => r.Nsid == "app.bsky.feed.getPosts");
        Assert.Equal(2, call.Query.TrimStart('?').Split('&').Count(p => p.StartsWith("uris=", StringComparison.Ordinal)));
        var rows = (await agent.GetFromJsonAsync<List<PostPerformanceRow>>($"/api/v1/workspaces/{workspace.Id}/reports/posts", Json.Options))!;
        var first = rows.Single(r => r.ExternalId.EndsWith(keys[0], StringComparison.Ordinal));
        Assert.Equal((9L, 4L, 2L, 30L, 1250L), (first.Shares!.Value, first.Replies!.Value, first.Quotes!.Value, first.Likes!.Value, first.Followers!.Value));
        Assert.Equal(9.0 / 1250, first.AmplificationRate!.Value, 6);

        // A rate limit: nothing read, both wait for the reset, and the round says so.
        clock.Advance(TimeSpan.FromHours(1));
        var reset = clock.GetUtcNow().AddMinutes(20);
        server.Once("app.bsky.feed.getPosts", 429, BlueskyServer.Recorded("error-RateLimitExceeded.json"), new Dictionary<string, string>
        {
            ["RateLimit-Remaining"] = "0",
            ["RateLimit-Reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        });
        var limited = await fetcher.FetchDueAsync();
        Assert.Contains("rate limit", Assert.Single(limited.Errors), StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            Assert.All(await db.Set<PostPerformance>().ToListAsync(), p => Assert.Equal(reset.UtcDateTime, p.NextFetchAt!.Value, TimeSpan.FromSeconds(1)));
        }

        // Garbage (JSON without posts): said, figures kept.
        clock.SetUtcNow(reset.AddMinutes(1));
        server.Once("app.bsky.feed.getPosts", 200, """{"unexpected":true}""");
        Assert.Contains("neither a list of posts", Assert.Single((await fetcher.FetchDueAsync()).Errors), StringComparison.Ordinal);

        // One post deleted: getPosts leaves it out; the other is read.
        clock.Advance(PostMetricsFetcher.RetryAfter);
        server.Delete(keys[1]);
        server.Counts[keys[0]] = (Likes: 31, Reposts: 10, Replies: 4, Quotes: 2);
        var round = await fetcher.FetchDueAsync();
        Assert.Equal(1, round.Kept);
        Assert.Contains("is no longer on the network", Assert.Single(round.Errors), StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            var posts = await db.Set<PostPerformance>().ToListAsync();
            var deleted = posts.Single(p => p.ExternalId.EndsWith(keys[1], StringComparison.Ordinal));
            Assert.True(deleted.Deleted);
            Assert.Equal(1L, deleted.Replies);
            Assert.Equal(10L, posts.Single(p => p.ExternalId.EndsWith(keys[0], StringComparison.Ordinal)).Shares);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task APartnersWebhook_SendsReachSplitAndFollowers_AndBadMetricsAreRefusedWithoutKeepingAnything(string provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = NewFactory(provider, clock);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await WebhookTests.CreateWebhookChannelAsync(factory, workspace.Id);
        var now = clock.GetUtcNow().UtcDateTime;
        var postId = Guid.CreateVersion7();
        await using (var db = factory.OpenDb())
        {
            // A post the partner accepted: sent through the outbox, its id on the network kept.
            db.OutboxItems.Add(new OutboxItem
            {
                Id = postId,
                WorkspaceId = workspace.Id,
                ChannelId = channel.Id,
                IdempotencyKey = "post-" + postId,
                Payload = JsonSerializer.Serialize(new PostPayload("Our shop is open on Sunday.", "Ana", "en")),
                Status = OutboxStatus.Sent,
                CreatedAt = now.AddHours(-2),
                SentAt = now.AddHours(-2),
                ExternalId = "fb-post-77",
            });
            await db.SaveChangesAsync();
        }
        var client = factory.CreateClient();
        async Task<HttpResponseMessage> SendAsync(string id, object? postMetrics, long? followers = null)
        {
            var body = JsonSerializer.Serialize(new { id, timestamp = clock.GetUtcNow().ToUnixTimeSeconds(), postMetrics, followers });
            return await WebhookTests.PostAsync(client, channel.Id, body, WebhookSignature.Sign(WebhookTests.Secret, Encoding.UTF8.GetBytes(body)));
        }

        var metrics = new[]
        {
            new { externalId = "fb-post-77", impressions = 5000, reach = 3000, reachOrganic = 1800, reachViral = 600, reachPaid = 600, clicks = 120, shares = 45, saves = 12, comments = 30, likes = 300 },
        };
        var accepted = await SendAsync("m-1", metrics, followers: 15000);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var answer = (await accepted.Content.ReadFromJsonAsync<WebhookAccepted>(Json.Options))!;
        Assert.Equal((1, 15000L), (answer.PostMetrics, answer.Followers!.Value));
        // The same delivery again: refused, nothing counted twice.
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync("m-1", metrics, followers: 15000)).StatusCode);

        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var row = Assert.Single((await analyst.GetFromJsonAsync<List<PostPerformanceRow>>($"/api/v1/workspaces/{workspace.Id}/reports/posts", Json.Options))!);
        Assert.Equal((3000L, 1800L, 600L, 600L, 15000L), (row.Reach!.Value, row.ReachOrganic!.Value, row.ReachViral!.Value, row.ReachPaid!.Value, row.Followers!.Value));
        Assert.Equal(0.8, row.EarnedShare!.Value, 6);
        Assert.Equal(45.0 / 15000, row.AmplificationRate!.Value, 6);
        Assert.Equal(30L, row.Replies);
        Assert.Equal(MetricsSource.Webhook, row.Source);
        var report = (await analyst.GetFromJsonAsync<OutcomeReport>($"/api/v1/workspaces/{workspace.Id}/reports/outcomes", Json.Options))!;
        Assert.Equal((3000L, 87L, 300L), (report.Current.Total.Reach!.Value, report.Current.Total.Engagement!.Value, report.Current.Total.Applause!.Value));

        // Bad metrics: a clear error naming the field, and nothing kept.
        async Task RefusedAsync(string id, object bad, string field, string words)
        {
            var response = await SendAsync(id, new[] { bad });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains(field, text, StringComparison.Ordinal);
            Assert.Contains(words, text, StringComparison.Ordinal);
        }
        await RefusedAsync("m-2", new { externalId = "fb-post-77", likes = -5 }, "postMetrics[0].likes", "cannot be negative");
        await RefusedAsync("m-3", new { externalId = "fb-post-77", reach = 100, reachOrganic = 90, reachViral = 50 }, "postMetrics[0].reach", "more than the reach");
        await RefusedAsync("m-4", new { externalId = "fb-post-77", shares = 1_000_000_000_000 }, "postMetrics[0].shares", "check the figure");
        await RefusedAsync("m-5", new { externalId = "not-ours", shares = 3 }, "postMetrics[0]", "No post published through this channel");
        await RefusedAsync("m-6", new { postId = "nope", shares = 3 }, "postMetrics[0].postId", "UUID");
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(1, await db.Set<PostMetricSnapshot>().CountAsync());
            Assert.Equal(1, await db.WebhookReceipts.CountAsync());
        }

        // By Rapport's own post id, a later reading: the latest figures move, the history keeps both.
        clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync("m-7", new[] { new { postId = postId.ToString(), reach = 4000, shares = 60 } })).StatusCode);
        var history = (await analyst.GetFromJsonAsync<PostMetricsDto>($"/api/v1/workspaces/{workspace.Id}/posts/{postId}/metrics", Json.Options))!;
        Assert.Equal([45L, 60L], history.Readings.Select(r => r.Figures.Shares!.Value));
        Assert.Equal(4000L, history.Post.Reach);

        // What people did because of the post sits beside it: a click on its tracked link, a purchase attributed to it.
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var link = (await (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/links",
            new { targetUrl = "https://shop.example/velo", utmCampaign = "sunday", postId })).Content.ReadFromJsonAsync<Links.LinkDto>(Json.Options))!;
        var reader = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using (var click = new HttpRequestMessage(HttpMethod.Get, "/l/" + link.Code))
        {
            click.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0");
            Assert.Equal(HttpStatusCode.Redirect, (await reader.SendAsync(click)).StatusCode);
        }
        await factory.Services.GetRequiredService<Links.ClickQueue>().FlushAsync();
        var secret = (await admin.GetFromJsonAsync<Conversions.ConversionSettingsDto>($"/api/v1/workspaces/{workspace.Id}/conversions/settings", Json.Options))!.Secret;
        var order = JsonSerializer.SerializeToUtf8Bytes(new { orderId = "A-77", linkCode = link.Code, value = 89.90m, currency = "EUR" });
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using (var purchase = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/conversions/{workspace.Id}") { Content = new ByteArrayContent(order) })
        {
            purchase.Content.Headers.ContentType = new("application/json");
            purchase.Headers.Add(Webhooks.EventSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            purchase.Headers.Add(Webhooks.EventSignature.SignatureHeader, Webhooks.EventSignature.Sign(secret, timestamp, order));
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(purchase)).StatusCode);
        }
        var sold = Assert.Single((await analyst.GetFromJsonAsync<List<PostPerformanceRow>>($"/api/v1/workspaces/{workspace.Id}/reports/posts", Json.Options))!);
        Assert.Equal((1, 1), (sold.LinkClicks, sold.Conversions));
        Assert.Equal(new Money("EUR", 89.90m), Assert.Single(sold.Revenue));
        Assert.Contains(",1,1,89.9 EUR,300,", await analyst.GetStringAsync($"/api/v1/workspaces/{workspace.Id}/reports/posts.csv"), StringComparison.Ordinal);

        // Another workspace's member sees none of it.
        var (_, other) = await factory.CreateOwnerAsync("other@example.test", "Other");
        var stranger = await factory.TokenClientAsync(other.Id, Role.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/v1/workspaces/{other.Id}/posts/{postId}/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"/api/v1/workspaces/{workspace.Id}/reports/posts")).StatusCode);
    }

    private static async Task<DraftDetailsDto> PublishDraftAsync(RapportFactory factory, HttpClient admin, Workspace workspace, Guid channelId, FakeTimeProvider clock, string text)
    {
        var drafts = $"/api/v1/workspaces/{workspace.Id}/drafts";
        var created = await admin.PostAsJsonAsync(drafts, new { title = "Sunday", variants = new[] { new { channelId, text } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<DraftDetailsDto>(Json.Options))!.Draft.Id;
        (await admin.PostAsJsonAsync($"{drafts}/{id}/submit", new { })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"{drafts}/{id}/approve", new { })).EnsureSuccessStatusCode();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(workspace.TimeZone);
        var local = TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime.AddHours(1), zone);
        (await admin.PostAsJsonAsync($"{drafts}/{id}/schedule", new { localTime = local.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) })).EnsureSuccessStatusCode();
        clock.Advance(TimeSpan.FromHours(2));
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ContentService>().PublishDueAsync(factory.Services.GetRequiredService<RapportDbContextFactory>());
        }
        await factory.Services.GetRequiredService<OutboxWorker>().RunOnceAsync();
        var published = (await admin.GetFromJsonAsync<DraftDetailsDto>($"{drafts}/{id}", Json.Options))!;
        Assert.Equal(DraftStatus.Published, published.Draft.Status);
        return published;
    }

    private static async Task<Channel> MastodonChannelAsync(RapportFactory factory, Guid workspaceId, string instanceUrl)
    {
        await using var db = factory.OpenDb();
        var secrets = factory.Services.GetRequiredService<ChannelSecrets>();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = "Mastodon",
            Kind = ChannelKind.Mastodon,
            Direction = ChannelDirection.Publishing,
            Settings = JsonSerializer.Serialize(new { instanceUrl }),
            ProtectedSecrets = secrets.Protect(new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = MastodonServer.Token }),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }
}
