using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rapport.Channels.Bluesky;

/// <summary>
/// The settings page's fields for a Bluesky channel. The app password is write-only: the page only knows whether
/// one is set, and a new value replaces it on save.
/// </summary>
public sealed class BlueskySettingsForm
{
    public string ServiceUrl { get; set; } = BlueskyChannelSettings.DefaultServiceUrl;
    public string Identifier { get; set; } = "";
    public string AppPassword { get; set; } = "";
    public bool PasswordSet { get; init; }

    public static BlueskySettingsForm From(ChannelDto channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var settings = BlueskyChannelSettings.Read(channel.Settings.GetRawText());
        return new BlueskySettingsForm
        {
            ServiceUrl = string.IsNullOrWhiteSpace(settings.ServiceUrl) ? BlueskyChannelSettings.DefaultServiceUrl : settings.ServiceUrl,
            Identifier = settings.Identifier ?? "",
            PasswordSet = channel.SecretNames.Contains(BlueskyChannelSettings.AppPasswordSecret),
        };
    }

    /// <summary>The channel's settings JSON with these fields written in; other settings (pollMinutes) are kept.</summary>
    public string ApplyTo(string settings)
    {
        JsonObject target;
        try
        {
            target = JsonNode.Parse(string.IsNullOrWhiteSpace(settings) ? "{}" : settings) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            target = [];
        }
        target["serviceUrl"] = ServiceUrl.Trim();
        target["identifier"] = Identifier.Trim().TrimStart('@');
        return target.ToJsonString();
    }

    /// <summary>The secret to save: the new app password, or nothing when the field was left empty.</summary>
    public IEnumerable<KeyValuePair<string, string>> SecretChanges() =>
        AppPassword.Length == 0 ? [] : [new(BlueskyChannelSettings.AppPasswordSecret, AppPassword)];
}
