using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Rapport.Automation;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Resources;
using Rapport.Workspaces;

namespace Rapport.Audit;

/// <summary>
/// The workspace's people, teams and labels by id and by e-mail address, so the audit log and a conversation's history
/// show names where the log kept an id or an address; and the workspace's time zone for the times it kept.
/// </summary>
public sealed class AuditNames(IReadOnlyDictionary<string, string> names, TimeZoneInfo zone)
{
    public static readonly AuditNames None = new(new Dictionary<string, string>(), TimeZoneInfo.Utc);

    public static async Task<AuditNames> ForWorkspaceAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var people = await db.Memberships.IgnoreQueryFilters().Where(m => m.WorkspaceId == workspaceId)
            .Select(m => new { m.UserId, m.User!.Email, m.User.DisplayName }).ToListAsync(ct);
        foreach (var person in people)
        {
            Add(names, person.UserId, person.DisplayName);
            if (person.Email is { Length: > 0 } email)
            {
                names[email] = person.DisplayName;
            }
        }
        foreach (var team in await db.Teams.IgnoreQueryFilters().Where(t => t.WorkspaceId == workspaceId).Select(t => new { t.Id, t.Name }).ToListAsync(ct))
        {
            Add(names, team.Id, team.Name);
        }
        foreach (var label in await db.Labels.IgnoreQueryFilters().Where(l => l.WorkspaceId == workspaceId).Select(l => new { l.Id, l.Name }).ToListAsync(ct))
        {
            Add(names, label.Id, label.Name);
        }
        var timeZone = await db.Workspaces.IgnoreQueryFilters().Where(w => w.Id == workspaceId).Select(w => w.TimeZone).FirstOrDefaultAsync(ct);
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZone ?? "UTC", out var found) ? found : TimeZoneInfo.Utc;
        return new AuditNames(names, zone);
    }

    private static void Add(Dictionary<string, string> names, Guid id, string name)
    {
        names[id.ToString("D")] = name;
        names[id.ToString("N")] = name;
    }

    /// <summary>The name behind an id or an e-mail address, or the text itself.</summary>
    public string Of(string text) => names.TryGetValue(text.Trim(), out var name) ? name : text;

    public string Local(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("g", CultureInfo.CurrentCulture);
}

/// <summary>
/// An audit entry in the reader's language. The log keeps what happened in stable words (an action such as
/// "conversation.status", values by name: "Resolved", "High", "Agent → Admin", a rule's "priority High, label …"); this
/// tells it in the reader's language, with names instead of ids and e-mail addresses. Entries it does not know show
/// as kept, ids still replaced by names.
/// </summary>
public sealed partial class AuditWords(IStringLocalizer<Strings> l)
{
    /// <summary>What was done ("set the status to"), or the action's name for one these resources do not know.</summary>
    public string Action(string action)
    {
        var text = l["Trail." + action];
        return text.ResourceNotFound ? action : text.Value;
    }

    /// <summary>Who did it: a person's name, or the automation and its rule.</summary>
    public string Actor(string? actorName, AuditNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (actorName is null)
        {
            return l["Conversation.Automation"];
        }
        var prefix = AutomationEngine.AuthorName + ": ";
        return actorName.StartsWith(prefix, StringComparison.Ordinal)
            ? l["Audit.AutomationRule", actorName[prefix.Length..]]
            : names.Of(actorName);
    }

    /// <summary>What it was done to: a person's name rather than their address or id.</summary>
    public string? Target(string? target, AuditNames names) => target is null ? null : names.Of(target);

