using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Browser.Tests;

/// <summary>
/// An API channel of the only workspace and a token to post through it, as a brand's website form would. A sandbox
/// channel when asked: its replies are delivered (to the sandbox), so they count as responses.
/// </summary>
internal sealed record ApiChannel(HttpClient Client, string Url, Guid WorkspaceId)
{
    public static async Task<ApiChannel> CreateAsync(RapportApp app, bool sandbox = false)
    {
        await using var db = app.Services.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
        var owner = await db.Memberships.SingleAsync();
        var channel = new Channel { WorkspaceId = owner.WorkspaceId, Name = "Website form", Kind = ChannelKind.Api, Direction = ChannelDirection.Inbox, Sandbox = sandbox, CreatedAt = DateTime.UtcNow };
        var (token, secret) = MemberRules.NewApiToken(owner.WorkspaceId, "Website", Role.Agent, owner.UserId, DateTime.UtcNow);
        db.AddRange(channel, token);
        await db.SaveChangesAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return new ApiChannel(client, $"/api/v1/workspaces/{owner.WorkspaceId}/channels/{channel.Id}/messages", owner.WorkspaceId);
    }

    /// <summary>Posts a customer message; returns its conversation's id.</summary>
    public async Task<string> SendAsync(string externalId, string author, string text)
    {
        var response = await Client.PostAsJsonAsync(Url, new { externalId, authorHandle = author, text });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("conversationId").GetString()!;
    }
}
