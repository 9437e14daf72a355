using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;

namespace Rapport.Listening;

/// <summary>The inbox conversation a mention became, and whether this call made it.</summary>
public sealed record MentionConversationDto(Guid MentionId, Guid ConversationId, bool Created);

/// <summary>What a conversation made from a mention shows: the mention it came from and the topics that found it.</summary>
public sealed record ListeningOrigin(Guid MentionId, IReadOnlyList<(Guid Id, string Name)> Topics);

/// <summary>
/// The one front door for turning a mention into an inbox conversation (the mention page's button, the API, the
/// automation rules alike). The mention takes the normal ingest path as an item of its channel with its own external id
/// (contact, conversation, analysis, rules, SLA, reporting), flagged as taken from listening; the mention keeps the
/// conversation's id. Twice gives the same conversation: the mention's link is read first, and ingest is idempotent on
/// channel and external id should two clicks race (docs/decisions/0065).
/// </summary>
public sealed class MentionConversations(IngestService ingest, AuditLog audit)
{
    /// <summary>The mention's conversation, made now when it has none; null when the workspace has no such mention.</summary>
    public async Task<MentionConversationDto?> OpenAsync(RapportDbContext db, WorkspaceMember? actor, string? actorName, Guid mentionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var mention = await db.Set<Mention>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == mentionId, ct);
        if (mention is null)
        {
            return null;
        }
        if (mention.ConversationId is { } known && await db.Conversations.AnyAsync(c => c.Id == known, ct))
        {
            return new MentionConversationDto(mention.Id, known, Created: false);
        }
        var item = new InboundItem
        {
            ChannelId = mention.ChannelId,
            ExternalId = mention.ExternalId,
            AuthorHandle = mention.AuthorHandle.Length > 0 ? mention.AuthorHandle : mention.AuthorName,
            AuthorName = mention.AuthorName,
            Subject = mention.Subject,
            Text = mention.Text,
            CreatedAt = mention.CreatedAt,
            IsPublic = mention.IsPublic,
            RawPayload = mention.RawPayload,
            TakenFromListening = true,
        };
        var result = (await ingest.IngestBatchAsync(db, mention.WorkspaceId, [item], ahead: null, ct))[0];
        await db.Set<Mention>().Where(m => m.Id == mention.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.ConversationId, result.ConversationId), ct);
        if (result.Created)
        {
            audit.Add(db, "mention.conversation", mention.WorkspaceId, actor?.UserId, actorName, mention.Id.ToString(), result.ConversationId.ToString());
            await db.SaveChangesAsync(ct);
        }
        return new MentionConversationDto(mention.Id, result.ConversationId, result.Created);
    }

    /// <summary>The mention a conversation was made from, with its topics; null for a conversation that came to the inbox itself.</summary>
    public static async Task<ListeningOrigin?> OriginAsync(RapportDbContext db, Guid conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var mentionId = await db.Set<Mention>().AsNoTracking().Where(m => m.ConversationId == conversationId).Select(m => (Guid?)m.Id).FirstOrDefaultAsync(ct);
        if (mentionId is not { } id)
        {
            return null;
        }
        var topics = await db.Set<MentionTopic>().AsNoTracking().Where(t => t.MentionId == id)
            .Join(db.Set<Topic>(), t => t.TopicId, topic => topic.Id, (t, topic) => new { topic.Id, topic.Name })
            .OrderBy(t => t.Name).ToListAsync(ct);
        return new ListeningOrigin(id, [.. topics.Select(t => (t.Id, t.Name))]);
    }
}
