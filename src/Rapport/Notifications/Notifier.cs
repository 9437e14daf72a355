using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Workspaces;

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

    /// <summary>
    /// Who handles a conversation: its assignee, else the members of its team; without either, nobody, or every agent,
    /// admin and owner of the workspace when <paramref name="everyoneWhenUnrouted"/>.
    /// </summary>
    public static async Task<List<Guid>> HandlersAsync(RapportDbContext db, Conversations.Conversation conversation, bool everyoneWhenUnrouted, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(conversation);
        return conversation.AssigneeId is { } assignee ? [assignee]
            : conversation.TeamId is { } team ? await db.TeamMembers.Where(m => m.TeamId == team).Select(m => m.UserId).ToListAsync(ct)
            : everyoneWhenUnrouted ? await db.Memberships.Where(m => m.WorkspaceId == conversation.WorkspaceId && m.Role != Role.Analyst).Select(m => m.UserId).ToListAsync(ct)
            : [];
    }
}
