using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Notifications;

public sealed record NotificationDto(Guid Id, string Kind, Guid? ConversationId, string Text, DateTime CreatedAt, DateTime? ReadAt);

public sealed record NotificationList(int Unread, IReadOnlyList<NotificationDto> Items);

/// <summary>The caller's own notifications in the workspace: nobody reads another member's.</summary>
public static class NotificationsApi
{
    public const int ListSize = 50;

    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/notifications", ListAsync).WithSummary("Your notifications in this workspace, newest first, with the unread count.");
        workspace.MapPost("/notifications/{notificationId:guid}/read", ReadAsync).WithSummary("Marks one of your notifications read.");
        workspace.MapPost("/notifications/read", ReadAllAsync).WithSummary("Marks all your notifications read.");
    }

    /// <summary>The member's unread count and latest notifications; shared by the API and the layout's bell.</summary>
    public static async Task<NotificationList> ForMemberAsync(RapportDbContext db, Guid userId, bool unreadOnly = false, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var mine = db.Notifications.AsNoTracking().Where(n => n.UserId == userId);
        var unread = await mine.CountAsync(n => n.ReadAt == null, ct);
        var items = await (unreadOnly ? mine.Where(n => n.ReadAt == null) : mine)
            .OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Take(ListSize)
            .Select(n => new NotificationDto(n.Id, n.Kind, n.ConversationId, n.Text, n.CreatedAt, n.ReadAt)).ToListAsync(ct);
        return new NotificationList(unread, items);
    }

    /// <summary>Marks the member's notifications read: one, or all when <paramref name="notificationId"/> is null. Returns how many changed.</summary>
    public static Task<int> MarkReadAsync(RapportDbContext db, Guid userId, Guid? notificationId, DateTime now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var query = db.Notifications.Where(n => n.UserId == userId && n.ReadAt == null);
        if (notificationId is { } id)
        {
            query = query.Where(n => n.Id == id);
        }
        return query.ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
    }

    private static async Task<Results<Ok<NotificationList>, ProblemHttpResult>> ListAsync(HttpContext http, RapportDbContext db, bool? unread, CancellationToken ct) =>
        http.Member().UserId is { } userId
            ? TypedResults.Ok(await ForMemberAsync(db, userId, unread == true, ct))
            : Problems.NotFound("Notifications");

    private static async Task<Results<NoContent, ProblemHttpResult>> ReadAsync(
        Guid notificationId, HttpContext http, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (http.Member().UserId is not { } userId || !await db.Notifications.AnyAsync(n => n.Id == notificationId && n.UserId == userId, ct))
        {
            return Problems.NotFound("Notification");
        }
        await MarkReadAsync(db, userId, notificationId, clock.GetUtcNow().UtcDateTime, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> ReadAllAsync(HttpContext http, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (http.Member().UserId is { } userId)
        {
            await MarkReadAsync(db, userId, null, clock.GetUtcNow().UtcDateTime, ct);
        }
        return TypedResults.NoContent();
    }
}
