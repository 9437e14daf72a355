using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Conversations;

/// <summary>One line of a conversation's trail: who did what, when.</summary>
public sealed record ConversationAuditDto(string Action, string? ActorName, Guid? ActorUserId, string? Details, DateTime At);

/// <summary>
/// A conversation's trail (assigned, resolved, labelled, merged, notes…), read from the workspace's audit log where
/// <see cref="ConversationActions"/>, <see cref="ConversationNotes"/> and <see cref="ConversationMerge"/> append it.
/// </summary>
public static class ConversationAudit
{
    public const int MaxEntries = 200;

    public static Task<List<ConversationAuditDto>> ForConversationAsync(RapportDbContext db, Guid workspaceId, Guid conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var target = ConversationActions.AuditTarget(conversationId);
        // The audit log is not workspace-filtered by the context (it holds sign-ins too): scope it here.
        return db.AuditEntries.AsNoTracking().Where(a => a.WorkspaceId == workspaceId && a.Target == target)
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(MaxEntries)
            .Select(a => new ConversationAuditDto(a.Action, a.ActorName, a.ActorUserId, a.Details, a.At))
            .ToListAsync(ct);
    }
}

internal sealed class ConversationAuditConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder) => builder.HasIndex(a => new { a.WorkspaceId, a.Target, a.At });
}
