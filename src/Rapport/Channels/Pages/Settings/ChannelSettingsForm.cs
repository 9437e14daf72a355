using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rapport.Workspaces;

namespace Rapport.Channels.Pages.Settings;

/// <summary>
/// What the settings form of one channel holds while an admin edits it: the settings as JSON (fields the form does
/// not show, such as a chat's public key, are kept), the names of the secrets already saved (never their values) and
/// the new secret values typed, and the rule each field broke on the last save.
/// </summary>
public sealed class ChannelSettingsForm
{
    private readonly JsonObject settings;
    private readonly Dictionary<string, string> newSecrets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RuleViolation> errors = new(StringComparer.Ordinal);

    private ChannelSettingsForm(Guid? channelId, ChannelKind kind, string name, ChannelDirection direction, JsonObject settings, IReadOnlyCollection<string> savedSecrets)
    {
        ChannelId = channelId;
        Kind = kind;
        Name = name;
        Direction = direction;
        this.settings = settings;
        SavedSecrets = savedSecrets;
    }

    /// <summary>The channel edited; null while connecting a new one.</summary>
    public Guid? ChannelId { get; }

    public ChannelKind Kind { get; }

    public string Name { get; set; }

    public ChannelDirection Direction { get; set; }

    public IReadOnlyCollection<string> SavedSecrets { get; }

    /// <summary>A blank form to connect a channel of <paramref name="kind"/>.</summary>
    public static ChannelSettingsForm Connect(ChannelKind kind, string name = "") =>
        new(null, kind, name, DefaultDirection(kind), [], []);

    /// <summary>The form of a saved channel: its settings, and which secrets it has.</summary>
    public static ChannelSettingsForm Edit(ChannelDto channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var settings = JsonNode.Parse(channel.Settings.GetRawText()) as JsonObject ?? [];
        return new(channel.Id, channel.Kind, channel.Name, channel.Direction, settings, channel.SecretNames);
    }

    /// <summary>Where a new channel of this kind usually goes; the admin can choose another.</summary>
    private static ChannelDirection DefaultDirection(ChannelKind kind) => kind == ChannelKind.Feed ? ChannelDirection.Listening : ChannelDirection.Inbox;

    /// <summary>A setting as the field shows it: text, or a number written out.</summary>
    public string Text(string name) => settings[name] switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value when value.TryGetValue<long>(out var number) => number.ToString(CultureInfo.InvariantCulture),
        _ => "",
    };

    /// <summary>Sets a text setting; an empty field removes it, so the channel's default applies.</summary>
    public void SetText(string name, string? value)
    {
        errors.Remove(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            settings.Remove(name);
        }
        else
        {
            settings[name] = value.Trim();
        }
    }

    /// <summary>Sets a number setting. Text that is not a whole number is kept as typed, so the rules say what is wrong with it.</summary>
    public void SetNumber(string name, string? value)
    {
        SetText(name, value);
        if (int.TryParse(value?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            settings[name] = number;
        }
    }

    /// <summary>A list setting (a chat's allowed origins), one item a line.</summary>
    public string Lines(string name) =>
        settings[name] is JsonArray items ? string.Join('\n', items.Select(i => i is JsonValue v && v.TryGetValue<string>(out var s) ? s : "")) : "";

    public void SetLines(string name, string? value)
    {
        errors.Remove(name);
        settings[name] = new JsonArray([.. (value ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => (JsonNode)l)]);
    }

    /// <summary>A text in both languages (a chat's greeting), one language at a time.</summary>
    public string Translation(string name, string language) =>
        settings[name] is JsonObject texts && texts[language] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    public void SetTranslation(string name, string language, string? value)
    {
        errors.Remove(name);
        if (settings[name] is not JsonObject texts)
        {
            texts = [];
            settings[name] = texts;
        }
        if (string.IsNullOrWhiteSpace(value))
        {
            texts.Remove(language);
        }
        else
        {
            texts[language] = value.Trim();
        }
        if (texts.Count == 0)
        {
            settings.Remove(name);
        }
    }

    public bool IsSaved(string secret) => SavedSecrets.Contains(secret);

    /// <summary>The new value typed for a secret; never the saved one, which the form does not have.</summary>
    public string NewSecret(string name) => newSecrets.GetValueOrDefault(name, "");

    /// <summary>A new value replaces the saved secret on save; an empty field keeps it.</summary>
    public void SetSecret(string name, string? value)
    {
        errors.Remove("secrets." + name);
        if (string.IsNullOrEmpty(value))
        {
            newSecrets.Remove(name);
        }
        else
        {
            newSecrets[name] = value;
        }
    }

    /// <summary>The rule a field broke on the last save, or null.</summary>
    public RuleViolation? Error(string field) => errors.GetValueOrDefault(field);

    /// <summary>Keeps the violations to show them by their fields (<c>settings.url</c> shows at the field <c>url</c>).</summary>
    public void Show(IEnumerable<RuleViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        errors.Clear();
        foreach (var violation in violations)
        {
            var field = violation.Field.StartsWith("settings.", StringComparison.Ordinal) ? violation.Field["settings.".Length..] : violation.Field;
            errors.TryAdd(field, violation);
        }
    }

    /// <summary>What the form saves, as the API would receive it: only the secrets typed, so the others stay as they are.</summary>
    public ChannelRequest ToRequest()
    {
        return new ChannelRequest(Name, ChannelId is null ? Kind : null, Direction, JsonSerializer.SerializeToElement(settings),
            newSecrets.Count == 0 ? null : new Dictionary<string, string>(newSecrets), null);
    }
}
