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
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/notifications", ListAsync).WithSummary("Your notifications in this workspace, newest first, with the unread count.");
        workspace.MapPost("/notifications/{notificationId:guid}/read", ReadAsync).WithSummary("Marks one of your notifications read.");
        workspace.MapPost("/notifications/read", ReadAllAsync).WithSummary("Marks all your notifications read.");
    }

    private static async Task<Results<Ok<NotificationList>, ProblemHttpResult>> ListAsync(HttpContext http, RapportDbContext db, bool? unread, CancellationToken ct) =>
        http.Member().UserId is { } userId
            ? TypedResults.Ok(await MemberNotifications.ForMemberAsync(db, userId, unread == true, ct))
            : Problems.NotFound("Notifications");

    private static async Task<Results<NoContent, ProblemHttpResult>> ReadAsync(
        Guid notificationId, HttpContext http, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (http.Member().UserId is not { } userId || !await db.Notifications.AnyAsync(n => n.Id == notificationId && n.UserId == userId, ct))
        {
            return Problems.NotFound("Notification");
        }
        await MemberNotifications.MarkReadAsync(db, userId, notificationId, clock.GetUtcNow().UtcDateTime, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> ReadAllAsync(HttpContext http, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (http.Member().UserId is { } userId)
        {
            await MemberNotifications.MarkReadAsync(db, userId, null, clock.GetUtcNow().UtcDateTime, ct);
        }
        return TypedResults.NoContent();
    }
}
