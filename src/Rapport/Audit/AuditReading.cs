using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Rapport.Data;
using Rapport.Resources;

namespace Rapport.Audit;

/// <summary>What the audit page asks for: a kind of action ("member", "signin"…), one person's actions, a period.</summary>
public sealed record AuditFilter(string? Kind = null, Guid? ActorUserId = null, DateTime? From = null, DateTime? To = null);

/// <summary>One audit line as a head of care reads it: names, not ids or e-mails, in the reader's language.</summary>
public sealed record AuditLine(long Id, DateTime At, string Kind, string Action, string Who, string? Concerning, string? ConversationUrl, string? Details);

/// <summary>
/// Reads the workspace's audit log for people: filters by kind, person and period, a page at a time (newest first, keyed
/// on the id like the API's cursor), and turns stored ids, e-mails and enum names into words. The stored entries stay as
/// they were written (the API returns them raw); only their reading changes.
/// </summary>
public static class AuditReading
{
    /// <summary>The kinds of action, each the first part of the action's dotted name.</summary>
    public static readonly string[] Kinds = ["signin", "account", "member", "invitation", "token", "workspace", "channel", "article", "conversation", "rule", "job"];

    private const string ConversationPrefix = "conversation:";

    public static async Task<(List<AuditLine> Lines, long? Next)> ReadAsync(
        RapportDbContext db, Guid workspaceId, AuditFilter filter, long? before, int pageSize, IStringLocalizer<Strings> words)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(words);
        // The log is not workspace-filtered by the context (it holds sign-ins too): scope it here.
        var query = db.AuditEntries.AsNoTracking().Where(a => a.WorkspaceId == workspaceId);
        if (filter.Kind is { Length: > 0 } kind)
        {
            var prefix = kind + ".";
            query = query.Where(a => a.Action.StartsWith(prefix));
        }
        if (filter.ActorUserId is { } actor)
        {
            query = query.Where(a => a.ActorUserId == actor);
        }
        if (filter.From is { } from)
        {
            query = query.Where(a => a.At >= from);
        }
        if (filter.To is { } to)
        {
            query = query.Where(a => a.At < to);
        }
        if (before is { } b)
        {
            query = query.Where(a => a.Id < b);
        }
        var page = await query.OrderByDescending(a => a.Id).Take(pageSize + 1).ToListAsync();
        var entries = page.Take(pageSize).ToList();
        var names = await NamesAsync(db, workspaceId, entries);
        var known = await AuditNames.ForWorkspaceAsync(db, workspaceId);
        var told = new AuditWords(words);
        var lines = entries.Select(e => Line(e, names, known, told, words)).ToList();
        return (lines, page.Count > pageSize ? entries[^1].Id : null);
    }

    /// <summary>The people and conversations the page's entries mention, looked up once per page.</summary>
    private sealed record Names(Dictionary<Guid, string> People, Dictionary<string, string> PeopleByEmail, Dictionary<Guid, string> Conversations);

    private static async Task<Names> NamesAsync(RapportDbContext db, Guid workspaceId, List<AuditEntry> entries)
    {
        var ids = new HashSet<Guid>();
        var emails = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var conversations = new HashSet<Guid>();
        foreach (var entry in entries)
        {
            if (entry.ActorUserId is { } actor)
            {
                ids.Add(actor);
            }
            if (ConversationOf(entry) is { } conversation)
            {
                conversations.Add(conversation);
            }
            else if (Guid.TryParse(entry.Target, out var id))
            {
                ids.Add(id);
            }
            else if (entry.Target?.Contains('@', StringComparison.Ordinal) == true)
            {
                emails.Add(entry.Target.ToUpperInvariant());
            }
        }
        var people = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id) || emails.Contains(u.NormalizedEmail!))
            .Select(u => new { u.Id, u.DisplayName, u.Email }).ToListAsync();
        var titles = await db.Conversations.AsNoTracking().IgnoreQueryFilters()
            .Where(c => c.WorkspaceId == workspaceId && conversations.Contains(c.Id))
            .Select(c => new { c.Id, c.Subject, Contact = c.Contact!.DisplayName }).ToListAsync();
        return new Names(
            people.ToDictionary(p => p.Id, p => p.DisplayName),
            people.Where(p => p.Email is not null).GroupBy(p => p.Email!, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().DisplayName, StringComparer.OrdinalIgnoreCase),
            titles.ToDictionary(c => c.Id, c => string.IsNullOrWhiteSpace(c.Subject) ? c.Contact : $"{c.Contact} · {c.Subject}"));
    }

    /// <summary>Conversation actions name their conversation as "conversation:{id}"; rules applied name it by its id alone.</summary>
    private static Guid? ConversationOf(AuditEntry entry) =>
        entry.Target is { } target && target.StartsWith(ConversationPrefix, StringComparison.Ordinal) && Guid.TryParse(target[ConversationPrefix.Length..], out var id)
            ? id
            : entry.Action.StartsWith("rule.", StringComparison.Ordinal) && Guid.TryParse(entry.Target, out var ruleTarget) ? ruleTarget : null;

    private static AuditLine Line(AuditEntry entry, Names names, AuditNames known, AuditWords told, IStringLocalizer<Strings> words)
    {
        var kind = KindOf(entry.Action);
        // A person by their current name; an automation rule as "Automation (rule)"; nobody is Rapport itself.
        var who = entry.ActorUserId is { } actor && names.People.TryGetValue(actor, out var person) ? person
            : entry.ActorName is { Length: > 0 } name ? (names.PeopleByEmail.TryGetValue(name, out var byEmail) ? byEmail : told.Actor(name, known))
            : words["Audit.Rapport"].Value;
        string? concerning = entry.Target;
        string? url = null;
        if (ConversationOf(entry) is { } conversation)
        {
            concerning = names.Conversations.TryGetValue(conversation, out var title) ? title : words["Audit.DeletedConversation"].Value;
            url = $"/conversations/{conversation}";
        }
        else if (Guid.TryParse(entry.Target, out var id))
        {
            concerning = names.People.TryGetValue(id, out var target) ? target : words["Audit.Someone"].Value;
        }
        else if (entry.Target is { } email && names.PeopleByEmail.TryGetValue(email, out var named))
        {
            concerning = named;
        }
        return new AuditLine(entry.Id, entry.At, kind, ActionWords(entry.Action, words), who, concerning, url, told.Details(entry.Action, entry.Details, known));
    }

    public static string KindOf(string action) => action.Split('.', 2)[0];

    /// <summary>The action in the reader's words; one this page does not know yet shows its name.</summary>
    public static string ActionWords(string action, IStringLocalizer<Strings> words)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(words);
        var text = words["AuditAction." + action];
        if (!text.ResourceNotFound)
        {
            return text.Value;
        }
        var trail = words["Trail." + action];
        return trail.ResourceNotFound ? action : trail.Value;
    }
}
