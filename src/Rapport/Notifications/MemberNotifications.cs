using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Notifications;

/// <summary>A member's own notifications: the one door for reading and marking them, shared by the API and the layout's bell.</summary>
public static class MemberNotifications
{
    public const int ListSize = 50;

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
}
