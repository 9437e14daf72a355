using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Conversions;
using Rapport.Links;
using Rapport.Tests.Infrastructure;
using Rapport.Webhooks;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// The conversion webhook as a shop calls it (docs/conversions.md): signed, within the timestamp window, once per order,
/// attributed to the last click on the link within the workspace's window; forged, replayed and wrong deliveries refused.
/// </summary>
public class ConversionsTests
{
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0";

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SignedPurchase_IsAttributedToTheLastClick_CountedOnce_AndBadOnesRefused(string provider)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (_, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var link = (await (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/links",
            new { targetUrl = "https://shop.example/shoes", utmCampaign = "spring", channelId = channel.Id })).Content.ReadFromJsonAsync<LinkDto>(Json.Options))!;
        var settings = (await admin.GetFromJsonAsync<ConversionSettingsDto>($"/api/v1/workspaces/{workspace.Id}/conversions/settings", Json.Options))!;
        Assert.Equal(7, settings.WindowDays);
        Assert.StartsWith("whsec_", settings.Secret, StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            Assert.DoesNotContain(settings.Secret, (await db.Set<ConversionSettings>().SingleAsync()).ProtectedSecret, StringComparison.Ordinal);
        }

        // A reader clicks the link; two days later they buy.
        var reader = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using (var click = new HttpRequestMessage(HttpMethod.Get, "/l/" + link.Code))
        {
            click.Headers.TryAddWithoutValidation("User-Agent", Browser);
            Assert.Equal(HttpStatusCode.Redirect, (await reader.SendAsync(click)).StatusCode);
        }
        await factory.Services.GetRequiredService<ClickQueue>().FlushAsync();
        clock.Advance(TimeSpan.FromDays(2));

        var shop = factory.CreateClient();
        var url = $"/api/v1/conversions/{workspace.Id}";
        var order = new { orderId = "A-1001", linkCode = link.Code, value = 129.90m, currency = "EUR" };
        var first = await PostSignedAsync(shop, url, settings.Secret, order, clock);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var stored = (await first.Content.ReadFromJsonAsync<ConversionDto>(Json.Options))!;
        Assert.True(stored.Attributed);
        Assert.Equal((link.Id, "spring", channel.Id, 129.90m, "EUR"), (stored.LinkId!.Value, stored.Campaign, stored.ChannelId!.Value, stored.Value, stored.Currency));

        // The shop retries: 200 with the first record, counted once.
        var again = await PostSignedAsync(shop, url, settings.Secret, order with { value = 1m }, clock);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(stored.Id, (await again.Content.ReadFromJsonAsync<ConversionDto>(Json.Options))!.Id);

        // By campaign rather than code works too; outside the window it is stored, not attributed.
        clock.Advance(TimeSpan.FromDays(6));
        var late = await PostSignedAsync(shop, url, settings.Secret, new { orderId = "A-1002", utmCampaign = "spring", value = 10m, currency = "usd" }, clock);
        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        var lateDto = (await late.Content.ReadFromJsonAsync<ConversionDto>(Json.Options))!;
        Assert.False(lateDto.Attributed);
        Assert.Equal("USD", lateDto.Currency);

        // Forged: another secret. Replayed: an old timestamp, even correctly signed.
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSignedAsync(shop, url, "whsec_forged", new { orderId = "F-1", linkCode = link.Code, value = 1m, currency = "EUR" }, clock)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await PostSignedAsync(shop, url, settings.Secret, new { orderId = "F-2", linkCode = link.Code, value = 1m, currency = "EUR" }, clock, TimeSpan.FromMinutes(-10))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await shop.PostAsync(url, new StringContent("{\"orderId\":\"F-3\"}", Encoding.UTF8, "application/json"))).StatusCode);
        // Unknown link: 422; unknown currency, negative or absurd value: 400. Nothing stored.
        var unknown = await PostSignedAsync(shop, url, settings.Secret, new { orderId = "F-4", linkCode = LinkService.NewCode(), value = 1m, currency = "EUR" }, clock);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Contains("linkCode", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await PostSignedAsync(shop, url, settings.Secret, new { orderId = "F-5", utmCampaign = "winter", value = 1m, currency = "EUR" }, clock)).StatusCode);
        foreach (var (value, currency, field) in new[] { (1m, "XYZ", "currency"), (1m, "euro", "currency"), (-5m, "EUR", "value"), (5_000_000_000m, "EUR", "value") })
        {
            var bad = await PostSignedAsync(shop, url, settings.Secret, new { orderId = "F-6", linkCode = link.Code, value, currency }, clock);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains(field, await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound,
            (await PostSignedAsync(shop, $"/api/v1/conversions/{Guid.NewGuid()}", settings.Secret, order, clock)).StatusCode);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(["A-1001", "A-1002"], await db.Set<Conversion>().OrderBy(c => c.OrderId).Select(c => c.OrderId).ToListAsync());
        }

        // Rotating the secret: the old one stops working at once.
        var rotated = (await (await admin.PostAsync($"/api/v1/workspaces/{workspace.Id}/conversions/settings/rotate", null))
            .Content.ReadFromJsonAsync<ConversionSettingsDto>(Json.Options))!;
        Assert.NotEqual(settings.Secret, rotated.Secret);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await PostSignedAsync(shop, url, settings.Secret, new { orderId = "A-1003", linkCode = link.Code, value = 1m, currency = "EUR" }, clock)).StatusCode);
        Assert.Equal(HttpStatusCode.Created,
            (await PostSignedAsync(shop, url, rotated.Secret, new { orderId = "A-1003", linkCode = link.Code, value = 1m, currency = "EUR" }, clock)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversions/settings", new { windowDays = 0 })).StatusCode);
        Assert.Equal(14, (await (await admin.PutAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/conversions/settings", new { windowDays = 14 }))
            .Content.ReadFromJsonAsync<ConversionSettingsDto>(Json.Options))!.WindowDays);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversions/settings")).StatusCode);
    }

    /// <summary>Signs as docs/conversions.md says: v1= and the hex HMAC-SHA256 of "timestamp.body".</summary>
    private static async Task<HttpResponseMessage> PostSignedAsync<T>(HttpClient client, string url, string secret, T payload, TimeProvider clock,
        TimeSpan? skew = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, Json.Options);
        var timestamp = (clock.GetUtcNow() + (skew ?? TimeSpan.Zero)).ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(EventSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(EventSignature.SignatureHeader, EventSignature.Sign(secret, timestamp, body));
        return await client.SendAsync(request);
    }
}
