using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>What a browser is told and refused: cross-origin writes with the session cookie, and the security headers.</summary>
public class SecurityTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task CookieWrite_FromAnotherOrigin_IsRefused_AndFromRapportsPagesAccepted(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var browser = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsJsonAsync("/api/v1/auth/signin", new { email = owner.Email, password = RapportFactory.Password })).StatusCode);
        var labels = $"/api/v1/workspaces/{workspace.Id}/labels";

        foreach (var (header, value) in new[] { ("Origin", "https://attacker.example"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site"), ("", "") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, labels) { Content = JsonContent.Create(new { name = $"forged {header} {value}" }) };
            if (header.Length > 0)
            {
                request.Headers.Add(header, value);
            }
            var refused = await browser.SendAsync(request);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{header}: {value} → {(int)refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        // A form post of plain text (no CORS preflight) is refused the same way.
        using (var plain = new HttpRequestMessage(HttpMethod.Post, labels) { Content = new StringContent("{\"name\":\"forged\"}") })
        {
            plain.Headers.Add("Origin", "https://attacker.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(plain)).StatusCode);
        }
        await using (var db = factory.OpenDb())
        {
            Assert.False(await db.Labels.IgnoreQueryFilters().AnyAsync(l => l.WorkspaceId == workspace.Id));
        }

        using (var sameOrigin = new HttpRequestMessage(HttpMethod.Post, labels) { Content = JsonContent.Create(new { name = "from the page" }) })
        {
            sameOrigin.Headers.Add("Origin", "http://localhost");
            Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(sameOrigin)).StatusCode);
        }
        using (var fetchMetadata = new HttpRequestMessage(HttpMethod.Post, labels) { Content = JsonContent.Create(new { name = "from a fetch" }) })
        {
            fetchMetadata.Headers.Add("Sec-Fetch-Site", "same-origin");
            Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(fetchMetadata)).StatusCode);
        }
        // Reads need no origin; API tokens are not sent by browsers on their own and are not checked.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(labels)).StatusCode);
        var token = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        Assert.Equal(HttpStatusCode.Created, (await token.PostAsJsonAsync(labels, new { name = "by a script" })).StatusCode);
    }

    [Fact]
    public async Task Responses_CarryTheSecurityHeaders()
    {
        await using var factory = new RapportFactory(Databases.Sqlite);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var anonymous = factory.CreateClient(new() { AllowAutoRedirect = false });

        var page = await anonymous.GetAsync("/account/signin");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("SAMEORIGIN", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("same-origin", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("camera=()", page.Headers.GetValues("Permissions-Policy").Single(), StringComparison.Ordinal);
        Assert.False(page.Headers.Contains("Strict-Transport-Security"), "No HSTS over plain HTTP.");

        // API answers are never cached, errors included.
        var token = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var json = await token.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.True(json.Headers.CacheControl?.NoStore, "API JSON is no-store.");
        Assert.Equal("nosniff", json.Headers.GetValues("X-Content-Type-Options").Single());
        var missing = await token.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversations/{Guid.NewGuid()}");
        Assert.True(missing.Headers.CacheControl?.NoStore, "API errors are no-store.");
        Assert.Equal("SAMEORIGIN", missing.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Hsts_OverHttps_AndBehindATrustedProxy_Only()
    {
        await using var factory = new RapportFactory(Databases.Sqlite);

        var https = await factory.Server.SendAsync(c => Get(c, "https", null, null));
        Assert.Equal("max-age=31536000", https.Response.Headers.StrictTransportSecurity.ToString());
        // A TLS-terminating proxy on loopback (always trusted) that says the client came over HTTPS.
        var proxied = await factory.Server.SendAsync(c => Get(c, "http", IPAddress.Loopback, "https"));
        Assert.Equal("max-age=31536000", proxied.Response.Headers.StrictTransportSecurity.ToString());
        // The same header from an address that is not a trusted proxy is not believed.
        var spoofed = await factory.Server.SendAsync(c => Get(c, "http", IPAddress.Parse("203.0.113.9"), "https"));
        Assert.Equal("", spoofed.Response.Headers.StrictTransportSecurity.ToString());
    }

    private static void Get(Microsoft.AspNetCore.Http.HttpContext context, string scheme, IPAddress? from, string? forwardedProto)
    {
        context.Request.Method = "GET";
        context.Request.Scheme = scheme;
        context.Request.Host = new("localhost");
        context.Request.Path = "/healthz";
        context.Connection.RemoteIpAddress = from;
        if (forwardedProto is not null)
        {
            context.Request.Headers["X-Forwarded-Proto"] = forwardedProto;
        }
    }
}
