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
