using Rapport.Data;

namespace Rapport.Notifications;

/// <summary>Adds notifications; the caller saves them with its own change, so an action and its notice land together.</summary>
public sealed class Notifier(TimeProvider clock)
{
    public const int MaxTextLength = 1000;

    public Notification Add(RapportDbContext db, Guid workspaceId, Guid userId, string kind, string text, Guid? conversationId = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(text);
        var notification = new Notification
        {
            WorkspaceId = workspaceId,
            UserId = userId,
            Kind = kind,
            Text = text.Length > MaxTextLength ? text[..MaxTextLength] : text,
            ConversationId = conversationId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Notifications.Add(notification);
        return notification;
    }
}
