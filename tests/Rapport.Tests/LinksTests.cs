using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Links;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// Tracked links as a reader meets them: /l/{code} redirects to the brand's page with its UTM parameters, a click is
/// counted once, link-preview robots and repeated clicks are left out and said so, and guessed codes get 404 then 429.
/// </summary>
public class LinksTests
{
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Redirect_AddsUtm_CountsAClickOnce_AndLeavesRobotsAndRepeatsOut(string provider)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var created = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/links", new
        {
            targetUrl = "https://shop.example/shoes?size=42&utm_source=old",
            utmSource = "mastodon",
            utmMedium = "social",
            utmCampaign = "spring sale",
            utmContent = "post-1",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var link = (await created.Content.ReadFromJsonAsync<LinkDto>(Json.Options))!;
        Assert.True(link.Code.Length >= 8 && link.Code.All(char.IsAsciiLetterOrDigit), link.Code);
        Assert.EndsWith("/l/" + link.Code, link.ShortUrl, StringComparison.Ordinal);
        Assert.Equal("spring sale", link.Campaign);

        var reader = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await GetAsync(reader, link.Code, Browser);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // The target's own query is kept; the link's UTM parameters replace those of the same name.
        Assert.Equal("https://shop.example/shoes?size=42&utm_source=mastodon&utm_medium=social&utm_campaign=spring%20sale&utm_content=post-1",
            response.Headers.Location!.AbsoluteUri);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        // The same reader again within 30 minutes, then the previews of six networks and a HEAD: all redirected, none a click.
        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync(reader, link.Code, Browser)).StatusCode);
        foreach (var robot in new[]
        {
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Twitterbot/1.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "WhatsApp/2.23.20.0", "TelegramBot (like TwitterBot)",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0)", "http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)", "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1)",
            "Mozilla/5.0 (compatible; Googlebot/2.1)", "",
        })
        {
            Assert.Equal(HttpStatusCode.Redirect, (await GetAsync(reader, link.Code, robot)).StatusCode);
        }
        using (var head = new HttpRequestMessage(HttpMethod.Head, "/l/" + link.Code))
        {
            head.Headers.UserAgent.ParseAdd(Browser);
            Assert.Equal(HttpStatusCode.Redirect, (await reader.SendAsync(head)).StatusCode);
        }
        // Another reader (another browser) counts; the first one again after the window counts again.
        await GetAsync(reader, link.Code, Browser + " Firefox");
        clock.Advance(TimeSpan.FromMinutes(31));
        await GetAsync(reader, link.Code, Browser);

        await factory.Services.GetRequiredService<ClickQueue>().FlushAsync();
        var counted = (await agent.GetFromJsonAsync<LinkDto>($"/api/v1/workspaces/{workspace.Id}/links/{link.Id}", Json.Options))!;
        Assert.Equal((3, 12, 1), (counted.Clicks, counted.BotRequests, counted.RepeatedClicks));
        await using (var db = factory.OpenDb())
        {
            var clicks = await db.Set<LinkClick>().ToListAsync();
            Assert.Equal(3, clicks.Count);
            // No address is kept: a visitor is a 32-character hash.
            Assert.All(clicks, c => Assert.Matches("^[0-9a-f]{32}$", c.Visitor));
        }
        var csv = await agent.GetStringAsync($"/api/v1/workspaces/{workspace.Id}/links/export.csv");
        Assert.Contains($"{link.Code},", csv, StringComparison.Ordinal);
        Assert.Contains(",3,12,1\r\n", csv, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task GuessedCodes_Get404_ThenEveryCodeIsRateLimited(string provider)
    {
        await using var factory = new RapportFactory(provider, s => s["Rapport:Links:UnknownCodesPerMinute"] = "3");
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var link = (await (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/links", new { targetUrl = "https://shop.example/" }))
            .Content.ReadFromJsonAsync<LinkDto>(Json.Options))!;
        var reader = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync(reader, link.Code, Browser)).StatusCode);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(reader, LinkService.NewCode(), Browser)).StatusCode);
        }
        var limited = await GetAsync(reader, LinkService.NewCode(), Browser);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter is not null);
        // Once limited, a real code answers the same: guessing teaches nothing more.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(reader, link.Code, Browser)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Links_RefuseUnsafeTargets_AndStayInTheirWorkspace(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        foreach (var target in new[] { "javascript:alert(1)", "ftp://shop.example/", "/relative", "https://user:pw@shop.example/", "" })
        {
            var refused = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/links", new { targetUrl = target });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/links", new { targetUrl = "https://shop.example/" })).StatusCode);
        var outsider = await factory.TokenClientAsync(other.Id, Role.Admin);
        Assert.Contains((await outsider.GetAsync($"/api/v1/workspaces/{workspace.Id}/links")).StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });

        // Another feature (the content studio) makes links through the same service, for a post of its channel.
        await using var scope = factory.Services.CreateAsyncScope();
        var links = scope.ServiceProvider.GetRequiredService<LinkService>();
        await using var db = factory.OpenDb();
        var (made, problem) = await links.CreateAsync(db, new LinkActor(workspace.Id, null, "Content studio"),
            new CreateLinkRequest("https://shop.example/new", UtmCampaign: "launch", PostId: Guid.NewGuid()));
        Assert.Null(made);
        Assert.Equal("postId", problem!.Field);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Stopping_DrainsTheClickQueue_AndAClickAfterwardsIsStillWritten(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var link = (await (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/links", new { targetUrl = "https://shop.example/" }))
            .Content.ReadFromJsonAsync<LinkDto>(Json.Options))!;
        var reader = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => GetAsync(reader, link.Code, $"{Browser} reader-{i}")));

        // As the host does when the app stops: no flush first, the writer drains what is queued.
        await factory.Services.GetRequiredService<ClickWriter>().StopAsync(CancellationToken.None);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(50, await db.Set<LinkClick>().CountAsync());
        }
        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync(reader, link.Code, Browser + " late")).StatusCode);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(51, await db.Set<LinkClick>().CountAsync());
        }
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string code, string userAgent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/l/" + Uri.EscapeDataString(code));
        if (userAgent.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }
        return await client.SendAsync(request);
    }
}
