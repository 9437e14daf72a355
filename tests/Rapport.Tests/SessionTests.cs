using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rapport.Accounts;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// A session ends when it should: a session cookie copied before a sign-out, a password change, a removal or a role
/// change stops working within the documented check interval (one minute), and a removed member's API token at once.
/// </summary>
public class SessionTests
{
    private static readonly TimeSpan PastTheInterval = new SessionOptions().CheckInterval + TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SignOut_CopiedCookieStopsWorkingWithinTheInterval(string provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var cookie = await SignInAsync(factory, owner.Email!);
        var browser = CookieClient(factory, cookie);
        var copy = CookieClient(factory, cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/v1/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/v1/auth/signout", null)).StatusCode);
        clock.Advance(PastTheInterval);

        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/v1/me")).StatusCode);
        var write = await copy.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/labels", new { name = "after sign-out" });
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task PasswordChange_EndsOtherSessions_AndAnUntouchedSessionLivesOn(string provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var agent = await factory.AddMemberAsync(workspace.Id, Role.Agent);
        var ownerSession = CookieClient(factory, await SignInAsync(factory, owner.Email!));
        var agentSession = CookieClient(factory, await SignInAsync(factory, agent.Email!));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var user = await users.FindByIdAsync(agent.Id.ToString());
            Assert.True((await users.ChangePasswordAsync(user!, RapportFactory.Password, "another long password")).Succeeded);
        }
        clock.Advance(PastTheInterval);

        Assert.Equal(HttpStatusCode.Unauthorized, (await agentSession.GetAsync("/api/v1/me")).StatusCode);
        // The check renews a session whose stamp still holds: nobody else is signed out.
        Assert.Equal(HttpStatusCode.OK, (await ownerSession.GetAsync("/api/v1/me")).StatusCode);
        clock.Advance(PastTheInterval);
        Assert.Equal(HttpStatusCode.OK, (await ownerSession.GetAsync("/api/v1/me")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RemovedMember_TokenAnswers401AtOnce_AndCookieWithinTheInterval(string provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.AddMemberAsync(workspace.Id, Role.Admin);
        var token = await factory.TokenClientAsync(workspace.Id, Role.Admin, admin.Id);
        var adminSession = CookieClient(factory, await SignInAsync(factory, admin.Email!));
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/v1/workspaces")).StatusCode);

        var ownerClient = await factory.SignedInClientAsync(owner.Email!);
        Assert.Equal(HttpStatusCode.NoContent, (await ownerClient.DeleteAsync($"/api/v1/workspaces/{workspace.Id}/members/{admin.Id}")).StatusCode);

        foreach (var path in new[] { "/api/v1/workspaces", "/api/v1/me", $"/api/v1/workspaces/{workspace.Id}/labels" })
        {
            var response = await token.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
        }
        clock.Advance(PastTheInterval);
        Assert.Equal(HttpStatusCode.Unauthorized, (await adminSession.GetAsync("/api/v1/me")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RoleChange_EndsTheMembersSessions_AndTheirTokenFollowsTheNewRole(string provider)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new RapportFactory(provider) { Clock = clock };
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.AddMemberAsync(workspace.Id, Role.Admin);
        var token = await factory.TokenClientAsync(workspace.Id, Role.Admin, admin.Id);
        var adminSession = CookieClient(factory, await SignInAsync(factory, admin.Email!));

        var ownerClient = await factory.SignedInClientAsync(owner.Email!);
        var demoted = await ownerClient.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/members/{admin.Id}", new { role = "Agent" });
        Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);

        // An admin-only write: the token now acts as the agent its maker has become.
        var label = await token.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/labels", new { name = "by a demoted token" });
        Assert.Equal(HttpStatusCode.Forbidden, label.StatusCode);
        clock.Advance(PastTheInterval);
        Assert.Equal(HttpStatusCode.Unauthorized, (await adminSession.GetAsync("/api/v1/me")).StatusCode);
    }

    /// <summary>Signs in and returns the session cookie ("rapport.auth=…"), as someone copying it from a browser would.</summary>
    private static async Task<string> SignInAsync(RapportFactory factory, string email)
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        var response = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email, password = RapportFactory.Password });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("rapport.auth=", StringComparison.Ordinal));
        return setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>A client that sends the given cookie, and the page's origin as a browser does on writes.</summary>
    private static HttpClient CookieClient(RapportFactory factory, string cookie)
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        client.DefaultRequestHeaders.Add("Origin", client.BaseAddress!.GetLeftPart(UriPartial.Authority));
        return client;
    }
}
