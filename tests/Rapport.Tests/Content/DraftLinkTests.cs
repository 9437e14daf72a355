using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Content;
using Rapport.Links;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class DraftLinkTests
{
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ADraftsTrackedLink_GoesInTheText_IsTaggedWithTheNetworkAndCampaign_AndItsClicksCountForThePost(string provider)
    {
        await using var server = await MastodonServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = Studio.Factory(provider, clock);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await Studio.MastodonChannelAsync(factory, workspace.Id, server.BaseUrl);
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var drafts = Studio.Drafts(workspace.Id);

        var created = await admin.PostAsJsonAsync(drafts, new
        {
            title = "Repairs",
            campaign = "spring-repairs",
            variants = new[] { new { channelId = channel.Id, text = "Follow your bike's repair step by step: https://shop.example/repairs" } },
        });
        var draft = await Studio.ReadAsync(created);
        Assert.Equal("spring-repairs", draft.Draft.Campaign);

        // Bad input: a target that is no web page, on a draft that does not exist.
        var refused = await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "link", new { targetUrl = "javascript:alert(1)" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("The link's target is the address of a page, starting with http:// or https://.", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Studio.ActAsync(admin, workspace.Id, Guid.NewGuid(), "link", new { targetUrl = "https://shop.example/" })).StatusCode);

        // The target's address in the text becomes the short link, tagged with the network and the draft's campaign.
        var linked = await Studio.ReadAsync(await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "link", new { targetUrl = "https://shop.example/repairs" }));
        var link = Assert.Single(linked.Links!);
        Assert.Equal(("mastodon", "social", "spring-repairs", channel.Id), (link.UtmSource, link.UtmMedium, link.UtmCampaign, link.ChannelId));
        Assert.Equal($"Follow your bike's repair step by step: {link.ShortUrl}", Assert.Single(linked.Draft.Variants).Text);
        Assert.Contains(linked.History, h => h.Kind == DraftEventKind.LinkAdded && h.Text == "https://shop.example/repairs");

        // Approved, then given another target: the new link replaces the old one in the text, and the draft goes back to review.
        (await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "submit")).EnsureSuccessStatusCode();
        (await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "approve")).EnsureSuccessStatusCode();
        var relinked = await Studio.ReadAsync(await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "link",
            new { targetUrl = "https://shop.example/repairs/track", campaign = "spring" }));
        Assert.Equal(DraftStatus.InReview, relinked.Draft.Status);
        var newLink = Assert.Single(relinked.Links!);
        Assert.NotEqual(link.Code, newLink.Code);
        Assert.Equal(("spring", "https://shop.example/repairs/track"), (newLink.UtmCampaign, newLink.TargetUrl));
        Assert.Equal($"Follow your bike's repair step by step: {newLink.ShortUrl}", Assert.Single(relinked.Draft.Variants).Text);
        var reader = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(reader, link.Code)).StatusCode);

        // Published: the network gets the short link, and the link belongs to the post.
        (await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "approve")).EnsureSuccessStatusCode();
        await Studio.ScheduleInAnHourAsync(admin, workspace, draft.Draft.Id, clock);
        clock.Advance(TimeSpan.FromHours(2));
        await Studio.PublishDueAsync(factory);
        var status = Assert.Single(server.Posted);
        Assert.Contains(newLink.ShortUrl, (string?)status["content"], StringComparison.Ordinal);
        var published = await Studio.ReadAsync(await admin.GetAsync($"{drafts}/{draft.Draft.Id}"));
        Assert.Equal(DraftStatus.Published, published.Draft.Status);
        var postId = Assert.Single(published.Draft.Variants).OutboxItemId;

        // A reader clicks: the click counts on the post's link.
        var click = await GetAsync(reader, newLink.Code);
        Assert.Equal(HttpStatusCode.Redirect, click.StatusCode);
        Assert.Equal("https://shop.example/repairs/track?utm_source=mastodon&utm_medium=social&utm_campaign=spring", click.Headers.Location!.AbsoluteUri);
        await factory.Services.GetRequiredService<ClickQueue>().FlushAsync();
        var counted = (await admin.GetFromJsonAsync<LinkDto>($"/api/v1/workspaces/{workspace.Id}/links/{newLink.Id}", Json.Options))!;
        Assert.Equal((postId, 1L), (counted.PostId, counted.Clicks));
        Assert.Equal(1, Assert.Single((await Studio.ReadAsync(await admin.GetAsync($"{drafts}/{draft.Draft.Id}"))).Links!).Clicks);

        // Published: no more links on it.
        var late = await Studio.ActAsync(admin, workspace.Id, draft.Draft.Id, "link", new { targetUrl = "https://shop.example/" });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        await using var db = factory.OpenDb();
        Assert.Equal(1, await db.Set<TrackedLink>().CountAsync());
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient reader, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/l/" + code);
        request.Headers.UserAgent.ParseAdd(Browser);
        return await reader.SendAsync(request);
    }
}
