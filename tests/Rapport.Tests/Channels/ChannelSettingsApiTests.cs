using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// Connecting and editing a channel checks what its kind needs (the API and the settings page share the rules), and a
/// secret once saved stays write-only: editing other settings keeps it, and a required one cannot be emptied.
/// </summary>
public class ChannelSettingsApiTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Connect_WithMissingOrMalformedSettings_NamesEveryFieldAndStoresNothing(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var channels = $"/api/v1/workspaces/{workspace.Id}/channels";

        var email = await client.PostAsJsonAsync(channels, new
        {
            name = "Support",
            kind = "Email",
            settings = new { imapHost = "https://imap.example.com:993", imapPort = 99999, smtpPort = "587", imapSecurity = "Maybe", fromAddress = "not an address" },
        });
        var feed = await client.PostAsJsonAsync(channels, new { name = "News", kind = "Feed", settings = new { url = "javascript:alert(1)", pollMinutes = 0 } });
        var bareFeed = await client.PostAsJsonAsync(channels, new { name = "News", kind = "Feed" });
        // A server's bare name is an instance address, as the adapter reads it (https:// implied); another scheme is not.
        var mastodon = await client.PostAsJsonAsync(channels, new { name = "Mastodon", kind = "Mastodon", settings = new { instanceUrl = "mastodon.social" } });
        var ftpMastodon = await client.PostAsJsonAsync(channels, new { name = "Mastodon", kind = "Mastodon", settings = new { instanceUrl = "ftp://mastodon.social" } });
        var webhook = await client.PostAsJsonAsync(channels, new
        {
            name = "  ",
            kind = "Webhook",
            settings = new { callbackUrl = "ftp://partner.example/replies", network = new string('n', 400) },
        });

        var emailProblem = await ProblemAsync(email);
        Assert.Equal(
            ["secrets.password", "settings.fromAddress", "settings.imapHost", "settings.imapPort", "settings.imapSecurity", "settings.smtpPort", "settings.username"],
            emailProblem.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["settings.pollMinutes", "settings.url"], await FieldsAsync(feed));
        Assert.Equal(["settings.url"], await FieldsAsync(bareFeed));
        Assert.Equal(["secrets.accessToken"], await FieldsAsync(mastodon));
        Assert.Equal(["secrets.accessToken", "settings.instanceUrl"], await FieldsAsync(ftpMastodon));
        Assert.Equal(["name", "secrets.signingSecret", "settings.callbackUrl", "settings.network"], await FieldsAsync(webhook));
        // A name over its stated maxLength is refused before any rule runs, naming the field.
        Assert.Equal(["name"], await FieldsAsync(await client.PostAsJsonAsync(channels, new { name = new string('x', 101), kind = "Webhook" })));
        Assert.Equal("imapPort is a port number from 1 to 65535.", Assert.Single(emailProblem.Errors["settings.imapPort"]));
        await using var db = factory.OpenDb();
        Assert.Equal(0, await db.Channels.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Edit_OtherSettings_KeepsTheSecret_WhichCannotBeEmptiedOrRead(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var client = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var channels = $"/api/v1/workspaces/{workspace.Id}/channels";
        var created = await client.PostAsJsonAsync(channels, new
        {
            name = "Mastodon",
            kind = "Mastodon",
            settings = new { instanceUrl = "https://mastodon.example" },
            secrets = new Dictionary<string, string> { ["accessToken"] = "token-kept-secret" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var channel = (await created.Content.ReadFromJsonAsync<ChannelDto>(Json.Options))!;

        var renamed = await client.PatchAsJsonAsync($"{channels}/{channel.Id}", new
        {
            name = "Brand on Mastodon",
            settings = new { instanceUrl = "https://mastodon.example", replyVisibility = "unlisted" },
        });
        var emptied = await client.PatchAsJsonAsync($"{channels}/{channel.Id}", new { secrets = new Dictionary<string, string> { ["accessToken"] = "" } });
        var badSetting = await client.PatchAsJsonAsync($"{channels}/{channel.Id}", new { settings = new { instanceUrl = "https://mastodon.example", replyVisibility = "everyone" } });
        var paused = await client.PatchAsJsonAsync($"{channels}/{channel.Id}", new { paused = true });
        // Another workspace's admin does not find the channel, let alone change it.
        var outsider = await factory.TokenClientAsync(other.Id, Role.Admin);
        var elsewhere = await outsider.PatchAsJsonAsync($"/api/v1/workspaces/{other.Id}/channels/{channel.Id}", new { paused = false });

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var body = await renamed.Content.ReadAsStringAsync();
        Assert.DoesNotContain("token-kept-secret", body, StringComparison.Ordinal);
        var saved = System.Text.Json.JsonSerializer.Deserialize<ChannelDto>(body, Json.Options)!;
        Assert.Equal("Brand on Mastodon", saved.Name);
        Assert.Equal(["accessToken"], saved.SecretNames);
        Assert.Equal(["secrets.accessToken"], await FieldsAsync(emptied));
        Assert.Equal(["settings.replyVisibility"], await FieldsAsync(badSetting));
        Assert.True((await paused.Content.ReadFromJsonAsync<ChannelDto>(Json.Options))!.Paused);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        await using var db = factory.OpenDb();
        var stored = await db.Channels.IgnoreQueryFilters().SingleAsync(c => c.Id == channel.Id);
        Assert.True(stored.Paused);
        Assert.Contains("unlisted", stored.Settings, StringComparison.Ordinal);
        Assert.Equal("token-kept-secret", factory.Services.GetRequiredService<ChannelSecrets>().Unprotect(stored.ProtectedSecrets)["accessToken"]);
        Assert.Equal(["settings", "paused"],
            await db.AuditEntries.IgnoreQueryFilters().Where(a => a.Action == "channel.updated").OrderBy(a => a.At).ThenBy(a => a.Id).Select(a => a.Details!).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Disconnect_RemovesAnUnusedChannel_RefusesOneWithMessagesOrAPolicy_AndNeedsAnAdmin(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var url = $"/api/v1/workspaces/{workspace.Id}";
        var mistake = await factory.CreateChannelAsync(workspace.Id, name: "Typo");
        var used = await factory.CreateChannelAsync(workspace.Id, name: "Support API");
        var targeted = await factory.CreateChannelAsync(workspace.Id, name: "VIP API");
        var received = await agent.PostAsJsonAsync($"{url}/channels/{used.Id}/messages", new { externalId = "m-1", authorHandle = "@fan", text = "Where is my order?" });
        Assert.Equal(HttpStatusCode.Created, received.StatusCode);
        var policy = new Rapport.Sla.SlaSetupDto("Europe/Paris", 20, [new Rapport.Sla.SlaPolicyDto("VIP", null, targeted.Id, 15, null, null)], [], []);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{url}/sla", policy)).StatusCode);

        var byAgent = await agent.DeleteAsync($"{url}/channels/{mistake.Id}");
        var elsewhere = await (await factory.TokenClientAsync(other.Id, Role.Admin)).DeleteAsync($"/api/v1/workspaces/{other.Id}/channels/{mistake.Id}");
        var withMessages = await admin.DeleteAsync($"{url}/channels/{used.Id}");
        var withPolicy = await admin.DeleteAsync($"{url}/channels/{targeted.Id}");
        var removed = await admin.DeleteAsync($"{url}/channels/{mistake.Id}");
        var again = await admin.DeleteAsync($"{url}/channels/{mistake.Id}");

        Assert.Equal(HttpStatusCode.Forbidden, byAgent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, withMessages.StatusCode);
        Assert.Contains("paused", (await withMessages.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, withPolicy.StatusCode);
        Assert.Contains("service level policy", (await withPolicy.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        await using var db = factory.OpenDb();
        Assert.Equal(["Support API", "VIP API"], await db.Channels.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspace.Id).OrderBy(c => c.Name).Select(c => c.Name).ToListAsync());
        Assert.Equal(1, await db.Messages.IgnoreQueryFilters().CountAsync(m => m.ChannelId == used.Id));
        Assert.Equal(["Typo"], await db.AuditEntries.IgnoreQueryFilters().Where(a => a.Action == "channel.deleted").Select(a => a.Target!).ToListAsync());
    }

    /// <summary>The fields a 400 names, in order.</summary>
    private static async Task<List<string>> FieldsAsync(HttpResponseMessage response) =>
        [.. (await ProblemAsync(response)).Errors.Keys.Order(StringComparer.Ordinal)];

    private static async Task<ValidationProblemDetails> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
    }
}
