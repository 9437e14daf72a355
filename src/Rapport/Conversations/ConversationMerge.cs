using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Conversations;

/// <summary>
/// Merges two conversations of the same contact: every message of the source moves into the target (none is lost or
/// copied), the source is closed with a link to the target, and both audit trails say who merged them.
/// </summary>
public sealed class ConversationMerge(Audit.AuditLog audit)
{
    public async Task<ConversationActionResult> MergeAsync(RapportDbContext db, Guid sourceId, Guid targetId, int? sourceVersion, Guid? actorId, string? actorName,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (sourceId == targetId)
        {
            return new(Invalid: Problems.Invalid("targetId", "A conversation cannot be merged into itself."));
        }
        var source = await db.Conversations.Include(c => c.Labels).FirstOrDefaultAsync(c => c.Id == sourceId, ct);
        var target = await db.Conversations.Include(c => c.Labels).FirstOrDefaultAsync(c => c.Id == targetId, ct);
        if (source is null)
        {
            return new(Problems.NotFound("Conversation"));
        }
        if (target is null)
        {
            return new(Invalid: Problems.Invalid("targetId", "Unknown conversation."));
        }
        if (source.ContactId != target.ContactId)
        {
            return new(Invalid: Problems.Invalid("targetId", "Only two conversations of the same contact can be merged."));
        }
        if (source.MergedIntoId is not null || target.MergedIntoId is not null)
        {
            return new(Problems.Conflict("Already merged", "One of these conversations was already merged; open the one it was merged into."));
        }
        if (sourceVersion is { } version && version != source.Version)
        {
            return new(Problems.Conflict("Conversation changed",
                "Someone else changed this conversation since you opened it. Reload it to see their change, then try again."));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var moved = await db.Messages.Where(m => m.ConversationId == sourceId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ConversationId, targetId), ct);
        foreach (var label in source.Labels.Where(l => target.Labels.All(t => t.LabelId != l.LabelId)))
        {
            target.Labels.Add(new ConversationLabel { ConversationId = target.Id, LabelId = label.LabelId });
        }
        target.LastMessageAt = Max(target.LastMessageAt, source.LastMessageAt);
        target.LastInboundAt = Max(target.LastInboundAt, source.LastInboundAt);
        target.LastResponseAt = Max(target.LastResponseAt, source.LastResponseAt);
        target.FirstResponseAt = Min(target.FirstResponseAt, source.FirstResponseAt);
        target.NeedsAnswer = Math.Max(target.NeedsAnswer, source.NeedsAnswer);
        target.CreatedAt = target.CreatedAt < source.CreatedAt ? target.CreatedAt : source.CreatedAt;
        target.Version++;
        // Closed without a resolution event: a merge answers nobody, so reports must not count it as resolved.
        source.MergedIntoId = target.Id;
        source.Status = ConversationStatus.Resolved;
        source.ResolvedAt ??= target.LastMessageAt;
        source.NeedsAnswer = 0;
        source.Version++;
        var details = $"{moved} messages moved";
        audit.Add(db, "conversation.merged", source.WorkspaceId, actorId, actorName, ConversationActions.AuditTarget(source.Id), $"into {target.Id:N}; {details}");
        audit.Add(db, "conversation.merged", source.WorkspaceId, actorId, actorName, ConversationActions.AuditTarget(target.Id), $"from {source.Id:N}; {details}");
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The rollback puts the messages back where they were.
            db.ChangeTracker.Clear();
            return new(Problems.Conflict("Conversation changed",
                "Someone else changed one of these conversations while you merged them. Reload, then try again."));
        }
        await transaction.CommitAsync(ct);
        return new();
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : Max(a.Value, b.Value);

    private static DateTime? Min(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
