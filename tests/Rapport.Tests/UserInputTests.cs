using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Cli;
using Rapport.Data;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// Texts and dates at the edges (docs/api.md, "Limits"): every one gets a clear 400 or is stored cleaned, the same way
/// on both databases, and none reaches a 500.
/// </summary>
public class UserInputTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task EdgeDates_GetA400NamingTheField_AndWriteNothing(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);

        foreach (var when in new[] { "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z" })
        {
            var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
                new { externalId = "m-" + when, authorHandle = "julie@example.fr", text = "Bonjour", createdAt = when });
            await AssertInvalidAsync(response, "createdAt");
        }
        foreach (var report in new[] { "care", "care.csv" })
        {
            await AssertInvalidAsync(await client.GetAsync($"/api/v1/workspaces/{workspace.Id}/reports/{report}?to=0001-01-01"), "to");
            await AssertInvalidAsync(await client.GetAsync($"/api/v1/workspaces/{workspace.Id}/reports/{report}?from=9999-12-31"), "from");
        }

        await using var db = factory.OpenDb();
        Assert.Empty(await db.Messages.ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task NulBytes_AreRemovedOrRefused_TheSameOnBothDatabases(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);
        var ws = $"/api/v1/workspaces/{workspace.Id}";

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"{ws}/labels", new { name = "Bil\0ling" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"{ws}/teams", new { name = "Sup\0port\u0007" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"{ws}/articles",
            new { title = "Re\0funds", language = "en", body = "How\0 to get a refund." })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"{ws}/channels/{channel.Id}/messages", new
        {
            externalId = "m\0-1",
            authorHandle = "julie\0@example.fr",
            authorName = "Ju\0lie",
            text = "Bon\0jour",
            threadId = "thread\0-1",
            inReplyToExternalId = "m\0-0",
            subject = "Com\0mande",
        })).StatusCode);
        var search = await client.GetAsync($"{ws}/contacts?q=a%00b");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{ws}/articles?q=re%00funds")).StatusCode);
        // Only NUL and control characters: nothing is left of the name, which its own rule refuses.
        await AssertInvalidAsync(await client.PostAsJsonAsync($"{ws}/labels", new { name = "\0\0\u0001" }), "name");
        await AssertInvalidAsync(await client.PostAsJsonAsync($"{ws}/teams", new { name = "\0" }), "name");

        await using var db = factory.OpenDb();
        Assert.Equal("Billing", (await db.Labels.SingleAsync()).Name);
        Assert.Equal("Support", (await db.Teams.SingleAsync()).Name);
        Assert.Equal("Refunds", (await db.Articles.SingleAsync()).Title);
        var message = await db.Messages.SingleAsync();
        Assert.Equal(("m-1", "Julie", "Bonjour"), (message.ExternalId, message.AuthorName, message.Text));
        var conversation = await db.Conversations.SingleAsync();
        Assert.Equal(("thread-1", "Commande"), (conversation.ExternalThreadId, conversation.Subject));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task LongFieldsAreRefused_BidiOverridesLeaveNames_AndTheLimitsAreInTheOpenApiDocument(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);
        var ws = $"/api/v1/workspaces/{workspace.Id}";
        var huge = new string('x', 100_000);

        foreach (var field in new[] { "authorName", "subject", "threadId", "inReplyToExternalId" })
        {
            var body = new Dictionary<string, object?> { ["externalId"] = "long-" + field, ["authorHandle"] = "sam@example.com", ["text"] = "Hello", [field] = huge };
            await AssertInvalidAsync(await client.PostAsJsonAsync($"{ws}/channels/{channel.Id}/messages", body), field);
        }
        // "‮Evil‬" shows as "liveE": the overrides go, the name stays.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"{ws}/labels", new { name = "\u202EEvil\u202C" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"{ws}/channels/{channel.Id}/messages",
            new { externalId = "bidi", authorHandle = "sam@example.com", authorName = "Sam \u2067gnp.exe\u2069", text = "Hello \u202Eworld" })).StatusCode);

        await using (var db = factory.OpenDb())
        {
            Assert.Equal("Evil", (await db.Labels.SingleAsync()).Name);
            var message = await db.Messages.SingleAsync();
            Assert.Equal("Sam gnp.exe", message.AuthorName);
            // A message's text keeps what its author wrote: right-to-left writers need these characters.
            Assert.Equal("Hello \u202Eworld", message.Text);
        }

        using var document = JsonDocument.Parse(await (await factory.CreateClient().GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync());
        var request = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("InboundMessageRequest").GetProperty("properties");
        Assert.Equal(UserInput.MaxAuthorNameLength, request.GetProperty("authorName").GetProperty("maxLength").GetInt32());
        Assert.Equal(UserInput.MaxSubjectLength, request.GetProperty("subject").GetProperty("maxLength").GetInt32());
        Assert.Equal(UserInput.MaxExternalIdLength, request.GetProperty("threadId").GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public async Task EveryTextARequestBodyTakes_StatesItsLongestLength_InTheOpenApiDocument()
    {
        await using var factory = new RapportFactory(Databases.Sqlite);
        using var document = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var bodies = document.RootElement.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Select(o => o.Value.TryGetProperty("requestBody", out var b) && b.GetProperty("content").TryGetProperty("application/json", out var json)
                && json.GetProperty("schema").TryGetProperty("$ref", out var r) ? r.GetString()!.Split('/')[^1] : null)
            .OfType<string>().ToHashSet();
        var unbounded = new List<string>();
        var seen = new HashSet<string>();
        void Visit(string name)
        {
            if (!seen.Add(name) || !schemas.GetProperty(name).TryGetProperty("properties", out var properties))
            {
                return;
            }
            foreach (var property in properties.EnumerateObject())
            {
                var schema = property.Value;
                var reference = schema.TryGetProperty("$ref", out var r) ? r
                    : schema.TryGetProperty("items", out var items) && items.TryGetProperty("$ref", out var ir) ? ir : default;
                if (reference.ValueKind == JsonValueKind.String)
                {
                    Visit(reference.GetString()!.Split('/')[^1]);
                    continue;
                }
                var types = schema.TryGetProperty("type", out var t) ? t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()).ToList() : [t.GetString()] : [];
                if (types.Contains("string") && !schema.TryGetProperty("maxLength", out _) && !schema.TryGetProperty("format", out _) && !schema.TryGetProperty("enum", out _))
                {
                    unbounded.Add($"{name}.{property.Name}");
                }
            }
        }
        foreach (var body in bodies)
        {
            Visit(body);
        }

        Assert.True(bodies.Count > 20, $"Only {bodies.Count} request bodies: the document was not read.");
        Assert.Empty(unbounded);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task ImportedEdgeDate_IsReportedWithItsLine_AndTheOtherRowsAreStored(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, Channels.ChannelKind.Import, "Archive");
        await using var scope = factory.Services.CreateAsyncScope();
        var import = scope.ServiceProvider.GetRequiredService<Channels.Import.ImportService>();
        var csv = """
            external_id,author,author_name,text,created_at,thread_id
            1,@marie,Marie,"Bonjour, ma box ne marche plus",2026-11-20T09:00:00Z,
            2,@tom,Tom,"No date in the export",9999-12-31T23:59:59Z,
            3,@lea,"Lé{NUL}a","Merci !",2026-11-20T10:00:00Z,t{NUL}1
            """.Replace("{NUL}", "\0", StringComparison.Ordinal);

        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv));
        var summary = await import.ImportAsync(workspace.Id, channel.Id, stream, "archive.csv");

        Assert.Equal((2L, 1L), (summary.Imported, summary.ErrorCount));
        var error = Assert.Single(summary.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("9999-12-31T23:59:59Z", error.Error, StringComparison.Ordinal);
        Assert.Contains("1970-01-01", error.Error, StringComparison.Ordinal);
        await using var db = factory.OpenDb();
        Assert.Equal(["Léa", "Marie"], await db.Messages.OrderBy(m => m.AuthorName).Select(m => m.AuthorName).ToListAsync());
    }

    internal static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }
}

