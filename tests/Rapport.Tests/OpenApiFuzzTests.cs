using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests;

/// <summary>
/// Every operation of the OpenAPI document, called with hostile values in each parameter and body field, one at a time:
/// edge dates, NUL and control characters, lone surrogates, bidi overrides, huge strings, negative and huge numbers,
/// wrong types, unknown ids and another workspace's ids. Not one may answer 500, nor an error without problem details,
/// and a refused call leaves every table as it found it (nothing half-written).
/// </summary>
public class OpenApiFuzzTests
{
    private const string LoneSurrogate = "@@lone-surrogate@@";

    private static readonly string[] HostileTexts =
    [
        "\0", "a\0b", "\u0001\u001f\u007f", LoneSurrogate, "\u202Eevil\u202C", new string('x', 100_000), "9999-12-31T23:59:59Z", "-1", "",
    ];

    private static readonly JsonNode?[] HostileScalars =
    [
        JsonValue.Create(-1), JsonValue.Create(long.MaxValue), JsonValue.Create(1e308), JsonValue.Create(true), null,
        JsonValue.Create("9999-12-31T23:59:59Z"), JsonValue.Create("0001-01-01T00:00:00Z"), new JsonArray(), new JsonObject(),
    ];

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task EveryOperation_WithHostileValues_NeverAnswers500_AndErrorsAreProblemDetails(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id);
        var (_, other) = await factory.CreateOwnerAsync("other@example.com", "Other");
        var otherChannel = await factory.CreateChannelAsync(other.Id);
        var client = await factory.TokenClientAsync(workspace.Id, Role.Owner);
        using var document = JsonDocument.Parse(await (await factory.CreateClient().GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync());
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var failures = new List<string>();
        var calls = 0;
        await using var db = factory.OpenDb();
        var rows = new RowCounts(db);

        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var parameters = operation.Value.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
                var body = JsonBody(operation.Value, schemas);
                // Sane values for everything, then one hostile value at a time.
                var sane = parameters.ToDictionary(x => x.GetProperty("name").GetString()!, x => SaneValue(x, workspace.Id, channel.Id));
                var variants = new List<(string What, Dictionary<string, string?> Values, string? Body)>();
                foreach (var parameter in parameters)
                {
                    var name = parameter.GetProperty("name").GetString()!;
                    var isPath = parameter.GetProperty("in").GetString() == "path";
                    IEnumerable<string?> hostile = isPath
                        ? [Guid.Empty.ToString(), Guid.NewGuid().ToString(), other.Id.ToString(), otherChannel.Id.ToString(), "not-an-id", "-1"]
                        : [.. HostileTexts.Select(t => t == LoneSurrogate ? "%ED%A0%80" : Uri.EscapeDataString(t.Length > 1000 ? t[..1000] : t)),
                            "0001-01-01", "9999-12-31T23:59:59Z", "-9223372036854775809", "99999999999", other.Id.ToString()];
                    foreach (var value in hostile)
                    {
                        variants.Add(($"{name}={Shorten(value)}", new Dictionary<string, string?>(sane) { [name] = value }, body is null ? null : Serialize(body)));
                    }
                }
                if (body is not null)
                {
                    foreach (var field in body.Select(f => f.Key).ToList())
                    {
                        foreach (var value in HostileTexts.Select(t => (JsonNode?)JsonValue.Create(t)).Concat(HostileScalars.Select(s => s?.DeepClone()))
                            .Append(JsonValue.Create(other.Id)).Append(JsonValue.Create(otherChannel.Id)))
                        {
                            var changed = (JsonObject)body.DeepClone();
                            changed[field] = value;
                            variants.Add(($"body.{field}={Shorten(value?.ToJsonString())}", sane, Serialize(changed)));
                        }
                    }
                    variants.Add(("body=[]", sane, "[]"));
                    variants.Add(("body=\"\\u0000\"", sane, "\"\\u0000\""));
                }

                foreach (var (what, values, json) in variants)
                {
                    var (url, query) = (path.Name, new List<string>());
                    foreach (var parameter in parameters)
                    {
                        var name = parameter.GetProperty("name").GetString()!;
                        if (parameter.GetProperty("in").GetString() == "path")
                        {
                            url = url.Replace("{" + name + "}", values[name], StringComparison.Ordinal);
                        }
                        else if (parameter.GetProperty("in").GetString() == "query" && values[name] is { } v)
                        {
                            query.Add($"{name}={v}");
                        }
                    }
                    using var request = new HttpRequestMessage(method, url + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
                    if (json is not null)
                    {
                        request.Content = new StringContent(json, Encoding.UTF8);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    }
                    else if (operation.Value.TryGetProperty("requestBody", out _))
                    {
                        // A file upload: its bytes are hostile too.
                        request.Content = new StringContent("external_id,text\n\0,\u202E\n", Encoding.UTF8);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
                    }
                    // Reads never write; counting around them only slows the test.
                    var before = method == HttpMethod.Get ? null : await rows.ReadAsync();
                    using var response = await client.SendAsync(request);
                    calls++;
                    var status = (int)response.StatusCode;
                    var type = response.Content.Headers.ContentType?.MediaType;
                    if (status >= 500 || (status >= 400 && type != "application/problem+json"))
                    {
                        var text = await response.Content.ReadAsStringAsync();
                        failures.Add($"{method} {path.Name} {what}: {status} {type} {Shorten(text)}");
                    }
                    else if (status >= 400 && before is not null && RowCounts.Changed(before, await rows.ReadAsync(), path.Name) is { Length: > 0 } changed)
                    {
                        failures.Add($"{method} {path.Name} {what}: {status} but rows changed in {changed}");
                    }
                }
            }
        }

