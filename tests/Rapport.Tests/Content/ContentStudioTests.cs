using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Analysis.Review;
using Rapport.Channels;
using Rapport.Channels.Mastodon;
using Rapport.Content;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class ContentStudioTests
{
    private static string Drafts(Guid workspaceId) => $"/api/v1/workspaces/{workspaceId}/drafts";

    private static async Task<DraftDetailsDto> ReadAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DraftDetailsDto>(Json.Options))!;
    }

    private static async Task<DraftDetailsDto> NewDraftAsync(HttpClient client, Guid workspaceId, Guid channelId, string text, string title = "Opening hours")
    {
        var response = await client.PostAsJsonAsync(Drafts(workspaceId), new { title, variants = new[] { new { channelId, text } } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadAsync(response);
    }

    private static Task<HttpResponseMessage> ActAsync(HttpClient client, Guid workspaceId, Guid draftId, string action, object? body = null) =>
        client.PostAsJsonAsync($"{Drafts(workspaceId)}/{draftId}/{action}", body ?? new { });

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Approval_FollowsTheWorkspaceRule_AndAChangeAfterApprovalGoesBackToReview(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var author = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var colleague = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);

        var draft = await NewDraftAsync(author, workspace.Id, channel.Id, "Tag a friend who needs new brakes!\nOur shop is open on Sunday from 10 to 16.");
        Assert.Equal(DraftStatus.Draft, draft.Draft.Status);
        // The review shows the bait on its line, in words from the resources; it does not block submission.
        var bait = Assert.Single(draft.Reviews.Single().Review.Findings, f => f.Kind == DraftFindingKind.TagBait);
        Assert.Equal(1, bait.Line);
        Assert.StartsWith("Tag-baiting", bait.Explanation, StringComparison.Ordinal);
        Assert.Equal(DraftStatus.InReview, (await ReadAsync(await ActAsync(author, workspace.Id, draft.Draft.Id, "submit"))).Draft.Status);

        // Admins approve by default: an agent may not.
        var refused = await ActAsync(colleague, workspace.Id, draft.Draft.Id, "approve");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Only an admin or the owner may approve posts in this workspace.", await DetailAsync(refused));
        var approved = await ReadAsync(await ActAsync(admin, workspace.Id, draft.Draft.Id, "approve"));
        Assert.Equal(DraftStatus.Approved, approved.Draft.Status);

        // Changed after approval: back to review, and the history says so.
        var edited = await ReadAsync(await author.PutAsJsonAsync($"{Drafts(workspace.Id)}/{draft.Draft.Id}",
            new { title = "Opening hours", variants = new[] { new { channelId = channel.Id, text = "Our shop is open on Sunday from 10 to 16." } } }));
        Assert.Equal(DraftStatus.InReview, edited.Draft.Status);
        Assert.Equal([DraftEventKind.Created, DraftEventKind.Submitted, DraftEventKind.Approved, DraftEventKind.Edited, DraftEventKind.BackToReview],
            edited.History.Select(h => h.Kind));
        Assert.DoesNotContain(edited.Reviews.Single().Review.Findings, f => f.Kind == DraftFindingKind.TagBait);

        // "A second person who is not the author": any agent but the author.
        (await admin.PutAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/content/settings", new { approvalRule = "AnotherMember" })).EnsureSuccessStatusCode();
        var own = await ActAsync(author, workspace.Id, draft.Draft.Id, "approve");
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Equal("A member other than the author must approve this draft.", await DetailAsync(own));
        Assert.Equal(DraftStatus.Approved, (await ReadAsync(await ActAsync(colleague, workspace.Id, draft.Draft.Id, "approve"))).Draft.Status);

        await using var db = factory.OpenDb();
        // The author heard of each approval; approvers heard of the submission and of the change.
        var authorId = edited.Draft.AuthorUserId!.Value;
        Assert.Equal(2, await db.Notifications.CountAsync(n => n.UserId == authorId && n.Kind == "content"));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TwoMembersApprovingAtOnce_MakeOneApproval_AndTheOtherIsTold(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var author = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var first = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var second = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var draft = await NewDraftAsync(author, workspace.Id, channel.Id, "Our shop is open on Sunday from 10 to 16.");
        (await ActAsync(author, workspace.Id, draft.Draft.Id, "submit")).EnsureSuccessStatusCode();

        // Both read the same version, both approve.
        var answers = await Task.WhenAll(
            ActAsync(first, workspace.Id, draft.Draft.Id, "approve", new { version = draft.Draft.Version + 1 }),
            ActAsync(second, workspace.Id, draft.Draft.Id, "approve", new { version = draft.Draft.Version + 1 }));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        var loser = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Conflict);
        Assert.Contains(await DetailAsync(loser), new[]
        {
            "Someone else approved or changed this draft at the same moment; it is approved once.",
            "Someone else changed this draft meanwhile. Reload it to see their change.",
            "This draft is already approved.",
        });
        await using var db = factory.OpenDb();
        Assert.Equal(1, await db.Set<DraftEvent>().CountAsync(e => e.DraftId == draft.Draft.Id && e.Kind == DraftEventKind.Approved));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Schedule_RefusesAPastTimeAndATimeInADstGap_AndKeepsTheWorkspacesTimeZone(string provider)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 3, 20, 12, 0, 0, TimeSpan.Zero));
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var draft = await NewDraftAsync(admin, workspace.Id, channel.Id, "Our shop is open on Sunday from 10 to 16.");
        var id = draft.Draft.Id;
        (await ActAsync(admin, workspace.Id, id, "submit")).EnsureSuccessStatusCode();
        var early = await ActAsync(admin, workspace.Id, id, "schedule", new { localTime = "2027-03-29T09:00:00" });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("Only an approved draft can be scheduled.", await DetailAsync(early));
        (await ActAsync(admin, workspace.Id, id, "approve")).EnsureSuccessStatusCode();

        var past = await ActAsync(admin, workspace.Id, id, "schedule", new { localTime = "2027-03-20T09:00:00" });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("This time is already past.", await past.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Europe/Paris skips from 02:00 to 03:00 on 28 March 2027.
        var gap = await ActAsync(admin, workspace.Id, id, "schedule", new { localTime = "2027-03-28T02:30:00" });
        Assert.Equal(HttpStatusCode.BadRequest, gap.StatusCode);
        Assert.Contains("the clocks skip it when they go forward", await gap.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var scheduled = await ReadAsync(await ActAsync(admin, workspace.Id, id, "schedule", new { localTime = "2027-03-29T09:00:00" }));
        Assert.Equal(DraftStatus.Scheduled, scheduled.Draft.Status);
        Assert.Equal(new DateTime(2027, 3, 29, 7, 0, 0, DateTimeKind.Utc), scheduled.Draft.ScheduledAt);
        var calendar = await admin.GetFromJsonAsync<List<CalendarDayDto>>($"/api/v1/workspaces/{workspace.Id}/content/calendar?year=2027&month=3", Json.Options);
        Assert.Equal(id, Assert.Single(calendar!.Single(d => d.Day == new DateOnly(2027, 3, 29)).Drafts).Id);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ADueDraft_IsPublishedOnceThroughTheOutbox_AndKeepsItsLink_AndAFailureIsRetried(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new RapportFactory(provider, s =>
        {
            s["Rapport:Mastodon:CheckEvery"] = "00:00:00";
            s["Rapport:Mastodon:Streaming"] = "false";
            s["Rapport:Mastodon:AllowInsecureHttp"] = "true";
            s["Rapport:Outbox:PollInterval"] = "00:00:00";
            s["Rapport:Outbox:MaxAttempts"] = "1";
        })
        {
            Clock = clock,
        };
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await MastodonChannelAsync(factory, workspace.Id, server.BaseUrl);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var outbox = factory.Services.GetRequiredService<OutboxWorker>();

        async Task<DraftDetailsDto> ScheduledAsync(string text)
        {
            var draft = await NewDraftAsync(admin, workspace.Id, channel.Id, text);
            (await ActAsync(admin, workspace.Id, draft.Draft.Id, "submit")).EnsureSuccessStatusCode();
            (await ActAsync(admin, workspace.Id, draft.Draft.Id, "approve")).EnsureSuccessStatusCode();
            var zone = TimeZoneInfo.FindSystemTimeZoneById(workspace.TimeZone);
            var local = TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime.AddHours(1), zone);
            return await ReadAsync(await ActAsync(admin, workspace.Id, draft.Draft.Id, "schedule", new { localTime = local.ToString("yyyy-MM-ddTHH:mm:ss") }));
        }

        async Task<int> PublishDueAsync()
        {
            await using var scope = factory.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<ContentService>().PublishDueAsync(factory.Services.GetRequiredService<RapportDbContextFactory>());
        }

        var draft = await ScheduledAsync("Our shop is open on Sunday from 10 to 16.");
        Assert.Equal(0, await PublishDueAsync());
        clock.Advance(TimeSpan.FromHours(2));

        // Two runs at once (two nodes, or a restart mid-run), and the scheduler's own run besides: the draft is claimed once.
        var queued = await Task.WhenAll(PublishDueAsync(), PublishDueAsync());
        Assert.InRange(queued.Sum(), 0, 1);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(1, await db.OutboxItems.CountAsync(o => o.MessageId == null));
        }
        await outbox.RunOnceAsync();
        Assert.Equal(0, await PublishDueAsync());
        await outbox.RunOnceAsync();

        var status = Assert.Single(server.Posted);
        Assert.Equal("<p>Our shop is open on Sunday from 10 to 16.</p>", (string?)status["content"]);
        var published = await ReadAsync(await admin.GetAsync($"{Drafts(workspace.Id)}/{draft.Draft.Id}"));
        Assert.Equal(DraftStatus.Published, published.Draft.Status);
        var variant = Assert.Single(published.Draft.Variants);
        Assert.Equal((string?)status["id"], variant.ExternalId);
        Assert.Equal($"{server.BaseUrl.TrimEnd('/')}/web/statuses/{variant.ExternalId}", variant.PublishedUrl);
        Assert.Contains(published.History, h => h.Kind == DraftEventKind.Published);

        // The network is down at publishing time: failed with its reason, nothing lost; Retry publishes it once.
        var second = await ScheduledAsync("New: track your repair online, step by step.");
        clock.Advance(TimeSpan.FromHours(2));
        server.Force("/api/v1/statuses", new ForcedAnswer(503, """{"error":"Service Unavailable"}"""));
        await PublishDueAsync();
        await outbox.RunOnceAsync();
        await PublishDueAsync();
        var failed = await ReadAsync(await admin.GetAsync($"{Drafts(workspace.Id)}/{second.Draft.Id}"));
        Assert.Equal(DraftStatus.Failed, failed.Draft.Status);
        Assert.Contains("503", failed.Draft.FailureReason, StringComparison.Ordinal);
        Assert.Single(server.Posted);

        Assert.Equal(DraftStatus.Publishing, (await ReadAsync(await ActAsync(admin, workspace.Id, second.Draft.Id, "retry"))).Draft.Status);
        await outbox.RunOnceAsync();
        var retried = await ReadAsync(await admin.GetAsync($"{Drafts(workspace.Id)}/{second.Draft.Id}"));
        Assert.Equal(DraftStatus.Published, retried.Draft.Status);
        Assert.Equal(2, server.Posted.Count);
        Assert.NotNull(Assert.Single(retried.Draft.Variants).PublishedUrl);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheReviewEndpoint_ReviewsAnyText_InTheCallersLanguage_WithTheWorkspacesWordsToAvoid(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        (await admin.PutAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/content/settings", new { approvalRule = "Admins", wordsToAvoid = "disruptif\nsynergie" })).EnsureSuccessStatusCode();
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        analyst.DefaultRequestHeaders.Add("Accept-Language", "fr");

        var response = await analyst.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/content/review",
            new { text = "Notre offre disruptive arrive.\nIdentifie un ami qui roule en vélo ! Une vraie synergie.", network = "Bluesky" });
        response.EnsureSuccessStatusCode();
        var review = (await response.Content.ReadFromJsonAsync<ReviewDto>(Json.Options))!;

        var tag = Assert.Single(review.Findings, f => f.Kind == DraftFindingKind.TagBait);
        Assert.Equal(2, tag.Line);
        Assert.StartsWith("Incitation à identifier", tag.Explanation, StringComparison.Ordinal);
        var avoided = Assert.Single(review.Findings, f => f.Kind == DraftFindingKind.WordToAvoid);
        Assert.Equal("synergie", avoided.Text);
        Assert.Equal(300, review.Limit);
        Assert.True(review.Score < DraftReviewer.BaseScore);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync(Drafts(workspace.Id), new { title = "x" })).StatusCode);
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
            Direction = ChannelDirection.Inbox,
            Settings = JsonSerializer.Serialize(new { instanceUrl }),
            ProtectedSecrets = secrets.Protect(new Dictionary<string, string> { [MastodonChannelSettings.AccessTokenSecret] = MastodonServer.Token }),
            CreatedAt = DateTime.UtcNow,
        };
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }
}
