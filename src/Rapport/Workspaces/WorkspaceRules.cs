namespace Rapport.Workspaces;

/// <summary>A rule a request broke: the field, a stable code (the web pages translate it) and the API's English message.</summary>
public sealed record RuleViolation(string Field, string Code, string Message);

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

    [System.Text.RegularExpressions.GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial System.Text.RegularExpressions.Regex HexColor();
}

/// <summary>The rules of teams, for the API and the settings pages.</summary>
public static class TeamRules
{
    public static RuleViolation? CheckName(string? name) =>
        (name?.Trim().Length ?? 0) is 0 or > 100 ? new("name", "Validation.Name100", "A name of 1 to 100 characters is required.") : null;
}
