using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Rapport.Analysis.Evaluation;
using Rapport.Ingest;

namespace Rapport.Channels.Import;

/// <summary>One row of an import file: an item for ingest, the reason it was refused, or a row left out on purpose.</summary>
public sealed record ImportRow(long Line, InboundItem? Item, string? Error)
{
    /// <summary>A brand's own reply in a "Customer Support on Twitter" file: ingest takes inbound messages only.</summary>
    public bool BrandReply { get; init; }
}

/// <summary>
/// Reads the documented import formats into <see cref="InboundItem"/>s, streaming.
/// JSON: an array of objects { externalId, authorHandle, authorName, text, createdAt, inReplyToExternalId, threadId, subject, isPublic }.
/// CSV: a header row naming the same columns (snake_case accepted: external_id, author_handle or author, author_name, text,
/// created_at, in_reply_to, thread_id, subject, is_public), or the layout of the public "Customer Support on Twitter"
/// export (tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id), told by its header;
/// in JSON, objects with those fields (told by tweet_id and inbound).
/// </summary>
public static class MessageFile
{
    public static IAsyncEnumerable<ImportRow> ReadAsync(Stream stream, string fileName, Guid channelId, CancellationToken ct = default) =>
        Path.GetExtension(fileName).Equals(".json", StringComparison.OrdinalIgnoreCase)
            ? ReadJsonAsync(stream, channelId, ct)
            : ReadCsv(stream, channelId, ct).ToAsyncEnumerable();

