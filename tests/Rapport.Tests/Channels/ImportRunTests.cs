using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rapport.Channels;
using Rapport.Channels.Import;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>Imports started over the API: the upload, the background run, its progress and its report.</summary>
public class ImportRunTests
{
    private const string Messages = """
        externalId,authorHandle,authorName,text,createdAt
        a-1,julie@example.fr,Julie,"Ma commande n'est jamais arrivée, pouvez-vous m'aider ?",2026-11-02T09:00:00Z
        a-2,sam@example.com,Sam,,2026-11-02T09:05:00Z
        a-3,sam@example.com,Sam,"<script>alert(1)</script> where is my refund?",2026-11-02T09:10:00Z
        """;

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task UploadedFile_IsImportedInTheBackground_WithItsReport_AndAgainAddsNothing(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Archive");
        var client = await factory.SignedInClientAsync(owner.Email!);

        var first = await FinishAsync(client, workspace.Id, await UploadAsync(client, workspace.Id, channel.Id, "archive.csv", Messages));
        var second = await FinishAsync(client, workspace.Id, await UploadAsync(client, workspace.Id, channel.Id, "archive.csv", Messages));

        Assert.Equal(ImportStatus.Completed, first.Status);
        Assert.Equal((2L, 0L, 1L, 3L), (first.Imported, first.AlreadyThere, first.ErrorCount, first.Rows));
        Assert.Equal(first.TotalBytes, first.BytesRead);
        Assert.Equal(Encoding.UTF8.GetByteCount(Messages), first.TotalBytes);
        var error = Assert.Single(first.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("text", error.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((0L, 2L), (second.Imported, second.AlreadyThere));

        var list = await client.GetFromJsonAsync<Api.Page<ImportRunDto>>($"/api/v1/workspaces/{workspace.Id}/imports", Json.Options);
        Assert.Equal([second.Id, first.Id], list!.Items.Select(r => r.Id));
        await using var db = factory.OpenDb();
        Assert.Equal(["a-1", "a-3"], await db.Messages.OrderBy(m => m.ExternalId).Select(m => m.ExternalId).ToListAsync());
        Assert.Equal("<script>alert(1)</script> where is my refund?", (await db.Messages.SingleAsync(m => m.ExternalId == "a-3")).Text);
        // The uploads are gone once imported; each run was claimed once.
        Assert.Empty(await db.ImportChunks.ToListAsync());
        Assert.Equal((1, 1), (first.Attempts, second.Attempts));
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task BadUploads_GetAClearAnswer_AndABrokenFileIsReportedWhereItBroke(string provider)
    {
        await using var factory = new RapportFactory(provider, s => s["Rapport:MaxImportBytes"] = "2048");
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Archive");
        var (_, other) = await factory.CreateOwnerAsync("other@example.com", "Other");
        var foreign = await factory.CreateChannelAsync(other.Id, ChannelKind.Import, "Theirs");
        var client = await factory.SignedInClientAsync(owner.Email!);
        var analyst = await factory.TokenClientAsync(workspace.Id, Role.Analyst);

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, workspace.Id, channel.Id, "archive.xlsx", Messages)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, workspace.Id, channel.Id, null, Messages)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, workspace.Id, channel.Id, "empty.csv", "")).StatusCode);
        var tooLarge = await PostAsync(client, workspace.Id, channel.Id, "big.csv", Messages + new string('x', 4096));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(client, workspace.Id, foreign.Id, "archive.csv", Messages)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(client, workspace.Id, Guid.NewGuid(), "archive.csv", Messages)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(analyst, workspace.Id, channel.Id, "archive.csv", Messages)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/workspaces/{workspace.Id}/imports/{Guid.NewGuid()}")).StatusCode);
        await using (var db = factory.OpenDb())
        {
            Assert.Equal(0, await db.ImportRuns.IgnoreQueryFilters().CountAsync());
        }

        // A JSON file cut in the middle: the rows before the break are kept, the report says where it broke.
        var broken = await FinishAsync(client, workspace.Id,
            await UploadAsync(client, workspace.Id, channel.Id, "broken.json", """[{"externalId":"j-1","authorHandle":"eve","text":"Hello, is anyone there?"},{"externalId":"""));
        Assert.Equal((ImportStatus.Completed, 1L, 1L), (broken.Status, broken.Imported, broken.ErrorCount));
        Assert.StartsWith("Invalid JSON", Assert.Single(broken.Errors).Error, StringComparison.Ordinal);
        var analystView = await analyst.GetFromJsonAsync<ImportRunDto>($"/api/v1/workspaces/{workspace.Id}/imports/{broken.Id}", Json.Options);
        Assert.Equal(broken.Status, analystView!.Status);
        await using var check = factory.OpenDb();
        Assert.Equal(["j-1"], await check.Messages.Select(m => m.ExternalId).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task TheReport_SaysHowManyBrandRepliesWereStored(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Import, "Twitter archive");
        var client = await factory.SignedInClientAsync(owner.Email!);
        const string Thread = """
            tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
            1,115712,True,Tue Oct 31 22:00:00 +0000 2017,@sprintcare no signal for two days,2,
            2,sprintcare,False,Tue Oct 31 22:05:00 +0000 2017,@115712 Sorry to hear that! Please send us a DM.,3,1
            3,sprintcare,False,Tue Oct 31 22:06:00 +0000 2017,@115799 Hi there!,,404
            """;

        var first = await FinishAsync(client, workspace.Id, await UploadAsync(client, workspace.Id, channel.Id, "twcs.csv", Thread));
        var second = await FinishAsync(client, workspace.Id, await UploadAsync(client, workspace.Id, channel.Id, "twcs.csv", Thread));

        Assert.Equal((1L, 1L, 1L, 3L), (first.Imported, first.BrandReplies, first.ErrorCount, first.Rows));
        Assert.Equal((4L, "The brand reply answers message 404, which is not in the import."), (first.Errors[0].Line, first.Errors[0].Error));
        Assert.Equal((0L, 0L, 2L), (second.Imported, second.BrandReplies, second.AlreadyThere));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, Guid workspaceId, Guid channelId, string? fileName, string body)
    {
        var url = $"/api/v1/workspaces/{workspaceId}/channels/{channelId}/imports" + (fileName is null ? "" : $"?fileName={Uri.EscapeDataString(fileName)}");
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return await client.PostAsync(url, content);
    }

    private static async Task<ImportRunDto> UploadAsync(HttpClient client, Guid workspaceId, Guid channelId, string fileName, string body)
    {
        var response = await PostAsync(client, workspaceId, channelId, fileName, body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ImportRunDto>(Json.Options))!;
    }

    /// <summary>Reads the import until it has finished, as a script polling the API would.</summary>
    private static async Task<ImportRunDto> FinishAsync(HttpClient client, Guid workspaceId, ImportRunDto started)
    {
        for (var i = 0; i < 600; i++)
        {
            var run = await client.GetFromJsonAsync<ImportRunDto>($"/api/v1/workspaces/{workspaceId}/imports/{started.Id}", Json.Options);
            if (run!.Status is ImportStatus.Completed or ImportStatus.Failed)
            {
                return run;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The import did not finish within a minute.");
    }
}
