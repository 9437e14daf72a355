using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

public class BadInputTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task MalformedJson_Gets400ProblemAndWritesNothing(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);

        var response = await client.PostAsync($"/api/v1/workspaces/{workspace.Id}/labels",
            new StringContent("{\"name\": \"Billing\", ", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await using var db = factory.OpenDb();
        Assert.Empty(await db.Labels.ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task OversizedBody_Gets413ProblemAndWritesNothing(string provider)
    {
        await using var factory = new RapportFactory(provider, s => s["Rapport:MaxRequestBytes"] = "65536");
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Agent);

        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
            new { externalId = "big", authorHandle = "someone", text = new string('a', 100_000) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await using var db = factory.OpenDb();
        Assert.Empty(await db.Messages.ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task UnknownIds_Get404Problem(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);

        foreach (var path in new[] { "conversations", "contacts", "channels", "conversations/{0}/messages" })
        {
            var response = await client.GetAsync($"/api/v1/workspaces/{workspace.Id}/" + path.Replace("{0}", Guid.NewGuid().ToString(), StringComparison.Ordinal) +
                (path.Contains('{', StringComparison.Ordinal) ? "" : "/" + Guid.NewGuid()));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var noWorkspace = await client.GetAsync($"/api/v1/workspaces/{Guid.NewGuid()}/labels");
        Assert.Equal(HttpStatusCode.Forbidden, noWorkspace.StatusCode);
        Assert.Equal("application/problem+json", noWorkspace.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task InvalidFields_GetValidationProblems(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);

        var badColor = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/labels", new { name = "x", color = "red<script>" });
        Assert.Equal(HttpStatusCode.BadRequest, badColor.StatusCode);
        Assert.Contains("color", await badColor.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badKind = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels", new { name = "x", kind = "Carrier pigeon" });
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        var owner = await factory.SignedInClientAsync((await factory.CreateOwnerAsync()).User.Email!);
        var badZone = await owner.PostAsJsonAsync("/api/v1/workspaces", new { name = "Brand", timeZone = "Mars/Olympus_Mons" });
        Assert.Equal(HttpStatusCode.BadRequest, badZone.StatusCode);
        Assert.Contains("timeZone", await badZone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badCursor = await client.GetAsync($"/api/v1/workspaces/{workspace.Id}/conversations?cursor=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);

        await using var db = factory.OpenDb();
        Assert.Empty(await db.Labels.ToListAsync());
        Assert.Empty(await db.Channels.ToListAsync());
        Assert.DoesNotContain(await db.Workspaces.Select(w => w.Name).ToListAsync(), n => n == "Brand");
    }
}
