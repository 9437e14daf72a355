using Rapport.Data;
using Rapport.Ingest;
using Rapport.Resources;

namespace Rapport.Channels.Import;

public sealed record ImportProgress(long BytesRead, long TotalBytes, long Rows);

/// <summary>
/// What an import did: customer messages stored (<see cref="Imported"/>), brand replies stored as the brand's answers
/// (<see cref="BrandReplies"/>), rows an earlier run had already stored, and the rows refused.
/// </summary>
public sealed record ImportSummary(long Imported, long AlreadyThere, IReadOnlyList<ImportRow> Errors, long ErrorCount, long BrandReplies = 0);

/// <summary>
/// Feeds an import file through the one ingest path. Idempotent: re-running the same file adds nothing.
/// A bad row is reported with its line and never stops the rest.
/// </summary>
public sealed partial class ImportService(IngestService ingest, RapportDbContextFactory factory, ILogger<ImportService> logger)
{
    /// <summary>Errors kept in the summary; the count goes on beyond.</summary>
    public const int MaxReportedErrors = 1000;

    /// <summary>
    /// Rows ingested together: a few lookups and one save (one commit, one disk flush) for them all instead of several
    /// round trips per row (docs/decisions/0040-batched-ingest.md). A crash loses at most the open batch, which
    /// re-running the idempotent import stores again.
    /// </summary>
    public const int RowsPerBatch = 2000;

    /// <summary>
    /// Brand replies kept until the message they answer is stored: an export need not list a message before its answer
    /// (the Twitter one often lists the answer first). Bounded, so memory stays flat on files of any size.
    /// </summary>
    public const int MaxWaitingBrandReplies = 10_000;

