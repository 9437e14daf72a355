using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>A rule a request broke: the field, a stable code (the web pages translate it) and the API's English message.</summary>
public sealed record RuleViolation(string Field, string Code, string Message);

/// <summary>What a feature service's save or delete came to: the item, or why not (a rule broken, or no such item).</summary>
public sealed record Change<T>(T? Item, RuleViolation? Violation) where T : class
{
    public static readonly Change<T> NotFound = new(null, null);

    public bool Saved => Item is not null;
}

/// <summary>The rules a workspace's name, language and time zone follow, wherever they are set (setup, API, settings page).</summary>
public static class WorkspaceRules
{
    public const int MaxNameLength = 200;

    public static RuleViolation? CheckName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxNameLength
            ? new("name", "Validation.WorkspaceName", "A name of 1 to 200 characters is required.")
            : null;

    public static RuleViolation? CheckCulture(string? culture) =>
        culture is "fr" or "en" ? null : new("defaultCulture", "Validation.Language", "The language is \"fr\" or \"en\".");

    public static RuleViolation? CheckTimeZone(string? timeZone) =>
        !string.IsNullOrEmpty(timeZone) && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _)
            ? null
            : new("timeZone", "Validation.TimeZone", "Unknown time zone; use an IANA name such as Europe/Paris.");
}

/// <summary>The IANA time zones this machine knows, for pickers.</summary>
public static class TimeZoneChoices
{
    public static IReadOnlyList<string> All { get; } =
        [.. TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Where(id => id.Contains('/', StringComparison.Ordinal) || id == "UTC").Order(StringComparer.Ordinal)];
}

/// <summary>The rules of labels, for the API and the settings pages.</summary>
public static partial class LabelRules
{
    public static RuleViolation? CheckName(string? name) =>
        (name?.Trim().Length ?? 0) is 0 or > 60 ? new("name", "Validation.Name60", "A name of 1 to 60 characters is required.") : null;

    public static RuleViolation? CheckColor(string? color) =>
        color is not null && !HexColor().IsMatch(color) ? new("color", "Validation.Color", "A colour is written #rrggbb.") : null;

    /// <summary>Checks a label's name (unique in its workspace) and colour, then sets them; a null colour keeps the current one.</summary>
    public static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, Label label, string? name, string? color, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(label);
        if ((CheckName(name) ?? CheckColor(color)) is { } violation)
        {
            return violation;
        }
        var trimmed = name!.Trim();
        if (await db.Labels.AnyAsync(l => l.Name == trimmed && l.Id != label.Id, ct))
        {
            return new("name", "Validation.LabelTaken", "Another label already has this name.");
        }
        label.Name = trimmed;
        label.Color = color ?? label.Color;
        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial System.Text.RegularExpressions.Regex HexColor();
}

/// <summary>The rules of teams, for the API and the settings pages.</summary>
public static class TeamRules
{
    public static RuleViolation? CheckName(string? name) =>
        (name?.Trim().Length ?? 0) is 0 or > 100 ? new("name", "Validation.Name100", "A name of 1 to 100 characters is required.") : null;

    /// <summary>
    /// Checks a team's name (unique in its workspace) and members (only the workspace's own), then sets them.
    /// </summary>
    public static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, Team team, string? name, IEnumerable<Guid>? memberIds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(team);
        if (CheckName(name) is { } violation)
        {
            return violation;
        }
        var trimmed = name!.Trim();
        if (await db.Teams.AnyAsync(t => t.Name == trimmed && t.Id != team.Id, ct))
        {
            return new("name", "Validation.TeamTaken", "Another team already has this name.");
        }
        var wanted = (memberIds ?? []).Distinct().ToList();
        var valid = await db.Memberships.Where(m => wanted.Contains(m.UserId)).Select(m => m.UserId).ToListAsync(ct);
        if (valid.Count != wanted.Count)
        {
            return new("memberIds", "Validation.TeamMembers", "Every team member must be a member of the workspace.");
        }
        team.Name = trimmed;
        team.Members.RemoveAll(m => !wanted.Contains(m.UserId));
        foreach (var id in wanted.Where(id => team.Members.All(m => m.UserId != id)))
        {
            team.Members.Add(new TeamMember { TeamId = team.Id, UserId = id });
        }
        return null;
    }
}
