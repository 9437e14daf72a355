using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rapport.Cli;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// The export as an admin uses it: the API streams a workspace's messages as CSV or JSON Lines, `rapport export` writes
/// the same to a file, and nobody outside the workspace (nor an analyst) gets a row.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public class ExportTests
{
    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Export_StreamsTheWorkspacesRows_AsCsvAndJsonLines_AndRefusesOthers(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var (_, other) = await factory.CreateOwnerAsync(workspaceName: "Other");
        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var texts = new[] { "Hello, my parcel is late", "Bonjour, \"ma commande\", svp", "=cmd|' /C calc'!A0 is not a formula" };
        for (var i = 0; i < texts.Length; i++)
        {
            var posted = await agent.PostAsJsonAsync($"/api/v1/workspaces/{workspace.Id}/channels/{channel.Id}/messages",
                new { externalId = $"m-{i}", authorHandle = $"c{i}@example.test", text = texts[i] });
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        }
        var otherAgent = await factory.TokenClientAsync(other.Id, Role.Agent);
        var otherChannel = await factory.CreateChannelAsync(other.Id);
        await otherAgent.PostAsJsonAsync($"/api/v1/workspaces/{other.Id}/channels/{otherChannel.Id}/messages",
            new { externalId = "secret", authorHandle = "x@example.test", text = "Other workspace's secret words" });

        var admin = await factory.TokenClientAsync(workspace.Id, Role.Admin);
        var export = $"/api/v1/workspaces/{workspace.Id}/export";
        var csvResponse = await admin.GetAsync($"{export}?what=messages&format=csv&from=2000-01-01");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.StartsWith("text/csv", csvResponse.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var csv = await csvResponse.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("id,conversation_id,channel_id,direction,author_name,text,created_at", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"Bonjour, \"\"ma commande\"\", svp\"", csv, StringComparison.Ordinal);
        // A cell a spreadsheet would run is written as text.
        Assert.Contains("'=cmd", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("secret words", csv, StringComparison.Ordinal);

        var jsonl = await admin.GetStringAsync($"{export}?what=messages&format=jsonl");
        var rows = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(texts.Order(StringComparer.Ordinal), rows.Select(r => r.GetProperty("text").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(channel.Id, r.GetProperty("channel_id").GetGuid()));
        Assert.Equal(3, (await admin.GetStringAsync($"{export}?what=conversations&format=jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("id,link_id,link_code,campaign,post_id,reply_message_id,channel_id,at\r\n", await admin.GetStringAsync($"{export}?what=clicks"));

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"{export}?what=passwords")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"{export}?what=messages&format=xml")).StatusCode);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync($"{export}?what=messages")).StatusCode);
        var outsider = await factory.TokenClientAsync(other.Id, Role.Owner);
        var refused = await outsider.GetAsync($"{export}?what=messages");
        Assert.Contains(refused.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });
        Assert.DoesNotContain("parcel", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The command line writes the same rows to a file.
        var file = Path.Combine(Databases.NewTempFolder(), "messages.jsonl");
        string[] config = provider == Databases.Postgres
            ? [$"--Rapport:DataFolder={factory.Settings["Rapport:DataFolder"]}", $"--Rapport:Postgres={factory.Settings["Rapport:Postgres"]}"]
            : [$"--Rapport:DataFolder={factory.Settings["Rapport:DataFolder"]}"];
        Assert.Equal(0, await RapportCli.RunAsync(["export", "--workspace", workspace.Id.ToString(), "--what", "messages", "--format", "jsonl",
            "--from", "2000-01-01", "--out", file, .. config]));
        Assert.Equal(jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal),
            (await File.ReadAllLinesAsync(file)).Where(l => l.Length > 0).Order(StringComparer.Ordinal));
        Assert.Equal(1, await RapportCli.RunAsync(["export", "--workspace", "no-such-workspace", "--what", "messages", "--out", file, .. config]));
    }
}
