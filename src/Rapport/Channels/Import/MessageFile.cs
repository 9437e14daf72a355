using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Rapport.Analysis.Evaluation;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Resources;

namespace Rapport.Channels.Import;

/// <summary>One row of an import file: an item for ingest, or the reason it was refused.</summary>
public sealed record ImportRow(long Line, InboundItem? Item, string? Error);

/// <summary>
/// Reads the documented import formats into <see cref="InboundItem"/>s, streaming.
/// JSON: an array of objects { externalId, authorHandle, authorName, text, createdAt, inReplyToExternalId, threadId, subject, isPublic, fromBrand }.
/// CSV: a header row naming the same columns (snake_case accepted: external_id, author_handle or author, author_name, text,
/// created_at, in_reply_to, thread_id, subject, is_public, from_brand), or the layout of the public "Customer Support on Twitter"
/// export (tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id), told by its header,
/// where inbound False is a brand reply; in JSON, objects with those fields (told by tweet_id and inbound).
/// </summary>
public static class MessageFile
{
    /// <summary>The author of an X archive's tweets when a tweet does not name its account (the archive's own tweets).</summary>
    public const string ArchiveOwner = "x-archive-owner";

    public static IAsyncEnumerable<ImportRow> ReadAsync(Stream stream, string fileName, Guid channelId, CancellationToken ct = default) =>
        Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".json" => ReadJsonAsync(stream, channelId, archive: false, ct),
            ".js" => ReadJsonAsync(stream, channelId, archive: true, ct),
            _ => ReadCsv(stream, channelId, ct).ToAsyncEnumerable(),
        };

    /// <summary>
    /// The Twitter/X archive's tweets.js starts <c>window.YTD.tweets.part0 = [</c>: the assignment is read and dropped,
    /// and the array after it is JSON. False when the file does not start so (then nothing of it is imported).
    /// </summary>
    private static bool SkipArchivePrefix(Stream stream)
    {
        var prefix = new List<byte>(64);
        for (var b = stream.ReadByte(); b >= 0 && prefix.Count < 256; b = stream.ReadByte())
        {
            if (b == '=')
            {
                var text = System.Text.Encoding.UTF8.GetString([.. prefix]).Trim().TrimStart('\uFEFF');
                return text.StartsWith("window.YTD.", StringComparison.Ordinal);
            }
            prefix.Add((byte)b);
        }
        return false;
    }

    private static async IAsyncEnumerable<ImportRow> ReadJsonAsync(Stream stream, Guid channelId, bool archive, [EnumeratorCancellation] CancellationToken ct)
    {
        long line = 0;
        if (archive && !SkipArchivePrefix(stream))
        {
            yield return new ImportRow(1, null, StoredText.English("Stored.Import.NotAnArchive"));
            yield break;
        }
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
                yield return new ImportRow(line, null, StoredText.English("Stored.Import.NotAnObject"));
                continue;
            }
            if (archive)
            {
                yield return ToRow(line, ArchiveFields(e2), channelId, e2.GetRawText());
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
                ReadTweet(fields, inbound ?? "");
            }
            yield return ToRow(line, fields, channelId, e2.GetRawText());
        }
    }

    private static IEnumerable<ImportRow> ReadCsv(Stream stream, Guid channelId, CancellationToken ct)
    {
        using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        string[]? header = null;
        var twitter = false;
        var inboundColumn = -1;
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
                    yield return new ImportRow(line, null, StoredText.English("Stored.Import.Header"));
                    yield break;
                }
                continue;
            }
            if (record.Length != header.Length)
            {
                yield return new ImportRow(line, null, StoredText.English("Stored.Import.FieldCount", header.Length, record.Length));
                continue;
            }
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Length; i++)
            {
                fields[header[i]] = record[i];
            }
            if (twitter)
            {
                ReadTweet(fields, record[inboundColumn]);
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
    /// A tweet in the documented columns: public, its ids cleaned, and a brand reply (inbound False) marked from_brand,
    /// so it is stored as the brand's answer in the conversation of the tweet it answers.
    /// </summary>
    private static void ReadTweet(Dictionary<string, string?> fields, string inbound)
    {
        fields["ispublic"] = "true";
        fields["externalid"] = Get(fields, "externalid") is { } id ? TweetId(id) : null;
        fields["inreplyto"] = Get(fields, "inreplyto") is { } parent ? TweetId(parent) : null;
        fields["frombrand"] = inbound.Trim().Equals("false", StringComparison.OrdinalIgnoreCase) ? "true" : "false";
    }

    /// <summary>
    /// A tweet of the X archive (<c>{"tweet": {id_str, full_text, created_at, in_reply_to_status_id_str, user?}}</c>, or the
    /// tweet alone in older archives) as the documented columns: a public post by its account's handle.
    /// </summary>
    private static Dictionary<string, string?> ArchiveFields(JsonElement element)
    {
        var tweet = element.TryGetProperty("tweet", out var t) && t.ValueKind == JsonValueKind.Object ? t : element;
        string? Text(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
            : null;
        var user = tweet.TryGetProperty("user", out var u) ? u : default;
        var handle = Text(user, "screen_name") ?? Text(tweet, "screen_name");
        return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["externalid"] = Text(tweet, "id_str") ?? Text(tweet, "id"),
            ["text"] = Text(tweet, "full_text") ?? Text(tweet, "text"),
            ["createdat"] = Text(tweet, "created_at"),
            ["inreplyto"] = Text(tweet, "in_reply_to_status_id_str"),
            ["authorhandle"] = handle is null ? ArchiveOwner : "@" + handle.TrimStart('@'),
            ["authorname"] = Text(user, "name"),
            ["ispublic"] = "true",
        };
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
            return new ImportRow(line, null, StoredText.English("Stored.Import.NoExternalId"));
        }
        // An id cut would thread or deduplicate wrongly: refused. Names and subjects too long are cut by ingest.
        if (externalId.Trim().Length > UserInput.MaxExternalIdLength || Get(f, "threadid")?.Length > UserInput.MaxExternalIdLength
            || (Get(f, "inreplyto") ?? Get(f, "inreplytoexternalid"))?.Trim().Length > UserInput.MaxExternalIdLength)
        {
            return new ImportRow(line, null, StoredText.English("Stored.Import.IdTooLong", UserInput.MaxExternalIdLength));
        }
        if (text is null)
        {
            return new ImportRow(line, null, StoredText.English("Stored.Import.NoText"));
        }
        if (text.Length > IngestService.MaxTextLength)
        {
            return new ImportRow(line, null, StoredText.English("Stored.Import.TextTooLong", IngestService.MaxTextLength));
        }
        if (string.IsNullOrWhiteSpace(author))
        {
            return new ImportRow(line, null, StoredText.English("Stored.Import.NoAuthor"));
        }
        DateTime? createdAt = null;
        if (Get(f, "createdat") is { Length: > 0 } when)
        {
            if (!DateTime.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
                && !DateTime.TryParseExact(when, "ddd MMM dd HH:mm:ss zzz yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out parsed))
            {
                return new ImportRow(line, null, StoredText.English("Stored.Import.NotADate", when));
            }
            createdAt = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
            if (!UserInput.IsAcceptedDate(parsed))
            {
                // "9999-12-31", the "no date" of many exports, would be the message's date: refused, named, and the import goes on.
                return new ImportRow(line, null, StoredText.English("Stored.Import.DateOutOfRange", UserInput.Truncate(when, 40), UserInput.EarliestDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), UserInput.LatestDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            }
        }
        var isPublic = Get(f, "ispublic") is { } p && TryReadBoolean(p, out var value) && value;
        var fromBrand = false;
        if (Get(f, "frombrand") is { } brand && !TryReadBoolean(brand, out fromBrand))
        {
            return new ImportRow(line, null, StoredText.English("Stored.Import.FromBrand"));
        }
        var inReplyTo = Get(f, "inreplyto") ?? Get(f, "inreplytoexternalid");
        if (fromBrand && string.IsNullOrWhiteSpace(inReplyTo))
        {
            return new ImportRow(line, null, StoredText.English("Stored.Import.ReplyNeedsParent"));
        }
        return new ImportRow(line, new InboundItem
        {
            ChannelId = channelId,
            ExternalId = externalId.Trim(),
            AuthorHandle = author.Trim(),
            AuthorName = Get(f, "authorname"),
            Text = text,
            CreatedAt = createdAt,
            InReplyToExternalId = inReplyTo?.Trim(),
            ThreadId = Get(f, "threadid"),
            Subject = Get(f, "subject"),
            IsPublic = isPublic,
            RawPayload = raw,
            FromBrand = fromBrand,
        }, null);
    }

    private static bool TryReadBoolean(string value, out bool result)
    {
        var v = value.Trim();
        result = v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1";
        return result || v.Equals("false", StringComparison.OrdinalIgnoreCase) || v == "0";
    }

    private static string? Get(Dictionary<string, string?> f, string key) =>
        f.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    /// <summary>"External_Id", "externalId" and "external id" all name the same column.</summary>
    private static string Normalize(string name) =>
        new([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}
