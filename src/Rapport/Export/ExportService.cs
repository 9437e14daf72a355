using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Conversions;
using Rapport.Data;
using Rapport.Links;
using Rapport.Listening;
using Rapport.Outbox;
using Rapport.Reports;

namespace Rapport.Export;

/// <summary>What an export holds.</summary>
public enum ExportWhat
{
    Conversations,
    Messages,
    Mentions,
    Posts,
    Clicks,
    Conversions,
    Events,
}

public enum ExportFormat
{
    Csv,
    Jsonl,
}

/// <summary>An export's columns and its rows, read from the database one at a time as they are written.</summary>
public sealed record ExportTable(IReadOnlyList<string> Columns, IAsyncEnumerable<object?[]> Rows);

/// <summary>
/// Exports a workspace's data of one kind over a period as CSV or JSON Lines (docs/export.md), for `rapport export` and
/// the API alike. Rows stream from the database (no tracking, one row in memory at a time) to the output, so a year of
/// messages takes the same memory as a day's.
/// </summary>
public sealed class ExportService
{
    /// <summary>Rows of the kind in the period: the figure a progress bar counts toward.</summary>
    public Task<int> CountAsync(RapportDbContext db, Guid workspaceId, ExportWhat what, DateTime from, DateTime to, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return what switch
        {
            ExportWhat.Conversations => Of<Conversation>(db, workspaceId).CountAsync(c => c.CreatedAt >= from && c.CreatedAt < to, ct),
            ExportWhat.Messages => Of<Message>(db, workspaceId).CountAsync(m => m.CreatedAt >= from && m.CreatedAt < to, ct),
            ExportWhat.Mentions => Of<Mention>(db, workspaceId).CountAsync(m => m.CreatedAt >= from && m.CreatedAt < to, ct),
            ExportWhat.Posts => Posts(db, workspaceId).CountAsync(o => o.CreatedAt >= from && o.CreatedAt < to, ct),
            ExportWhat.Clicks => Of<LinkClick>(db, workspaceId).CountAsync(c => c.At >= from && c.At < to, ct),
            ExportWhat.Conversions => Of<Conversion>(db, workspaceId).CountAsync(c => c.OccurredAt >= from && c.OccurredAt < to, ct),
            ExportWhat.Events => Of<ReportingEvent>(db, workspaceId).CountAsync(e => e.StartedAt >= from && e.StartedAt < to, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
    }

    public ExportTable Open(RapportDbContext db, Guid workspaceId, ExportWhat what, DateTime from, DateTime to)
    {
        ArgumentNullException.ThrowIfNull(db);
        return what switch
        {
            ExportWhat.Conversations => new(
                ["id", "channel_id", "contact_id", "subject", "status", "priority", "is_public", "language", "intent", "sentiment", "created_at", "last_message_at",
                    "first_response_at", "resolved_at"],
                Rows(Of<Conversation>(db, workspaceId).Where(c => c.CreatedAt >= from && c.CreatedAt < to).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
                    .Select(c => new object?[] { c.Id, c.ChannelId, c.ContactId, c.Subject, c.Status, c.Priority, c.IsPublic, c.Language, c.Intent, c.Sentiment,
                        c.CreatedAt, c.LastMessageAt, c.FirstResponseAt, c.ResolvedAt }))),
            ExportWhat.Messages => new(
                ["id", "conversation_id", "channel_id", "direction", "author_name", "text", "created_at", "received_at", "delivery_status"],
                Rows(Of<Message>(db, workspaceId).Where(m => m.CreatedAt >= from && m.CreatedAt < to).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
                    .Select(m => new object?[] { m.Id, m.ConversationId, m.ChannelId, m.Direction, m.AuthorName, m.Text, m.CreatedAt, m.ReceivedAt, m.DeliveryStatus }))),
            ExportWhat.Mentions => new(
                ["id", "channel_id", "external_id", "author_handle", "author_name", "text", "created_at", "language", "intent", "sentiment", "sentiment_score",
                    "conversation_id"],
                Rows(Of<Mention>(db, workspaceId).Where(m => m.CreatedAt >= from && m.CreatedAt < to).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
                    .Select(m => new object?[] { m.Id, m.ChannelId, m.ExternalId, m.AuthorHandle, m.AuthorName, m.Text, m.CreatedAt, m.Language, m.Intent,
                        m.Sentiment, m.SentimentScore, m.ConversationId }))),
            ExportWhat.Posts => new(
                ["id", "channel_id", "status", "text", "language", "created_at", "sent_at", "external_id"],
                PostRows(Posts(db, workspaceId).Where(o => o.CreatedAt >= from && o.CreatedAt < to).OrderBy(o => o.CreatedAt).ThenBy(o => o.Id))),
            ExportWhat.Clicks => new(
                // No visitor hash: it only tells repeats apart on one day, and leaves Rapport nowhere.
                ["id", "link_id", "link_code", "campaign", "post_id", "reply_message_id", "channel_id", "at"],
                Rows(Of<LinkClick>(db, workspaceId).Where(c => c.At >= from && c.At < to).OrderBy(c => c.At).ThenBy(c => c.Id)
                    .Join(Of<TrackedLink>(db, workspaceId), c => c.LinkId, l => l.Id, (c, l) => new object?[] { c.Id, c.LinkId, l.Code, l.Campaign, l.PostId,
                        l.ReplyMessageId, l.ChannelId, c.At }))),
            ExportWhat.Conversions => new(
                ["id", "order_id", "value", "currency", "occurred_at", "received_at", "link_code", "utm_campaign", "click_id", "click_at", "link_id", "post_id",
                    "reply_message_id", "campaign", "channel_id"],
                Rows(Of<Conversion>(db, workspaceId).Where(c => c.OccurredAt >= from && c.OccurredAt < to).OrderBy(c => c.OccurredAt).ThenBy(c => c.Id)
                    .Select(c => new object?[] { c.Id, c.OrderId, c.Value, c.Currency, c.OccurredAt, c.ReceivedAt, c.LinkCode, c.UtmCampaign, c.ClickId, c.ClickAt,
                        c.LinkId, c.PostId, c.ReplyMessageId, c.Campaign, c.ChannelId }))),
            ExportWhat.Events => new(
                ["id", "name", "conversation_id", "channel_id", "actor_user_id", "team_id", "started_at", "ended_at", "duration_seconds",
                    "business_duration_seconds", "value"],
                Rows(Of<ReportingEvent>(db, workspaceId).Where(e => e.StartedAt >= from && e.StartedAt < to).OrderBy(e => e.StartedAt).ThenBy(e => e.Id)
                    .Select(e => new object?[] { e.Id, e.Name, e.ConversationId, e.ChannelId, e.ActorUserId, e.TeamId, e.StartedAt, e.EndedAt, e.DurationSeconds,
                        e.BusinessDurationSeconds, e.Value }))),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
    }

    /// <summary>
    /// Writes the table to <paramref name="output"/>: CSV with a header row (<see cref="CsvWriter"/>'s rules), or one
    /// JSON object per line. <paramref name="progress"/> hears the number of rows written every 1,000 rows and at the end.
    /// </summary>
    public static async Task<long> WriteAsync(ExportTable table, ExportFormat format, Stream output, IProgress<long>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(output);
        var text = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        await using (text.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            if (format == ExportFormat.Csv)
            {
                await text.WriteAsync(string.Join(',', table.Columns.Select(CsvWriter.Cell)) + "\r\n").ConfigureAwait(false);
            }
            long rows = 0;
            await foreach (var row in table.Rows.WithCancellation(ct).ConfigureAwait(false))
            {
                if (format == ExportFormat.Csv)
                {
                    for (var i = 0; i < row.Length; i++)
                    {
                        if (i > 0)
                        {
                            await text.WriteAsync(',').ConfigureAwait(false);
                        }
                        await text.WriteAsync(CsvWriter.Cell(Text(row[i]))).ConfigureAwait(false);
                    }
                    await text.WriteAsync("\r\n").ConfigureAwait(false);
                }
                else
                {
                    buffer.SetLength(0);
                    using (var json = new Utf8JsonWriter(buffer))
                    {
                        json.WriteStartObject();
                        for (var i = 0; i < row.Length; i++)
                        {
                            WriteJson(json, table.Columns[i], row[i]);
                        }
                        json.WriteEndObject();
                    }
                    await text.WriteAsync(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).ConfigureAwait(false);
                    await text.WriteAsync('\n').ConfigureAwait(false);
                }
                if (++rows % 1000 == 0)
                {
                    await text.FlushAsync(ct).ConfigureAwait(false);
                    progress?.Report(rows);
                }
            }
            await text.FlushAsync(ct).ConfigureAwait(false);
            progress?.Report(rows);
            return rows;
        }
    }

    public static string ContentType(ExportFormat format) => format == ExportFormat.Csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";

    public static string Extension(ExportFormat format) => format == ExportFormat.Csv ? "csv" : "jsonl";

    private static IQueryable<T> Of<T>(RapportDbContext db, Guid workspaceId)
        where T : class, IWorkspaceOwned =>
        db.Set<T>().AsNoTracking().Where(x => x.WorkspaceId == workspaceId);

    /// <summary>The brand's posts: outbox items that deliver no reply and no outgoing webhook event.</summary>
    private static IQueryable<OutboxItem> Posts(RapportDbContext db, Guid workspaceId) =>
        Of<OutboxItem>(db, workspaceId).Where(o => o.MessageId == null && o.EventDeliveryId == null);

    private static async IAsyncEnumerable<object?[]> Rows(IQueryable<object?[]> query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var row in query.AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return row;
        }
    }

    private static async IAsyncEnumerable<object?[]> PostRows(IQueryable<OutboxItem> query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var item in query.AsAsyncEnumerable().WithCancellation(ct))
        {
            PostPayload? post;
            try
            {
                post = PostPayload.Of(item);
            }
            catch (JsonException)
            {
                post = null;
            }
            yield return [item.Id, item.ChannelId, item.Status, post?.Text, post?.Language, item.CreatedAt, item.SentAt, item.ExternalId];
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        DateTime d => d.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => value.ToString(),
    };

    private static void WriteJson(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(name);
                break;
            case bool b:
                json.WriteBoolean(name, b);
                break;
            case int i:
                json.WriteNumber(name, i);
                break;
            case long l:
                json.WriteNumber(name, l);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumber(name, d);
                break;
            case decimal m:
                json.WriteNumber(name, m);
                break;
            default:
                json.WriteString(name, Text(value));
                break;
        }
    }
}
