using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Notifications;

namespace Rapport.Conversations;

/// <summary>A member who can be mentioned in a note: by "@Display Name" or by the local part of their e-mail ("@ana.souza").</summary>
public sealed record MentionableMember(Guid UserId, string DisplayName, string? Email);

/// <summary>A note written, and the members its mentions notified.</summary>
public sealed record NoteResult(ConversationActionResult Result, Message? Note, IReadOnlyList<MentionableMember> Mentioned);

/// <summary>Private notes between agents: never sent to the customer; an @mention notifies the member named.</summary>
public sealed class ConversationNotes(ConversationActions actions, Notifier notifier, Audit.AuditLog audit)
{
    public const string MentionKind = "note.mention";

    public async Task<NoteResult> AddAsync(RapportDbContext db, Guid conversationId, Guid? authorUserId, string authorName, string text, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(text);
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, ct);
        if (conversation is null)
        {
            return new(new(Problems.NotFound("Conversation")), null, []);
        }
        var clean = Ingest.IngestService.Clean(text).Trim();
        if (clean.Length == 0 || text.Length > Ingest.IngestService.MaxTextLength)
        {
            return new(new(Invalid: Problems.Invalid("text", $"A note of 1 to {Ingest.IngestService.MaxTextLength} characters is required.")), null, []);
        }
        // Only this workspace's members can be mentioned: a name or e-mail of anyone else notifies nobody.
        var members = await db.Memberships.Where(m => m.WorkspaceId == conversation.WorkspaceId)
            .Select(m => new MentionableMember(m.UserId, m.User!.DisplayName, m.User.Email)).ToListAsync(ct);
        var mentioned = FindMentions(clean, members).Where(m => m.UserId != authorUserId).ToList();
        var note = actions.RecordOutbound(db, conversation, authorUserId, authorName, clean, note: true);
        var about = conversation.Subject is { Length: > 0 } subject ? subject : await db.Contacts
            .Where(c => c.Id == conversation.ContactId).Select(c => c.DisplayName).FirstOrDefaultAsync(ct) ?? "";
        foreach (var member in mentioned)
        {
            notifier.Add(db, conversation.WorkspaceId, member.UserId, MentionKind, $"{authorName}, “{about}”: {clean}", conversation.Id);
        }
        audit.Add(db, "conversation.note", conversation.WorkspaceId, authorUserId, authorName, ConversationActions.AuditTarget(conversation.Id),
            mentioned.Count == 0 ? null : "mentioned " + string.Join(", ", mentioned.Select(m => m.DisplayName)));
        await db.SaveChangesAsync(ct);
        return new(new(), note, mentioned);
    }

    /// <summary>
    /// The members a text mentions: "@" followed by their display name or their e-mail's local part, case and accents
    /// as written, not followed by another letter or digit (so "@ana" does not mention "Anatole").
    /// </summary>
    public static IReadOnlyList<MentionableMember> FindMentions(string text, IEnumerable<MentionableMember> members)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(members);
        if (!text.Contains('@', StringComparison.Ordinal))
        {
            return [];
        }
        var found = new List<MentionableMember>();
        foreach (var member in members)
        {
            var handles = new List<string>();
            if (!string.IsNullOrWhiteSpace(member.DisplayName))
            {
                handles.Add(member.DisplayName.Trim());
            }
            if (member.Email?.Split('@')[0] is { Length: > 0 } local)
            {
                handles.Add(local);
            }
            if (handles.Any(h => Regex.IsMatch(text, @"(?<![\p{L}\p{N}._%+-])@" + Regex.Escape(h) + @"(?![\p{L}\p{N}_@-]|\.[\p{L}\p{N}])",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200))))
            {
                found.Add(member);
            }
        }
        return found;
    }
}