        Assert.True(calls > 500, $"Only {calls} calls: the document was not read.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls failed:\n" + string.Join('\n', failures.Distinct().Take(60)));
    }

    /// <summary>
    /// The number of rows in every table of the model, read in one query. A refused call must leave each as it was;
    /// counts catch the half-written case that matters (a conversation stored without its message, a channel without its
    /// settings), since every write of one request is one transaction.
    /// </summary>
    private sealed class RowCounts(Rapport.Data.RapportDbContext db)
    {
        // The scheduler writes its job runs and the watchers their leases on their own clock, whatever the request did.
        private readonly List<string> tables = [.. db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct()
            .Where(t => t is not ("JobRuns" or "ChannelWatchLeases"))];

        public async Task<Dictionary<string, long>> ReadAsync()
        {
            var connection = db.Database.GetDbConnection();
            if (connection.State != System.Data.ConnectionState.Open)
            {
                await connection.OpenAsync();
            }
            await using var command = connection.CreateCommand();
            command.CommandText = string.Join(" UNION ALL ", tables.Select((t, i) => $"SELECT {i}, COUNT(*) FROM \"{t}\""));
            var counts = new Dictionary<string, long>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                counts[tables[Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)]] = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
            }
            return counts;
        }

        /// <summary>The tables whose count changed, but for the one record a refusal is meant to leave: a failed sign-in is audited.</summary>
        public static string Changed(Dictionary<string, long> before, Dictionary<string, long> after, string path) =>
            string.Join(", ", before.Where(b => after[b.Key] != b.Value && !(path.EndsWith("/auth/signin", StringComparison.Ordinal) && b.Key == "AuditEntries"))
                .Select(b => $"{b.Key} {b.Value}→{after[b.Key]}"));
    }

    private static string? SaneValue(JsonElement parameter, Guid workspaceId, Guid channelId)
    {
        var name = parameter.GetProperty("name").GetString()!;
        if (name == "workspaceId")
        {
            return workspaceId.ToString();
        }
        if (name == "channelId")
        {
            return channelId.ToString();
        }
        if (parameter.GetProperty("in").GetString() == "path")
        {
            return Guid.NewGuid().ToString();
        }
        return null;
    }

    /// <summary>The JSON body an operation takes, with a plain value for each field; null when it takes none.</summary>
    private static JsonObject? JsonBody(JsonElement operation, JsonElement schemas)
    {
        if (!operation.TryGetProperty("requestBody", out var requestBody) || !requestBody.TryGetProperty("content", out var content)
            || !content.TryGetProperty("application/json", out var json) || !json.TryGetProperty("schema", out var schema))
        {
            return null;
        }
        schema = Resolve(schema, schemas);
        var body = new JsonObject();
        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                body[property.Name] = Plain(Resolve(property.Value, schemas));
            }
        }
        return body;
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement schemas) =>
        schema.TryGetProperty("$ref", out var reference) && reference.GetString() is { } r && r.StartsWith("#/components/schemas/", StringComparison.Ordinal)
            ? schemas.GetProperty(r["#/components/schemas/".Length..])
            : schema;

    private static JsonNode? Plain(JsonElement schema)
    {
        var type = schema.TryGetProperty("type", out var t)
            ? t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()).FirstOrDefault(x => x != "null") : t.GetString()
            : null;
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        return (type, format) switch
        {
            ("string", "uuid") => JsonValue.Create(Guid.NewGuid()),
            ("string", "date-time") => JsonValue.Create("2026-11-20T09:00:00Z"),
            ("string", "date") => JsonValue.Create("2026-11-20"),
            ("string", _) when schema.TryGetProperty("enum", out var values) => JsonValue.Create(values[0].ToString()),
            ("string", _) => JsonValue.Create("plain"),
            ("integer" or "number", _) => JsonValue.Create(1),
            ("boolean", _) => JsonValue.Create(false),
            ("array", _) => new JsonArray(),
            ("object", _) => new JsonObject(),
            _ => null,
        };
    }

    /// <summary>JSON text; a lone surrogate can only be written escaped by hand.</summary>
    private static string Serialize(JsonObject body) =>
        body.ToJsonString().Replace($"\"{LoneSurrogate}\"", "\"\\ud800x\"", StringComparison.Ordinal);

    private static string Shorten(string? text) => text is null ? "null" : text.Length > 60 ? text[..60] + "…" : text;
}
