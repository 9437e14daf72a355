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
}