    public async Task<ImportSummary> ImportAsync(Guid workspaceId, Guid channelId, Stream file, string fileName, IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        long imported = 0, already = 0, errorCount = 0, rows = 0, brandReplies = 0;
        var errors = new List<ImportRow>();
        var total = file.CanSeek ? file.Length : 0;
        var batch = new List<ImportRow>(RowsPerBatch);
        // Brand replies whose parent is not stored yet, by the parent's external id; those a batch's rows release go with the next batch.
        var waiting = new Dictionary<string, List<ImportRow>>(StringComparer.Ordinal);
        var waitingCount = 0;
        var released = new List<ImportRow>();
        await using var db = factory.CreateDbContext();

        void Refuse(ImportRow row)
        {
            errorCount++;
            if (errors.Count < MaxReportedErrors)
            {
                errors.Add(row);
            }
        }

        void Wait(ImportRow row)
        {
            var parent = row.Item!.InReplyToExternalId!;
            if (waitingCount >= MaxWaitingBrandReplies)
            {
                Refuse(row with
                {
                    Item = null,
                    Error = StoredText.English("Stored.Import.ParentNotInTime", parent, MaxWaitingBrandReplies),
                });
                return;
            }
            if (!waiting.TryGetValue(parent, out var replies))
            {
                waiting[parent] = replies = [];
            }
            replies.Add(row);
            waitingCount++;
        }

        void Count(ImportRow row, IngestResult result)
        {
            if (result.ParentUnknown)
            {
                Wait(row);
                return;
            }
            if (!result.Created)
            {
                already++;
            }
            else if (row.Item!.FromBrand)
            {
                brandReplies++;
            }
            else
            {
                imported++;
            }
            if (waiting.Remove(row.Item!.ExternalId, out var answers))
            {
                waitingCount -= answers.Count;
                released.AddRange(answers);
            }
        }

        // The pipeline: while a full batch is stored, the next one is analysed on another core, which takes the analysis
        // off the path of the saves. Only the batch being stored, the one being analysed and the one being read are held.
        (List<ImportRow> Rows, Task<IngestService.AnalysedAhead> Ahead)? next = null;

        async Task<IngestService.AnalysedAhead> AnalyseAheadAsync(List<ImportRow> rows)
        {
            await using var aheadDb = factory.CreateDbContext();
            return await ingest.AnalyseAheadAsync(aheadDb, workspaceId, [.. rows.Select(r => r.Item!)], ct);
        }

        // In the order the messages were written, not the file's: a reply then finds the message it answers earlier in
        // the batch, and response times are counted as they happened. Rows without a date were written now: last.
        static List<ImportRow> Ordered(List<ImportRow> rows) => [.. rows.OrderBy(r => r.Item!.CreatedAt ?? DateTime.MaxValue)];

        // A full batch: its analysis starts on another core, and the batch analysed before it is stored meanwhile.
        async Task PipelineAsync()
        {
            var full = Ordered(batch);
            batch = new List<ImportRow>(RowsPerBatch);
            var analysing = (full, Task.Run(() => AnalyseAheadAsync(full), ct));
            if (next is var (before, ahead))
            {
                await IngestBatchAsync(before, await ahead);
            }
            next = analysing;
        }

        async Task IngestBatchAsync(List<ImportRow> ordered, IngestService.AnalysedAhead? ahead)
        {
            try
            {
                // Accepted first, in a transaction of its own: a crash mid-batch leaves the rows to the ingest worker.
                InboundItem[] items = [.. ordered.Select(r => r.Item!)];
                await ingest.AcceptAsync(db, workspaceId, items, claim: true, ct);
                var results = await ingest.IngestBatchAsync(db, workspaceId, items, ahead, ct);
                db.ChangeTracker.Clear();
                await ingest.RecordProcessedAsync(db, items, results, ct);
                for (var i = 0; i < ordered.Count; i++)
                {
                    Count(ordered[i], results[i]);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever refused the batch (the database, a value no check foresaw), a bad row must never stop an import.
                LogBatchRefused(logger, e);
                // The database refused the batch (nothing of it is stored): ingest its rows one by one, so the row it
                // refuses is reported with its line, like a malformed one, and the others are stored.
                db.ChangeTracker.Clear();
                foreach (var row in ordered)
                {
                    try
                    {
                        Count(row, await ingest.IngestAsync(db, workspaceId, row.Item!, ct));
                    }
                    catch (Exception rowError) when (rowError is not OperationCanceledException)
                    {
                        // The reason a person reads is ours; the exception, for whoever runs the server, goes to the log.
                        LogRowRefused(logger, row.Line, rowError);
                        Refuse(row with { Item = null, Error = StoredText.English("Stored.Import.RowRefused") });
                    }
                    db.ChangeTracker.Clear();
                }
            }
            // Nothing stored is needed for the next batch (ingest looks everything up): an empty change tracker keeps
            // each save from scanning the entities of the batches before, and memory flat on files of any size.
            db.ChangeTracker.Clear();
            batch.AddRange(released);
            released.Clear();
            progress?.Report(new ImportProgress(file.CanSeek ? file.Position : 0, total, rows));
        }

        await foreach (var row in MessageFile.ReadAsync(file, fileName, channelId, ct))
        {
            rows++;
            if (row.Item is null)
            {
                Refuse(row);
                continue;
            }
            batch.Add(row);
            if (batch.Count >= RowsPerBatch)
            {
                await PipelineAsync();
            }
        }
        // The batch still analysed ahead, the last one, then the brand replies they released, until none is left.
        if (next is var (lastFull, lastAhead))
        {
            await IngestBatchAsync(lastFull, await lastAhead);
        }
        while (batch.Count > 0)
        {
            var rest = Ordered(batch);
            batch = [];
            await IngestBatchAsync(rest, null);
        }
        foreach (var row in waiting.Values.SelectMany(r => r))
        {
            Refuse(row with { Item = null, Error = StoredText.English("Stored.Import.ParentMissing", row.Item!.InReplyToExternalId!) });
        }
        progress?.Report(new ImportProgress(total, total, rows));
        // Rows refused by the database, and brand replies whose parent never came, are found after the malformed rows read
        // with them: report them in file order.
        return new ImportSummary(imported, already, [.. errors.OrderBy(e => e.Line)], errorCount, brandReplies);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An import batch was refused; its rows are stored one by one.")]
    private static partial void LogBatchRefused(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import row {Line} was refused.")]
    private static partial void LogRowRefused(ILogger logger, long line, Exception e);
}