    /// <summary>The details in the reader's words.</summary>
    public string? Details(string action, string? details, AuditNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (string.IsNullOrEmpty(details))
        {
            return details;
        }
        switch (action)
        {
            case "conversation.status":
                if (SnoozedUntil().Match(details) is { Success: true } snoozed
                    && DateTime.TryParse(snoozed.Groups[2].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var until))
                {
                    return l["Audit.Until", Named<ConversationStatus>("Status.", snoozed.Groups[1].Value), names.Local(until)];
                }
                return Named<ConversationStatus>("Status.", details);
            case "conversation.priority":
                return Named<Priority>("Priority.", details);
            case "conversation.note" when details.StartsWith("mentioned ", StringComparison.Ordinal):
                return l["Audit.Mentioned", details["mentioned ".Length..]];
            case "conversation.merged" when MergedMoved().Match(details) is { Success: true } merged:
                return l["Audit.MessagesMoved", merged.Groups[1].Value];
            case "rule.applied":
                return RuleApplied(details, names);
            case "member.role_changed" when details.Split(" → ") is [var before, var after]:
                return $"{Named<Role>("Role.", before)} → {Named<Role>("Role.", after)}";
            case "member.added" or "invitation.created" or "invitation.accepted" or "token.created":
                return Named<Role>("Role.", details);
            case "channel.created":
                return Named<Channels.ChannelKind>("ChannelKind.", details);
            case "channel.updated":
                return l["Audit.Channel." + details.Replace(' ', '_')] is { ResourceNotFound: false } what ? what.Value : details;
            case "account.profile_changed":
                // "name, language": the fields changed.
                return string.Join(", ", details.Split(", ").Select(part => l["AuditDetail." + part] is { ResourceNotFound: false } field ? field.Value : part));
            case "signin.failed" when details == "unknown e-mail":
                return l["Audit.UnknownEmail"];
            default:
                return Guids().Replace(details, m => names.Of(m.Value));
        }
    }

    /// <summary>A rule's trace, "ConversationCreated: team …, assigned …, priority High", told part by part.</summary>
    private string RuleApplied(string details, AuditNames names)
    {
        var colon = details.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0 || !Enum.TryParse<RuleTrigger>(details[..colon], out var trigger))
        {
            return Guids().Replace(details, m => names.Of(m.Value));
        }
        var rest = details[(colon + 2)..];
        var parts = rest == "nothing to do"
            ? [l["Audit.Rule.Nothing"].Value]
            : rest.Split(", ").Select(part => RulePart(part, names)).ToList();
        return l["Audit.Rule", l["Audit.Rule.When." + trigger], string.Join(", ", parts)];
    }

    private string RulePart(string part, AuditNames names)
    {
        var space = part.IndexOf(' ', StringComparison.Ordinal);
        var (verb, value) = space < 0 ? (part, "") : (part[..space], part[(space + 1)..]);
        return verb switch
        {
            "team" => l["Audit.Rule.Team", names.Of(value)],
            "assigned" => l["Audit.Rule.Assigned", names.Of(value)],
            "label" => l["Audit.Rule.Label", names.Of(value)],
            "notified" => l["Audit.Rule.Notified", names.Of(value)],
            // Inside a sentence a value is a word, not a title: "priorité haute", "priority high".
            "priority" => l["Audit.Rule.Priority", Named<Priority>("Priority.", value).ToLower(CultureInfo.CurrentCulture)],
            "status" => l["Audit.Rule.Status", Named<ConversationStatus>("Status.", value).ToLower(CultureInfo.CurrentCulture)],
            _ when part == "set aside as noise" => l["Audit.Rule.Noise"],
            _ when part == "reply queued" => l["Audit.Rule.Reply"],
            _ when part == "every member at capacity: left for the team" => l["Audit.Rule.TeamFull"],
            _ when part.EndsWith(" at capacity: not assigned", StringComparison.Ordinal) => l["Audit.Rule.Full", names.Of(verb)],
            _ => Guids().Replace(part, m => names.Of(m.Value)),
        };
    }

    /// <summary>An enum value kept by name, in the reader's words; anything else (a custom status's name) as kept.</summary>
    private string Named<TEnum>(string prefix, string value) where TEnum : struct, Enum
    {
        if (!Enum.TryParse<TEnum>(value, out var parsed) || !Enum.IsDefined(parsed))
        {
            return value;
        }
        var text = l[prefix + parsed];
        return text.ResourceNotFound ? value : text.Value;
    }

    [GeneratedRegex(@"^(\w+) until (.+)$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SnoozedUntil();

    [GeneratedRegex(@"; (\d+) messages moved$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MergedMoved();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Guids();
}
