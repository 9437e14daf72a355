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
    /// Rows stored in one transaction: one commit (one disk flush) per batch instead of per message. A row the database
    /// refuses is rolled back alone (SaveChanges inside a transaction sets a savepoint), and a crash loses at most the
    /// open batch, which re-running the idempotent import stores again.
    /// </summary>
    public const int RowsPerTransaction = 500;

    public async Task<ImportSummary> ImportAsync(Guid workspaceId, Guid channelId, Stream file, string fileName, IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        long imported = 0, already = 0, errorCount = 0, rows = 0, brandReplies = 0;
        var errors = new List<ImportRow>();
        var total = file.CanSeek ? file.Length : 0;
        var db = factory.CreateDbContext();
        var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await foreach (var row in MessageFile.ReadAsync(file, fileName, channelId, ct))
            {
                rows++;
                if (row.BrandReply)
                {
                    brandReplies++;
                    continue;
                }
                if (row.Item is null)
                {
                    errorCount++;
                    if (errors.Count < MaxReportedErrors)
                    {
                        errors.Add(row);
                    }
                    continue;
                }
                IngestResult result;
                try
                {
                    result = await ingest.IngestAsync(db, workspaceId, row.Item, ct);
                }
                catch (Exception e) when (e is Microsoft.EntityFrameworkCore.DbUpdateException or InvalidOperationException)
                {
                    // One row the database refuses is reported like a malformed one; the import goes on with a clean change tracker (the
                    // savepoint SaveChanges set has already undone its writes).
                    errorCount++;
                    if (errors.Count < MaxReportedErrors)
                    {
                        errors.Add(row with { Item = null, Error = $"Not stored: {e.GetBaseException().Message}" });
                    }
                    db.ChangeTracker.Clear();
                    continue;
                }
                if (result.Created)
                {
                    imported++;
                }
                else
                {
                    already++;
                }
                // Nothing stored is needed for the next row (ingest looks everything up): an empty change tracker keeps
                // each SaveChanges from scanning every entity of the rows before, and memory flat on files of any size.
                db.ChangeTracker.Clear();
                if (rows % RowsPerTransaction == 0)
                {
                    await transaction.CommitAsync(ct);
                    await transaction.DisposeAsync();
                    transaction = await db.Database.BeginTransactionAsync(ct);
                    progress?.Report(new ImportProgress(file.CanSeek ? file.Position : 0, total, rows));
                }
            }
            await transaction.CommitAsync(ct);
        }
        finally
        {
            await transaction.DisposeAsync();
            await db.DisposeAsync();
        }
        progress?.Report(new ImportProgress(total, total, rows));
        return new ImportSummary(imported, already, errors, errorCount, brandReplies);
    }
}