/// <summary>`rapport import` with a row the old code died on.</summary>
[Collection(nameof(ConsoleCollection))]
public class UserInputCliTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task CliImport_ReportsAnEdgeDateRow_AndStoresTheGoodRows(string provider)
    {
        var folder = Databases.NewTempFolder();
        string[] config = provider == Databases.Postgres
            ? [$"--Rapport:DataFolder={folder}", $"--Rapport:Postgres={Databases.NewPostgresDatabase()}"]
            : [$"--Rapport:DataFolder={folder}"];
        var csv = Path.Combine(folder, "messages.csv");
        await File.WriteAllTextAsync(csv, """
            external_id,author,text,created_at
            1,@marie,"Bonjour, ma box ne marche plus",2026-11-20T09:00:00Z
            2,@tom,"No date in the export",9999-12-31T23:59:59Z
            3,@lea,"Merci !",2026-11-20T10:00:00Z
            """);
        if (provider == Databases.Postgres)
        {
            Assert.Equal(0, await RapportCli.RunAsync(["migrate", .. config]));
        }
        Assert.Equal(0, await RapportCli.RunAsync(["users", "create", "--email", "owner@example.test", "--password", "a very long password", "--workspace", "acme", .. config]));

        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await RapportCli.RunAsync(["import", csv, "--channel", "Old tickets", .. config]));
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.Contains("line 3: created_at \"9999-12-31T23:59:59Z\" is outside the accepted dates", output.ToString(), StringComparison.Ordinal);
        var options = new RapportOptions { DataFolder = folder, Postgres = config.Length > 1 ? config[1]["--Rapport:Postgres=".Length..] : null };
        await using var db = new RapportDbContextFactory(options).CreateDbContext();
        Assert.Equal(["1", "3"], await db.Messages.OrderBy(m => m.ExternalId).Select(m => m.ExternalId).ToListAsync());
    }
}

/// <summary>Kestrel's own limits, on a real Kestrel (the in-memory test server has none).</summary>
public class RequestLineTests
{
    [Fact]
    public async Task LongQuery_Gets414ProblemDetails_AndWhatKestrelRefusesItselfIsNeverA500()
    {
        await using var factory = new RapportFactory(Databases.Sqlite);
        (await factory.CreateClient().GetAsync("/healthz")).EnsureSuccessStatusCode();
        using var process = RapportProcess.Start(factory);
        using var client = new HttpClient { BaseAddress = process.Url };
        for (var i = 0; ; i++)
        {
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException) when (i < 300)
            {
            }
            await Task.Delay(200);
        }

        var longQuery = await client.GetAsync($"/api/v1/workspaces/{Guid.NewGuid()}/contacts?q={new string('a', 9000)}");
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longQuery.StatusCode);
        Assert.Equal("application/problem+json", longQuery.Content.Headers.ContentType?.MediaType);
        Assert.Contains("8192", await longQuery.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Refused by Kestrel before Rapport sees the request: a bare status, documented, never a 500.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/a%00b")).StatusCode);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, (await client.GetAsync($"/api/v1/me?q={new string('a', 70_000)}")).StatusCode);
    }
}
