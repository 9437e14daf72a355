using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Rapport.Workspaces;

namespace Rapport.Channels.Chat;

/// <summary>A text the brand writes in both languages; the widget shows the visitor's.</summary>
public sealed record ChatText(string? En, string? Fr)
{
    public string? For(string language) => language == "fr" ? Fr ?? En : En ?? Fr;
}

/// <summary>
/// A chat channel's non-secret settings, kept in <see cref="Channel.Settings"/>:
/// <c>{"publicKey": "pk_…", "allowedOrigins": ["https://www.brand.example"], "greeting": {"en": "…", "fr": "…"}, "offlineText": {"en": "…", "fr": "…"}}</c>.
/// The public key is Rapport's, not the admin's: it is made when the channel is created and kept on every save, so no
/// workspace can claim another brand's key and receive its visitors.
/// </summary>
public sealed record ChatSettings(string? PublicKey, IReadOnlyList<string> AllowedOrigins, ChatText Greeting, ChatText OfflineText)
{
    public const string PublicKeyPrefix = "pk_";
    public const int MaxTextLength = 500;
    public const int MaxOrigins = 20;

    public static ChatSettings Read(string? json)
    {
        try
        {
            var root = JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json) as JsonObject ?? [];
            var origins = root["allowedOrigins"] is JsonArray array
                ? array.Select(o => o is JsonValue v && v.TryGetValue<string>(out var s) ? NormalizeOrigin(s) : null).OfType<string>().Distinct().ToList()
                : [];
            return new(Text(root, "publicKey"), origins, Texts(root["greeting"]), Texts(root["offlineText"]));
        }
        catch (JsonException)
        {
            return new(null, [], new(null, null), new(null, null));
        }
    }

    /// <summary>Whether a browser page at <paramref name="origin"/> (the Origin header) may talk to this chat.</summary>
    public bool Allows(string? origin) => NormalizeOrigin(origin) is { } normalized && AllowedOrigins.Contains(normalized, StringComparer.Ordinal);

    /// <summary>
    /// The settings an admin saved, with the channel's public key put back (or made, for a new channel): whatever the
    /// admin wrote as <c>publicKey</c> is ignored.
    /// </summary>
    public static string KeepPublicKey(string? previousSettings, string newSettings)
    {
        var key = Read(previousSettings).PublicKey is { } existing && IsWellFormedKey(existing) ? existing : NewPublicKey();
        var root = JsonNode.Parse(string.IsNullOrWhiteSpace(newSettings) ? "{}" : newSettings) as JsonObject ?? [];
        root["publicKey"] = key;
        return root.ToJsonString();
    }

    /// <summary>What must hold for the settings of a chat channel: origins that are site addresses, texts of bounded length.</summary>
    public static RuleViolation? Check(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root["allowedOrigins"] is { } origins
            && (origins is not JsonArray list || list.Count > MaxOrigins
                || list.Any(o => o is not JsonValue v || !v.TryGetValue<string>(out var s) || NormalizeOrigin(s) is null)))
        {
            return new("settings.allowedOrigins", "Validation.ChatOrigins",
                $"allowedOrigins is a list of at most {MaxOrigins} site addresses such as \"https://www.example.com\" (scheme, host and port only).");
        }
        foreach (var name in (string[])["greeting", "offlineText"])
        {
            if (root[name] is { } text
                && (text is not JsonObject texts
                    || texts.Any(t => t.Value is not JsonValue v || !v.TryGetValue<string>(out var s) || s.Length > MaxTextLength)))
            {
                return new($"settings.{name}", "Validation.ChatTexts", $"{name} is {{\"en\": \"…\", \"fr\": \"…\"}}, each text at most {MaxTextLength} characters.");
            }
        }
        return null;
    }

    /// <summary>"https://www.Brand.example:443/path" is the origin "https://www.brand.example"; anything but http(s) is none.</summary>
    public static string? NormalizeOrigin(string? origin) =>
        Uri.TryCreate(origin?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo)
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    /// <summary>Keys are "pk_" and 22 URL-safe characters (128 random bits): anything else is refused before a lookup.</summary>
    public static bool IsWellFormedKey(string? key) =>
        key is { Length: 25 } && key.StartsWith(PublicKeyPrefix, StringComparison.Ordinal)
        && key.AsSpan(PublicKeyPrefix.Length).ContainsAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") is false;

    private static string NewPublicKey() => PublicKeyPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    private static string? Text(JsonObject root, string name) =>
        root[name] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    private static ChatText Texts(JsonNode? node) =>
        node is JsonObject texts ? new(Text(texts, "en"), Text(texts, "fr")) : new(null, null);
}
