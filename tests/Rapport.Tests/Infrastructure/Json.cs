using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rapport.Tests.Infrastructure;

/// <summary>Reads API responses as a client would: web defaults, enums as names.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
