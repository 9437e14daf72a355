using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class AccountsTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SignIn_FiveWrongPasswords_LocksTheAccount(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, _) = await factory.CreateOwnerAsync();
        var client = factory.CreateClient();

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var wrong = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email = owner.Email, password = $"wrong password {attempt}" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        }
        var fifth = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email = owner.Email, password = "wrong password 5" });
        Assert.Equal(HttpStatusCode.Unauthorized, fifth.StatusCode);
        Assert.Equal("application/problem+json", fifth.Content.Headers.ContentType?.MediaType);

        // Even the right password is refused while locked, with the same answer as a wrong one: the answer does not
        // tell a locked account from an unknown one.
        var right = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email = owner.Email, password = RapportFactory.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        var unknown = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email = "nobody@example.test", password = RapportFactory.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await Problem(unknown), await Problem(right));

        await using var db = factory.OpenDb();
        Assert.Equal(4, await db.AuditEntries.CountAsync(a => a.ActorUserId == owner.Id && a.Action == "signin.failed"));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.ActorUserId == owner.Id && a.Action == "signin.locked_out"));
    }

    [Fact]
    public async Task SignIn_IsRateLimitedPerAddress()
    {
        // A long window: the count must not start again in the middle of the test.
        await using var factory = new RapportFactory(Databases.Sqlite, s => s["Rapport:SignInWindow"] = "01:00:00");
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email = $"guess{i}@example.test", password = "guess guess guess" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                // When to come back: within the hour-long window, and at least a second.
                var retryAfter = response.Headers.RetryAfter?.Delta;
                Assert.True(retryAfter is { } wait && wait >= TimeSpan.FromSeconds(1) && wait <= TimeSpan.FromHours(1), $"Retry-After: {retryAfter}");
            }
        }
        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        // The sign-in page shares the limit, and says when to come back too.
        var page = await client.GetAsync("/account/signin");
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.NotNull(page.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task SignIn_UnknownAccountTakesAboutAsLongAsAWrongPassword(string provider)
    {
        await using var factory = new RapportFactory(provider, s => s["Rapport:SignInAttempts"] = "1000");
        var (owner, _) = await factory.CreateOwnerAsync();
        var locked = await factory.AddMemberAsync((await factory.CreateOwnerAsync()).Workspace.Id, Workspaces.Role.Agent);
        var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.PostAsJsonAsync("/api/v1/auth/signin", new { email = locked.Email, password = "wrong password" });
        }
        // Warm up both paths once (first hashes, first queries), then take the median of several tries each.
        async Task<TimeSpan> MedianAsync(string email, int tries = 7)
        {
            var times = new List<TimeSpan>();
            for (var i = 0; i < tries; i++)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var response = await client.PostAsJsonAsync("/api/v1/auth/signin", new { email, password = "wrong password" });
                times.Add(watch.Elapsed);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
            return times.Order().ElementAt(times.Count / 2);
        }
        await MedianAsync("nobody@example.test");
        // Four: the fifth wrong password would lock the account.
        var wrongPassword = await MedianAsync(owner.Email!, tries: 4);
        var unknown = await MedianAsync("nobody@example.test");
        var lockedOut = await MedianAsync(locked.Email!);

        // A password check costs tens of milliseconds; without one an answer takes a few. Both others must pay it too.
        Assert.True(unknown > wrongPassword / 3, $"unknown {unknown.TotalMilliseconds} ms, wrong password {wrongPassword.TotalMilliseconds} ms");
        Assert.True(lockedOut > wrongPassword / 3, $"locked {lockedOut.TotalMilliseconds} ms, wrong password {wrongPassword.TotalMilliseconds} ms");
    }

    private static async Task<string> Problem(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return $"{json.RootElement.GetProperty("title").GetString()} / {json.RootElement.GetProperty("detail").GetString()}";
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ApiToken_IsShownOnceStoredHashedAndRevocable(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.SignedInClientAsync(owner.Email!);

        var created = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/tokens", new { name = "zapier", role = "Agent" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var json = await created.Content.ReadFromJsonAsync<JsonElement>(Json.Options);
        var token = json.GetProperty("token").GetString()!;
        var tokenId = json.GetProperty("id").GetGuid();

        var listed = await client.GetStringAsync($"/api/v1/workspaces/{workspace.Id}/tokens");
        Assert.DoesNotContain(token, listed, StringComparison.Ordinal);
        await using (var db = factory.OpenDb())
        {
            var stored = await db.ApiTokens.SingleAsync(t => t.Id == tokenId);
            Assert.NotEqual(token, stored.TokenHash);
            Assert.DoesNotContain(token, stored.TokenHash, StringComparison.Ordinal);
        }

        var api = factory.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversations")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/workspaces/{workspace.Id}/tokens/{tokenId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversations")).StatusCode);

        await using var audit = factory.OpenDb();
        Assert.True(await audit.AuditEntries.AnyAsync(a => a.WorkspaceId == workspace.Id && a.Action == "token.created"));
        Assert.True(await audit.AuditEntries.AnyAsync(a => a.WorkspaceId == workspace.Id && a.Action == "token.revoked"));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ApiToken_NeverActsAboveItsCreatorAsTheyAreNow(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.AddMemberAsync(workspace.Id, Role.Admin);
        var token = await factory.TokenClientAsync(workspace.Id, Role.Admin, admin.Id);
        var ownerClient = await factory.SignedInClientAsync(owner.Email!);
        var labels = $"/api/v1/workspaces/{workspace.Id}/labels";

        Assert.Equal(HttpStatusCode.Created, (await token.PostAsJsonAsync(labels, new { name = "one" })).StatusCode);
        // Demoted to agent: the admin token now acts as an agent.
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/members/{admin.Id}", new { role = "Agent" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await token.PostAsJsonAsync(labels, new { name = "two" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync(labels)).StatusCode);
        // Removed: the token dies with the membership and opens nothing.
        Assert.Equal(HttpStatusCode.NoContent, (await ownerClient.DeleteAsync($"/api/v1/workspaces/{workspace.Id}/members/{admin.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync(labels)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Roles_AreEnforcedOnEveryWriteEndpoint(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var anonymous = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversations")).StatusCode);
        var pushed = await analyst.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "1", authorHandle = "a", text = "hello" });
        Assert.Equal(HttpStatusCode.Forbidden, pushed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels", new { name = "x", kind = "Api" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/labels", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"/api/v1/workspaces/{workspace.Id}/audit")).StatusCode);
        // A token cannot mint a token with more rights than its own.
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/tokens", new { name = "x", role = "Owner" })).StatusCode);

        await using var db = factory.OpenDb();
        Assert.Empty(await db.Labels.ToListAsync());
        Assert.Empty(await db.Messages.ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Invitation_JoinsOnceWithItsRole(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.SignedInClientAsync(owner.Email!);

        var invited = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/invitations", new { email = "new.agent@example.test", role = "Agent" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var link = (await invited.Content.ReadFromJsonAsync<JsonElement>(Json.Options)).GetProperty("link").GetString()!;
        var token = link[(link.LastIndexOf('/') + 1)..];

        var anonymous = factory.CreateClient();
        var weak = await anonymous.PostAsJsonAsync("/api/v1/invitations/accept", new { token, displayName = "New", password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var accepted = await anonymous.PostAsJsonAsync("/api/v1/invitations/accept", new { token, displayName = "New Agent", password = "a long enough password" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var again = await anonymous.PostAsJsonAsync("/api/v1/invitations/accept", new { token, displayName = "Eve", password = "another long password" });
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);

        var members = await client.GetFromJsonAsync<List<MemberDto>>($"/api/v1/workspaces/{workspace.Id}/members", Json.Options);
        Assert.Contains(members!, m => m.Email == "new.agent@example.test" && m.Role == Role.Agent);

        var newcomer = await factory.SignedInClientAsync("new.agent@example.test", "a long enough password");
        var theirs = await newcomer.GetFromJsonAsync<List<WorkspaceDto>>("/api/v1/workspaces", Json.Options);
        Assert.Equal([(workspace.Id, Role.Agent)], theirs!.Select(w => (w.Id, w.Role)));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task RoleChange_OnlyOwnersTouchOwnersAndTheLastOwnerStays(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var adminUser = await factory.AddMemberAsync(workspace.Id, Role.Admin);
        var admin = await factory.SignedInClientAsync(adminUser.Email!);
        var ownerClient = await factory.SignedInClientAsync(owner.Email!);

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/members/{owner.Id}", new { role = "Agent" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/members/{adminUser.Id}", new { role = "Owner" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ownerClient.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/members/{owner.Id}", new { role = "Admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.PatchAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/members/{adminUser.Id}", new { role = "Agent" })).StatusCode);

        await using var db = factory.OpenDb();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "member.role_changed" && a.Details == "Admin → Agent"));
    }
}
