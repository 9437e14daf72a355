using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rapport.Channels;
using Rapport.Channels.Webhook;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Workspaces;
using static Microsoft.Playwright.Assertions;

namespace Rapport.Browser.Tests;

/// <summary>
/// Earn and prove, end to end: a post is published, its figures arrive from the partner, a reader clicks its tracked
/// link in a browser, the shop reports the purchase, and the outcome report shows the click, the conversion and its
/// value against the post, in English and in French.
/// </summary>
public sealed class OutcomeJourneyTests(RapportApp app) : IClassFixture<RapportApp>
{
    private const string Secret = "partner-signing-secret";

    [Fact]
    public async Task APublishedPost_ItsMetrics_AClickAndAPurchase_ShowInTheOutcomeReport_InEnglishAndFrench()
    {
        var page = await app.NewPageAsync("en-US");
        await Flows.SetUpAsync(page);
        await Flows.WaitForCircuitAsync(page);

        // A post the partner's network published (through the outbox, its network id kept).
        var (workspaceId, channelId, postId, api) = await PublishedPostAsync();

        // Its figures arrive through the partner's signed webhook.
        var delivery = JsonSerializer.Serialize(new
        {
            id = "metrics-1",
            timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            postMetrics = new[] { new { externalId = "fb-post-1", reach = 3000, reachOrganic = 1800, reachViral = 600, reachPaid = 600, shares = 45, comments = 30, likes = 300 } },
            followers = 15000,
        });
        using (var hook = new StringContent(delivery, Encoding.UTF8, "application/json"))
        {
            hook.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(Secret, Encoding.UTF8.GetBytes(delivery)));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await api.PostAsync($"/api/v1/hooks/{channelId}", hook)).StatusCode);
        }

        // Its tracked link, clicked by a reader in a browser: the redirect lands on the shop.
        var link = await (await api.PostAsJsonAsync($"/api/v1/workspaces/{workspaceId}/links",
            new { targetUrl = "https://shop.example/velo", utmCampaign = "sunday", postId })).Content.ReadFromJsonAsync<JsonElement>();
        var code = link.GetProperty("code").GetString()!;
        var reader = await app.NewPageAsync("fr-FR");
        // The browser's own request reaches Rapport; the shop it redirects to is not on this machine, so the redirect is
        // read and the shop's page stands in for it (Playwright does not route a redirect's target).
        string? location = null;
        await reader.RouteAsync("**/l/" + code, async route =>
        {
            var redirect = await route.FetchAsync(new() { MaxRedirects = 0 });
            location = redirect.Headers.GetValueOrDefault("location");
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<h1>Vélo Vert shop</h1>" });
        });
        await reader.GotoAsync("/l/" + code);
        Assert.Matches("^https://shop.example/velo\\?.*utm_campaign=sunday", location);
        await app.Services.GetRequiredService<Links.ClickQueue>().FlushAsync();

        // The shop reports the purchase through the signed conversion webhook.
        var secret = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{workspaceId}/conversions/settings")).GetProperty("secret").GetString()!;
        var order = JsonSerializer.SerializeToUtf8Bytes(new { orderId = "A-2001", linkCode = code, value = 89.90m, currency = "EUR" });
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using (var purchase = new ByteArrayContent(order))
        {
            purchase.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            purchase.Headers.Add(Webhooks.EventSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            purchase.Headers.Add(Webhooks.EventSignature.SignatureHeader, Webhooks.EventSignature.Sign(secret, timestamp, order));
            Assert.Equal(System.Net.HttpStatusCode.Created, (await api.PostAsync($"/api/v1/conversions/{workspaceId}", purchase)).StatusCode);
        }

        // The outcome report: the click, the conversion and its value, and the post's reach and engagement.
        await page.GotoAsync("/reports/outcomes?period=7");
        await Expect(Flows.Heading(page, "Outcome report")).ToBeVisibleAsync();
        await Expect(page.Locator("article.figure[aria-label='Link clicks'] .figure-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("article.figure[aria-label='Conversions'] .figure-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("article.figure[aria-label='Revenue attributed'] .figure-value")).ToContainTextAsync("89.90 EUR");
        await Expect(page.Locator("article.figure[aria-label='Reach'] .figure-value")).ToHaveTextAsync("3,000");
        await Expect(page.Locator("#outcome-campaigns")).ToContainTextAsync("sunday");

        // Against the post itself: its usefulness, its rates, then the click, the conversion and the value.
        await page.GetByRole(AriaRole.Link, new() { Name = "Each post's performance" }).ClickAsync();
        await Expect(Flows.Heading(page, "Posts performance")).ToBeVisibleAsync();
        var row = page.Locator($"tr[data-post='{postId}']");
        await Expect(row.Locator(".post-clicks")).ToHaveTextAsync("1");
        await Expect(row.Locator(".post-conversions")).ToHaveTextAsync("1");
        await Expect(row.Locator(".post-revenue")).ToHaveTextAsync("89.90 EUR");
        await Expect(row).ToContainTextAsync("80.00%");

        // The same in French.
        await Flows.WaitForCircuitAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "FR Français" }).ClickAsync();
        await Expect(Flows.Heading(page, "Performance des publications")).ToBeVisibleAsync();
        await Expect(page.Locator($"tr[data-post='{postId}'] .post-revenue")).ToHaveTextAsync("89,90 EUR");
        await page.GotoAsync("/reports/outcomes?period=7");
        await Expect(Flows.Heading(page, "Rapport de résultats")).ToBeVisibleAsync();
        await Expect(page.Locator("article.figure[aria-label='Clics sur les liens'] .figure-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("article.figure[aria-label='Conversions'] .figure-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("article.figure[aria-label='Chiffre d’affaires attribué'] .figure-value")).ToContainTextAsync("89,90 EUR");
        await Flows.ScreenshotAsync(page, "fr-outcomes-with-post-metrics");
    }

    /// <summary>A partner's webhook channel, a post it published, and an admin's API client.</summary>
    private async Task<(Guid WorkspaceId, Guid ChannelId, Guid PostId, HttpClient Api)> PublishedPostAsync()
    {
        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        var owner = await db.Memberships.SingleAsync();
        var secrets = app.Services.GetRequiredService<ChannelSecrets>();
        var channel = new Channel
        {
            WorkspaceId = owner.WorkspaceId,
            Name = "Facebook via partner",
            Kind = ChannelKind.Webhook,
            Direction = ChannelDirection.Publishing,
            Settings = JsonSerializer.Serialize(new { network = "facebook" }),
            ProtectedSecrets = secrets.Protect(new Dictionary<string, string> { [WebhookSignature.SecretName] = Secret }),
            CreatedAt = DateTime.UtcNow,
        };
        var sent = DateTime.UtcNow.AddMinutes(-30);
        var post = new OutboxItem
        {
            WorkspaceId = owner.WorkspaceId,
            ChannelId = channel.Id,
            IdempotencyKey = "journey-post",
            Payload = JsonSerializer.Serialize(new PostPayload("Notre atelier est ouvert le dimanche.", "Camille Martin", "fr")),
            Status = OutboxStatus.Sent,
            CreatedAt = sent,
            SentAt = sent,
            ExternalId = "fb-post-1",
        };
        var (token, tokenSecret) = MemberRules.NewApiToken(owner.WorkspaceId, "Journey", Role.Admin, owner.UserId, DateTime.UtcNow);
        db.AddRange(channel, post, token);
        await db.SaveChangesAsync();
        var api = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokenSecret);
        return (owner.WorkspaceId, channel.Id, post.Id, api);
    }
}
