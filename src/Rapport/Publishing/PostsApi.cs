using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Outbox;
using Rapport.Workspaces;

namespace Rapport.Publishing;

/// <summary>A new post of the brand; <c>language</c> ("fr", "en") tells the network which language it is in.</summary>
public sealed record PostRequest([property: MaxLength(IngestService.MaxTextLength)] string? Text, [property: MaxLength(UserInput.MaxCultureLength)] string? Language = null);

/// <summary>A post and where its delivery stands: Pending, Sending, Sent (with the network's id) or Failed with the reason.</summary>
public sealed record PostDto(Guid Id, Guid ChannelId, string Text, string? Language, string AuthorName, OutboxStatus Status, int Attempts,
    string? Error, string? ExternalId, DateTime CreatedAt, DateTime? SentAt);

/// <summary>
/// The brand's own posts on a channel (a new status, a new Bluesky post, a partner's page post). Each is an outbox item,
/// so it is retried like a reply and never published twice.
/// </summary>
public static class PostsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapPost("/channels/{channelId:guid}/posts", PublishAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Publishes a new post of the brand through the channel; it is queued in the outbox and delivered once.");
        workspace.MapGet("/channels/{channelId:guid}/posts", ListAsync)
            .WithSummary("The channel's posts, newest first, with their delivery status.");
    }

    private static async Task<Results<Accepted<PostDto>, ValidationProblem, ProblemHttpResult>> PublishAsync(
        Guid workspaceId, Guid channelId, PostRequest request, HttpContext http, RapportDbContext db, OutboxService outbox, CancellationToken ct)
    {
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return Problems.NotFound("Channel");
        }
        if (channel.Direction == ChannelDirection.Listening)
        {
            return Problems.Conflict("Listening channel", "A listening channel only hears what is said; publish through an inbox or publishing channel.");
        }
        var text = IngestService.Clean(request.Text ?? "");
        if (text.Length == 0 || request.Text!.Length > IngestService.MaxTextLength)
        {
            return Problems.Invalid("text", $"A text of 1 to {IngestService.MaxTextLength} characters is required.");
        }
        if (request.Language is { } language && language is not ("fr" or "en"))
        {
            return Problems.Invalid("language", "The language is \"fr\", \"en\" or left out.");
        }
        var userId = http.Member().UserId;
        var author = await db.Memberships.Where(m => m.UserId == userId).Select(m => m.User!.DisplayName).FirstOrDefaultAsync(ct);
        var name = string.IsNullOrWhiteSpace(author) ? http.User.Identity?.Name ?? "API" : author;
        var item = await outbox.EnqueuePostAsync(db, channel, name, text, request.Language, ct);
        return TypedResults.Accepted($"/api/v1/workspaces/{workspaceId}/channels/{channelId}/posts", ToDto(item));
    }

    private static async Task<Results<Ok<Page<PostDto>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        Guid channelId, string? cursor, int? limit, RapportDbContext db, CancellationToken ct)
    {
        if (!await db.Channels.AnyAsync(c => c.Id == channelId, ct))
        {
            return Problems.NotFound("Channel");
        }
        var take = Cursor.Limit(limit);
        var query = db.OutboxItems.Where(o => o.ChannelId == channelId && o.MessageId == null);
        if (cursor is not null)
        {
            if (!Cursor.TryDecode(cursor, out var at, out var id))
            {
                return Problems.Invalid("cursor", "This cursor is not one the API gave.");
            }
            query = query.Where(o => o.CreatedAt < at || (o.CreatedAt == at && o.Id.CompareTo(id) < 0));
        }
        var items = await query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(take + 1).ToListAsync(ct);
        var next = items.Count > take ? Cursor.Encode(items[take - 1].CreatedAt, items[take - 1].Id) : null;
        return TypedResults.Ok(new Page<PostDto>(items.Take(take).Select(ToDto).ToList(), next));
    }

    private static PostDto ToDto(OutboxItem item)
    {
        var post = PostPayload.Of(item);
        return new PostDto(item.Id, item.ChannelId, post.Text, post.Language, post.AuthorName, item.Status, item.Attempts,
            item.LastError, item.ExternalId, item.CreatedAt, item.SentAt);
    }
}
