using Rapport.Data;
using Rapport.Ingest;

namespace Rapport.Channels.Import;

public sealed record ImportProgress(long BytesRead, long TotalBytes, long Rows);

/// <summary>What an import did; BrandReplies counts the brand replies left out of a "Customer Support on Twitter" file (ingest takes inbound messages only).</summary>
public sealed record ImportSummary(long Imported, long AlreadyThere, IReadOnlyList<ImportRow> Errors, long ErrorCount, long BrandReplies = 0);

/// <summary>
/// Feeds an import file through the one ingest path. Idempotent: re-running the same file adds nothing.
/// A bad row is reported with its line and never stops the rest.
/// </summary>
public sealed class ImportService(IngestService ingest, RapportDbContextFactory factory)
{
    /// <summary>Errors kept in the summary; the count goes on beyond.</summary>
    public const int MaxReportedErrors = 1000;

    /// <summary>
    /// Rows ingested together: a few lookups and one save (one commit, one disk flush) for them all instead of several
    /// round trips per row (docs/decisions/0040-batched-ingest.md). A crash loses at most the open batch, which
    /// re-running the idempotent import stores again.
    /// </summary>
    public const int RowsPerBatch = 1000;

    public async Task<ImportSummary> ImportAsync(Guid workspaceId, Guid channelId, Stream file, string fileName, IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        long imported = 0, already = 0, errorCount = 0, rows = 0, brandReplies = 0;
        var errors = new List<ImportRow>();
        var total = file.CanSeek ? file.Length : 0;
        var batch = new List<ImportRow>(RowsPerBatch);
        await using var db = factory.CreateDbContext();

        void Refuse(ImportRow row)
        {
            errorCount++;
            if (errors.Count < MaxReportedErrors)
            {
                errors.Add(row);
            }
        }

        void Count(IngestResult result)
        {
            if (result.Created)
            {
                imported++;
            }
            else
            {
                already++;
            }
        }

        // The pipeline: while a full batch is stored, the next one is analysed on another core (analysing is half the CPU
        // an import needs). Only the batch being stored and the one being analysed are held.
        (List<ImportRow> Rows, Task<IngestService.AnalysedAhead> Ahead)? next = null;

        async Task<IngestService.AnalysedAhead> AnalyseAheadAsync(List<ImportRow> rows)
        {
            await using var aheadDb = factory.CreateDbContext();
            return await ingest.AnalyseAheadAsync(aheadDb, workspaceId, [.. rows.Select(r => r.Item!)], ct);
        }

        async Task IngestBatchAsync(List<ImportRow> batch, IngestService.AnalysedAhead? ahead)
        {
            if (batch.Count == 0)
            {
                return;
            }
            try
            {
                foreach (var result in await ingest.IngestBatchAsync(db, workspaceId, [.. batch.Select(r => r.Item!)], ahead, ct))
                {
                    Count(result);
                }
            }
            catch (Exception e) when (e is Microsoft.EntityFrameworkCore.DbUpdateException or InvalidOperationException)
            {
                // The database refused the batch (nothing of it is stored): ingest its rows one by one, so the row it
                // refuses is reported with its line, like a malformed one, and the others are stored.
                db.ChangeTracker.Clear();
                foreach (var row in batch)
                {
                    try
                    {
                        Count(await ingest.IngestAsync(db, workspaceId, row.Item!, ct));
                    }
                    catch (Exception rowError) when (rowError is Microsoft.EntityFrameworkCore.DbUpdateException or InvalidOperationException)
                    {
                        Refuse(row with { Item = null, Error = $"Not stored: {rowError.GetBaseException().Message}" });
                    }
                    db.ChangeTracker.Clear();
                }
            }
            // Nothing stored is needed for the next batch (ingest looks everything up): an empty change tracker keeps
            // each save from scanning the entities of the batches before, and memory flat on files of any size.
            db.ChangeTracker.Clear();
            progress?.Report(new ImportProgress(file.CanSeek ? file.Position : 0, total, rows));
        }

        await foreach (var row in MessageFile.ReadAsync(file, fileName, channelId, ct))
        {
            rows++;
            if (row.BrandReply)
            {
                brandReplies++;
            }
            else if (row.Item is null)
            {
                Refuse(row);
            }
            else
            {
                batch.Add(row);
                if (batch.Count == RowsPerBatch)
                {
                    var full = batch;
                    var analysing = (full, Task.Run(() => AnalyseAheadAsync(full), ct));
                    if (next is var (rowsBefore, aheadBefore))
                    {
                        await IngestBatchAsync(rowsBefore, await aheadBefore);
                    }
                    next = analysing;
                    batch = new List<ImportRow>(RowsPerBatch);
                }
            }
        }
        if (next is var (lastFull, lastAhead))
        {
            await IngestBatchAsync(lastFull, await lastAhead);
        }
        await IngestBatchAsync(batch, null);
        progress?.Report(new ImportProgress(total, total, rows));
        // Rows refused by the database are found after the malformed rows read with them: report them in file order.
        return new ImportSummary(imported, already, [.. errors.OrderBy(e => e.Line)], errorCount, brandReplies);
    }
}
