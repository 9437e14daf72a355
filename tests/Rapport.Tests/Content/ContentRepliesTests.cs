using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Channels;
using Rapport.Channels.Bluesky;
using Rapport.Channels.Mastodon;
using Rapport.Content;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Tests.Bluesky;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>What a test does to take a draft through the studio to the network: the steps a member takes, through the API.</summary>
internal static class Studio
{
    public static string Drafts(Guid workspaceId) => $"/api/v1/workspaces/{workspaceId}/drafts";

    public static async Task<DraftDetailsDto> ReadAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DraftDetailsDto>(Json.Options))!;
    }

    public static Task<HttpResponseMessage> ActAsync(HttpClient client, Guid workspaceId, Guid draftId, string action, object? body = null) =>
        client.PostAsJsonAsync($"{Drafts(workspaceId)}/{draftId}/{action}", body ?? new { });

    /// <summary>A new draft with one variant, submitted and approved by <paramref name="admin"/>.</summary>
    public static async Task<DraftDetailsDto> ApprovedAsync(HttpClient admin, Guid workspaceId, Guid channelId, string text, string title = "Opening hours",
        string? campaign = null)
    {
        var created = await admin.PostAsJsonAsync(Drafts(workspaceId), new { title, campaign, variants = new[] { new { channelId, text } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var draft = await ReadAsync(created);
        (await ActAsync(admin, workspaceId, draft.Draft.Id, "submit")).EnsureSuccessStatusCode();
        return await ReadAsync(await ActAsync(admin, workspaceId, draft.Draft.Id, "approve"));
    }

    /// <summary>Schedules an approved draft an hour from the clock, in the workspace's time zone.</summary>
    public static async Task<DraftDetailsDto> ScheduleInAnHourAsync(HttpClient admin, Workspace workspace, Guid draftId, TimeProvider clock)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(workspace.TimeZone);
        var local = TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime.AddHours(1), zone);
        return await ReadAsync(await ActAsync(admin, workspace.Id, draftId, "schedule", new { localTime = local.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) }));
    }

    /// <summary>The publishing job's run, then the outbox's, then the job's again: a due draft is on the network and the draft knows it.</summary>
    public static async Task PublishDueAsync(RapportFactory factory)
    {
        async Task RunAsync()
        {
            await using var scope = factory.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ContentService>().PublishDueAsync(factory.Services.GetRequiredService<RapportDbContextFactory>());
        }
        await RunAsync();
        await factory.Services.GetRequiredService<OutboxWorker>().RunOnceAsync();
        await RunAsync();
    }

    /// <summary>A draft taken from nothing to published on <paramref name="channelId"/>.</summary>
    public static async Task<DraftDetailsDto> PublishedAsync(RapportFactory factory, FakeTimeProvider clock, HttpClient admin, Workspace workspace, Guid channelId, string text,
        string? campaign = null)
    {
        var draft = await ApprovedAsync(admin, workspace.Id, channelId, text, campaign: campaign);
        await ScheduleInAnHourAsync(admin, workspace, draft.Draft.Id, clock);
        clock.Advance(TimeSpan.FromHours(2));
        await PublishDueAsync(factory);
        var published = await ReadAsync(await admin.GetAsync($"{Drafts(workspace.Id)}/{draft.Draft.Id}"));
        Assert.Equal(DraftStatus.Published, published.Draft.Status);
        return published;
    }

    public static async Task<Channel> MastodonChannelAsync(RapportFactory factory, Guid workspaceId, string instanceUrl)
    {
        await using var db = factory.OpenDb();
        var secrets = factory.Services.GetRequiredService<ChannelSecrets>();
        var channel = new Channel
        {
            WorkspaceId = workspaceId,
            Name = "Mastodon",
            Kind = ChannelKind.Mastodon,
            Direction = ChannelDirection.Inbox,
            Settings = System.Text.Json.JsonSerializer.Serialize(new { instanceUrl }),
            ProtectedSecrets = secrets.Protect(new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = MastodonServer.Token }),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    /// <summary>A factory whose workers wait for the test: polls, deliveries and publishing run when the test says.</summary>
    public static RapportFactory Factory(string provider, FakeTimeProvider clock) => new(provider, s =>
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
}

public class ContentRepliesTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RepliesToAPublishedMastodonPost_LandInOneConversation_LinkedToThePost(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = Studio.Factory(provider, clock);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await Studio.MastodonChannelAsync(factory, workspace.Id, server.BaseUrl);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var published = await Studio.PublishedAsync(factory, clock, admin, workspace, channel.Id, "Our shop is open on Sunday from 10 to 16.");
        var post = Assert.Single(published.Draft.Variants);
        Assert.NotNull(post.ExternalId);

        // Two people answer the post, one answers the other's reply, and someone else writes about something else.
        server.AddMention(9001, "7001", "alice@example.social", "<p>@brand Also on bank holidays?</p>", inReplyTo: post.ExternalId);
        server.AddMention(9002, "7002", "bob@other.example", "<p>@brand Great, and on Saturday?</p>", inReplyTo: post.ExternalId);
        server.AddMention(9003, "7003", "alice@example.social", "<p>@bob @brand Saturday too, I went last week.</p>", inReplyTo: "7002");
        server.AddMention(9004, "7004", "carol@example.social", "<p>@brand my order 4411 never arrived</p>");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var poll = await scope.ServiceProvider.GetRequiredService<MastodonPoller>().PollAsync(channel.Id);
            Assert.True(poll.Ok, poll.Error);
            Assert.Equal(4, poll.Ingested);
        }

        Guid thread;
        await using (var db = factory.OpenDb())
        {
            var messages = await db.Messages.ToDictionaryAsync(m => m.ExternalId!, m => m.ConversationId);
            thread = messages["7001"];
            Assert.Equal(thread, messages["7002"]);
            Assert.Equal(thread, messages["7003"]);
            Assert.NotEqual(thread, messages["7004"]);
            Assert.Equal(post.ExternalId, (await db.Conversations.SingleAsync(c => c.Id == thread)).ExternalThreadId);
            var replied = await ContentService.RepliedPostAsync(db, thread);
            Assert.NotNull(replied);
            Assert.Equal(post.OutboxItemId, replied.PostId);
            Assert.Equal(post.PublishedUrl, replied.Url);
            Assert.Equal(published.Draft.Id, replied.DraftId);
            Assert.Null(await ContentService.RepliedPostAsync(db, messages["7004"]));
        }

        // A later reply to the post, at the next poll, joins the same conversation.
        server.AddMention(9005, "7005", "dan@example.social", "<p>@brand Thanks!</p>", inReplyTo: post.ExternalId);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            Assert.Equal(1, (await scope.ServiceProvider.GetRequiredService<MastodonPoller>().PollAsync(channel.Id)).Ingested);
        }
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(thread, await db.Messages.Where(m => m.ExternalId == "7005").Select(m => m.ConversationId).SingleAsync());
        }

        // The conversation page says which post they answer, with its link, in English and in French.
        var browser = await factory.SignedInClientAsync(owner.Email!);
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var english = WebUtility.HtmlDecode(await browser.GetStringAsync($"/conversations/{thread}"));
        Assert.Contains("Replies to our post:", english, StringComparison.Ordinal);
        Assert.Contains($"href=\"{post.PublishedUrl}\"", english, StringComparison.Ordinal);
        Assert.Contains("draft “Opening hours”", english, StringComparison.Ordinal);
        browser.DefaultRequestHeaders.AcceptLanguage.Clear();
        browser.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fr");
        var french = WebUtility.HtmlDecode(await browser.GetStringAsync($"/conversations/{thread}"));
        Assert.Contains("Réponses à notre publication :", french, StringComparison.Ordinal);
        Assert.Contains("voir la publication", french, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RepliesToAPublishedBlueskyPost_LandInOneConversation_LinkedToThePost(string provider)
    {
        await using var server = await BlueskyServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = Studio.Factory(provider, clock);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await BlueskyTests.CreateChannelAsync(factory, workspace.Id, server.Url);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var published = await Studio.PublishedAsync(factory, clock, admin, workspace, channel.Id, "Our shop is open on Sunday from 10 to 16.");
        var post = Assert.Single(published.Draft.Variants);
        Assert.StartsWith($"at://{BlueskyServer.Did}/app.bsky.feed.post/", post.ExternalId, StringComparison.Ordinal);

        // Two replies to the post, by two people, newest first as listNotifications gives them.
        var template = JsonNode.Parse(BlueskyServer.Recorded("listNotifications-page1.json"))!["notifications"]![0]!;
        JsonNode Reply(string who, string rkey, string text, string at)
        {
            var n = template.DeepClone();
            n["uri"] = $"at://did:plc:{who}example/app.bsky.feed.post/{rkey}";
            n["author"]!["did"] = $"did:plc:{who}example";
            n["author"]!["handle"] = $"{who}.bsky.social";
            n["author"]!["displayName"] = who;
            n["reasonSubject"] = post.ExternalId;
            n["record"]!["text"] = text;
            n["record"]!["createdAt"] = at;
            n["indexedAt"] = at;
            n["record"]!["reply"]!["parent"]!["uri"] = post.ExternalId;
            n["record"]!["reply"]!["root"]!["uri"] = post.ExternalId;
            return n;
        }
        server.Pages[""] = new JsonObject
        {
            ["notifications"] = new JsonArray(
                Reply("erin", "3lbqerin00002", "And on bank holidays?", "2026-11-23T10:06:00.000Z"),
                Reply("fred", "3lbqfred00001", "Great news!", "2026-11-23T10:05:00.000Z")),
        }.ToJsonString();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var poll = await scope.ServiceProvider.GetRequiredService<BlueskyPoller>().PollAsync(channel.Id);
            Assert.True(poll.Ok, poll.Error);
            Assert.Equal(2, poll.Ingested);
        }

        await using var db = factory.OpenDb();
        var conversation = Assert.Single(await db.Messages.Select(m => m.ConversationId).Distinct().ToListAsync());
        var replied = await ContentService.RepliedPostAsync(db, conversation);
        Assert.NotNull(replied);
        Assert.Equal(post.OutboxItemId, replied.PostId);
        Assert.Equal($"https://bsky.app/profile/{BlueskyServer.Did}/post/{post.ExternalId![(post.ExternalId!.LastIndexOf('/') + 1)..]}", replied.Url);
    }
}