    private static async IAsyncEnumerable<ImportRow> ReadJsonAsync(Stream stream, Guid channelId, [EnumeratorCancellation] CancellationToken ct)
    {
        long line = 0;
        var brandReplies = new Dictionary<string, string?>(StringComparer.Ordinal);
        var rows = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: ct);
        await using var enumerator = rows.GetAsyncEnumerator(ct);
        while (true)
        {
            ImportRow? failure = null;
            bool more;
            try
            {
                more = await enumerator.MoveNextAsync();
            }
            catch (JsonException e)
            {
                // The rest of a broken JSON file cannot be read reliably: report where it broke and stop.
                more = false;
                failure = new ImportRow(line + 1, null, $"Invalid JSON: {e.Message}");
            }
            if (failure is not null)
            {
                yield return failure;
            }
            if (!more)
            {
                yield break;
            }
            line++;
            var e2 = enumerator.Current;
            if (e2.ValueKind != JsonValueKind.Object)
            {
                yield return new ImportRow(line, null, "Each item must be a JSON object.");
                continue;
            }
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in e2.EnumerateObject())
            {
                fields[Normalize(p.Name)] = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => p.Value.GetRawText(),
                };
            }
            // The "Customer Support on Twitter" fields, told object by object: tweet_id and inbound.
            if (fields.ContainsKey("tweetid") && fields.TryGetValue("inbound", out var inbound))
            {
                fields = fields.ToDictionary(f => TwitterColumn(f.Key), f => f.Value, StringComparer.OrdinalIgnoreCase);
                if (!ThreadTweet(fields, inbound ?? "", brandReplies))
                {
                    yield return new ImportRow(line, null, null) { BrandReply = true };
                    continue;
                }
            }
            yield return ToRow(line, fields, channelId, e2.GetRawText());
        }
    }

    /// <summary>
    /// Brand replies remembered to thread the customer's next tweet past them: a bounded map, forgotten when full, so
    /// memory stays flat on files of any size (a customer answering a forgotten reply still joins their latest conversation).
    /// </summary>
    private const int MaxRememberedBrandReplies = 100_000;

    private static IEnumerable<ImportRow> ReadCsv(Stream stream, Guid channelId, CancellationToken ct)
    {
        using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        string[]? header = null;
        var twitter = false;
        var inboundColumn = -1;
        var brandReplies = new Dictionary<string, string?>(StringComparer.Ordinal);
        long line = 0;
        foreach (var record in CsvTable.ReadRecords(reader))
        {
            ct.ThrowIfCancellationRequested();
            line++;
            if (header is null)
            {
                header = record.Select(Normalize).ToArray();
                twitter = header.Contains("tweetid") && header.Contains("inbound") && header.Contains("inresponsetotweetid");
                if (twitter)
                {
                    inboundColumn = Array.IndexOf(header, "inbound");
                    header = [.. header.Select(TwitterColumn)];
                }
                if (!header.Contains("text") || !header.Contains("externalid"))
                {
                    yield return new ImportRow(line, null, "The header must name at least the columns external_id and text.");
                    yield break;
                }
                continue;
            }
            if (record.Length != header.Length)
            {
                yield return new ImportRow(line, null, $"Expected {header.Length} fields, found {record.Length}.");
                continue;
            }
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Length; i++)
            {
                fields[header[i]] = record[i];
            }
            if (twitter && !ThreadTweet(fields, record[inboundColumn], brandReplies))
            {
                yield return new ImportRow(line, null, null) { BrandReply = true };
                continue;
            }
            yield return ToRow(line, fields, channelId, JsonSerializer.Serialize(fields));
        }
    }

    /// <summary>A "Customer Support on Twitter" column under the documented name it stands for.</summary>
    private static string TwitterColumn(string column) => column switch
    {
        "tweetid" => "externalid",
        "authorid" => "author",
        "inresponsetotweetid" => "inreplyto",
        _ => column,
    };

    /// <summary>
    /// Tweets are public; a brand reply (inbound False) is remembered with the tweet it answers and left out; a
    /// customer tweet answering a brand reply is threaded to what that reply answered. False for a brand reply.
    /// </summary>
    private static bool ThreadTweet(Dictionary<string, string?> fields, string inbound, Dictionary<string, string?> brandReplies)
    {
        fields["ispublic"] = "true";
        var parent = Get(fields, "inreplyto") is { } p ? TweetId(p) : null;
        if (parent is not null && brandReplies.TryGetValue(parent, out var answered))
        {
            parent = answered;
        }
        fields["inreplyto"] = parent;
        if (!inbound.Trim().Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (Get(fields, "externalid") is { } id)
        {
            if (brandReplies.Count >= MaxRememberedBrandReplies)
            {
                brandReplies.Clear();
            }
            brandReplies[TweetId(id)] = parent;
        }
        return false;
    }

    /// <summary>Ids written by a spreadsheet or pandas come as "119237.0".</summary>
    private static string TweetId(string id) => id.Trim() is var t && t.EndsWith(".0", StringComparison.Ordinal) ? t[..^2] : t;

    private static ImportRow ToRow(long line, Dictionary<string, string?> f, Guid channelId, string raw)
    {
        var externalId = Get(f, "externalid");
        var text = Get(f, "text");
        var author = Get(f, "authorhandle") ?? Get(f, "author") ?? Get(f, "authorid");
        if (string.IsNullOrWhiteSpace(externalId))
        {
            return new ImportRow(line, null, "external_id is empty.");
        }
        if (text is null)
        {
            return new ImportRow(line, null, "text is missing.");
        }
        if (text.Length > IngestService.MaxTextLength)
        {
            return new ImportRow(line, null, $"text is longer than {IngestService.MaxTextLength} characters.");
        }
        if (string.IsNullOrWhiteSpace(author))
        {
            return new ImportRow(line, null, "author is empty.");
        }
        DateTime? createdAt = null;
        if (Get(f, "createdat") is { Length: > 0 } when)
        {
            if (!DateTime.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
                && !DateTime.TryParseExact(when, "ddd MMM dd HH:mm:ss zzz yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out parsed))
            {
                return new ImportRow(line, null, $"created_at \"{when}\" is not a date.");
            }
            createdAt = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        }
        var isPublic = Get(f, "ispublic") is { } p && (p.Equals("true", StringComparison.OrdinalIgnoreCase) || p == "1");
        return new ImportRow(line, new InboundItem
        {
            ChannelId = channelId,
            ExternalId = externalId.Trim(),
            AuthorHandle = author.Trim(),
            AuthorName = Get(f, "authorname"),
            Text = text,
            CreatedAt = createdAt,
            InReplyToExternalId = Get(f, "inreplyto") ?? Get(f, "inreplytoexternalid"),
            ThreadId = Get(f, "threadid"),
            Subject = Get(f, "subject"),
            IsPublic = isPublic,
            RawPayload = raw,
        }, null);
    }

    private static string? Get(Dictionary<string, string?> f, string key) =>
        f.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    /// <summary>"External_Id", "externalId" and "external id" all name the same column.</summary>
    private static string Normalize(string name) =>
        new([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}
