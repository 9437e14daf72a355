using System.Text.Json;
using Rapport.Workspaces;

namespace Rapport.Channels;

/// <summary>What a channel's name, settings and secrets must look like, for the API and the settings page.</summary>
public static class ChannelRules
{
    public static RuleViolation? CheckName(string? name) =>
        (name?.Trim().Length ?? 0) is 0 or > 100 ? new("name", "Validation.Name100", "A name of 1 to 100 characters is required.") : null;

    public static RuleViolation? CheckKind(ChannelKind? kind) =>
        kind is null || !Enum.IsDefined(kind.Value)
            ? new("kind", "Validation.ChannelKind", "A channel kind is required: " + string.Join(", ", Enum.GetNames<ChannelKind>()) + ".")
            : null;

    /// <summary>A channel keeps its kind; another kind is another channel.</summary>
    public static RuleViolation? CheckKindChange(ChannelKind current, ChannelKind? wanted) =>
        wanted is { } kind && kind != current
            ? new("kind", "Validation.ChannelKindFixed", "A channel's kind cannot change; connect a new channel instead.")
            : null;

    public static RuleViolation? CheckDirection(ChannelDirection direction) =>
        Enum.IsDefined(direction) ? null : new("direction", "Validation.ChannelDirection", "The direction is Inbox, Listening or Publishing.");

    public static RuleViolation? CheckSettings(JsonElement settings) =>
        settings.ValueKind == JsonValueKind.Object ? null : SettingsNotAnObject;

    /// <summary>
    /// The settings to store: what the admin saved, with the parts Rapport owns put back (a chat channel's public key,
    /// made on creation and never taken from the request).
    /// </summary>
    public static string OwnSettings(ChannelKind kind, string previous, string saved) =>
        kind == ChannelKind.Chat ? Chat.ChatSettings.KeepPublicKey(previous, saved) : saved;

    private static readonly RuleViolation SettingsNotAnObject = new("settings", "Validation.SettingsObject", "Settings are a JSON object.");

    public static RuleViolation? CheckSecrets(IReadOnlyDictionary<string, string>? secrets) =>
        secrets is not null && secrets.Any(kv => kv.Key.Length is 0 or > 64 || kv.Value?.Length > 8192)
            ? new("secrets", "Validation.Secrets", "Secret names are 1 to 64 characters and values at most 8 KiB.")
            : null;
}
