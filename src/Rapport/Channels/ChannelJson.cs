using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rapport.Channels;

/// <summary>How every channel adapter keeps its settings and state in <see cref="Channel.Settings"/> and <see cref="Channel.State"/>.</summary>
internal static class ChannelJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static T? Read<T>(string? json)
        where T : class
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException)
        {
            // Settings and state are written by Rapport; anything unreadable reads as empty, and the poll then says
            // which setting is missing rather than stopping the channel.
            return null;
        }
    }

    /// <summary>A string property of a network's JSON answer, or null when it is missing or not a string.</summary>
    public static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A network's text cut for an error message, marked as cut.</summary>
    public static string Cut(string value, int length) => value.Length <= length ? value : value[..length] + "…";
}
