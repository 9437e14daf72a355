using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;
using Rapport.Resources;

namespace Rapport.Channels.Import;

/// <summary>A refused row as an import's report shows it.</summary>
public sealed record ImportRowError(long Line, string Error);

/// <summary>
/// Imports started from the interface or the API: the upload is kept in the database (<see cref="ImportChunk"/>), then
/// imported in the background through <see cref="ImportService"/> by whichever node claims the run first, while pages
/// and the API read its progress. The node holds the run under a lease it renews with the progress; if it stops (even
/// killed outright), another node takes the run over once the lease has run out and imports the file again from the
/// start, which stores only what is missing. A node's start touches no one else's run.
/// </summary>
public sealed partial class ImportRuns(
    RapportDbContextFactory databases, IServiceScopeFactory scopes, IOptions<ImportOptions> options, Scheduling.RapportNode node, TimeProvider clock,
    ILogger<ImportRuns> logger)
    : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly System.Threading.Channels.Channel<bool> wake =
        System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<Guid, ImportProgress> live = new();

    /// <summary>The formats <see cref="MessageFile"/> reads, known by the file's extension.</summary>
    public static bool IsSupported(string fileName) =>
        Path.GetExtension(fileName).ToLowerInvariant() is ".csv" or ".json" or ".js";

    /// <summary>
    /// Where a running import is now: bytes read and rows so far, when it runs in this process; null otherwise (the run's
    /// stored progress, renewed with its lease, then says how far it got).
    /// </summary>
    public ImportProgress? Progress(Guid runId) => live.TryGetValue(runId, out var progress) ? progress : null;

    /// <summary>
    /// Keeps the uploaded file and queues its import; null when the file is empty. <paramref name="uploaded"/> hears the
    /// bytes received so far.
    /// </summary>
    public async Task<ImportRun?> StartAsync(Guid workspaceId, Guid channelId, Guid? startedBy, string fileName, Stream upload, IProgress<long>? uploaded = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var run = new ImportRun
        {
            WorkspaceId = workspaceId,
            ChannelId = channelId,
            FileName = CleanFileName(fileName),
            StartedById = startedBy,
            // Not claimable until the whole file is stored: Queued is set in the same transaction as the last slice.
            Status = ImportStatus.Failed,
            FailureReason = StoredText.English("Stored.Import.Interrupted"),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        await using var db = databases.CreateDbContext();
        db.ImportRuns.Add(run);
        await db.SaveChangesAsync(ct);
        try
        {
            var buffer = new byte[ImportChunk.Size];
            var index = 0;
            while (true)
            {
                // Fill a whole slice (a network read gives a few kB at a time).
                var filled = 0;
                int read;
                while (filled < buffer.Length && (read = await upload.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
                {
                    filled += read;
                    run.TotalBytes += read;
                    uploaded?.Report(run.TotalBytes);
                }
                if (filled == 0)
                {
                    break;
                }
                db.ImportChunks.Add(new ImportChunk { ImportRunId = run.Id, Index = index++, WorkspaceId = workspaceId, Data = buffer[..filled] });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                if (filled < buffer.Length)
                {
                    break;
                }
            }
            if (run.TotalBytes == 0)
            {
                await db.ImportRuns.Where(r => r.Id == run.Id).ExecuteDeleteAsync(ct);
                return null;
            }
            run.Status = ImportStatus.Queued;
            run.FailureReason = null;
            await db.ImportRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.Status, ImportStatus.Queued)
                .SetProperty(r => r.FailureReason, (string?)null)
                .SetProperty(r => r.TotalBytes, run.TotalBytes), ct);
        }
        catch
        {
            // An interrupted or refused upload leaves nothing behind (the slices go with the run).
            await db.ImportRuns.Where(r => r.Id == run.Id).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
        wake.Writer.TryWrite(true);
        return run;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await ClaimAsync(stoppingToken) is { } run)
                {
                    await RunAsync(run, stoppingToken);
                    continue;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogClaimFailed(logger, e);
            }
            using var timeout = new CancellationTokenSource(options.Value.PollInterval, clock);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                await wake.Reader.ReadAsync(waiting.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Time to look for work another node received or left.
            }
        }
    }

    /// <summary>
    /// The oldest run waiting, or one whose node stopped renewing its lease, claimed by a conditional update so that two
    /// nodes never both run it.
    /// </summary>
    private async Task<ImportRun?> ClaimAsync(CancellationToken ct)
    {
        await using var db = databases.CreateDbContext();
        var now = clock.GetUtcNow().UtcDateTime;
        var candidate = await db.ImportRuns.AsNoTracking()
            .Where(r => r.Status == ImportStatus.Queued || (r.Status == ImportStatus.Running && (r.LeaseUntil == null || r.LeaseUntil < now)))
            .OrderBy(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        if (candidate is null)
        {
            return null;
        }
        var until = now + options.Value.Lease;
        var claimed = await db.ImportRuns
            .Where(r => r.Id == candidate.Id && r.Status == candidate.Status && r.LeaseUntil == candidate.LeaseUntil && r.Attempts == candidate.Attempts)
            .ExecuteUpdateAsync(u => u
                .SetProperty(r => r.Status, ImportStatus.Running)
                .SetProperty(r => r.LeaseOwner, node.Name)
                .SetProperty(r => r.LeaseUntil, until)
                .SetProperty(r => r.Attempts, r => r.Attempts + 1), ct);
        return claimed == 1 ? await db.ImportRuns.AsNoTracking().SingleAsync(r => r.Id == candidate.Id, ct) : null;
    }

    private async Task RunAsync(ImportRun claimed, CancellationToken ct)
    {
        var id = claimed.Id;
        live[id] = new ImportProgress(0, claimed.TotalBytes, 0);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewing = RenewAsync(id, claimed.Attempts, running);
        ImportRun? outcome = null;
        try
        {
            using var scope = scopes.CreateScope();
            var import = scope.ServiceProvider.GetRequiredService<ImportService>();
            await using var file = new UploadStream(databases, id, claimed.TotalBytes);
            var summary = await import.ImportAsync(claimed.WorkspaceId, claimed.ChannelId, file, claimed.FileName, new LiveProgress(live, id), running.Token);
            outcome = new ImportRun
            {
                FileName = claimed.FileName,
                Status = ImportStatus.Completed,
                BytesRead = claimed.TotalBytes,
                Rows = summary.Imported + summary.AlreadyThere + summary.ErrorCount + summary.BrandReplies,
                Imported = summary.Imported,
                AlreadyThere = summary.AlreadyThere,
                BrandReplies = summary.BrandReplies,
                ErrorCount = summary.ErrorCount,
                Errors = JsonSerializer.Serialize(summary.Errors.Take(ImportRun.ReportedErrors).Select(e => new ImportRowError(e.Line, e.Error ?? "")), Json),
            };
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            // This node is stopping, or lost its claim: the run stays Running under a lease that runs out, and a node takes it over.
        }
        catch (Exception e)
        {
            // The file itself could not be read (not a row: those are reported and skipped). What was stored stays.
            LogImportFailed(logger, id, e);
            var reached = live.TryGetValue(id, out var r) ? r : new ImportProgress(0, claimed.TotalBytes, 0);
            outcome = new ImportRun
            {
                FileName = claimed.FileName,
                Status = ImportStatus.Failed,
                // The exception is for whoever runs the server (logged above); the person importing reads what to do.
                FailureReason = StoredText.English("Stored.Import.Unreadable"),
                BytesRead = reached.BytesRead,
                Rows = reached.Rows,
            };
        }
        finally
        {
            // The renewal stops before the report is written, so it cannot race it.
            await running.CancelAsync();
            await renewing;
            live.TryRemove(id, out _);
        }
        if (outcome is not null)
        {
            await FinishAsync(id, claimed.Attempts, outcome);
        }
    }

    /// <summary>Renews the claim with the progress so far, so every node's pages see it; stops the run if another node took it.</summary>
    private async Task RenewAsync(Guid id, int attempt, CancellationTokenSource running)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.Lease / 3, clock, running.Token);
                var (bytesRead, rows) = live.TryGetValue(id, out var p) ? (p.BytesRead, p.Rows) : (0L, 0L);
                await using var db = databases.CreateDbContext();
                var until = clock.GetUtcNow().UtcDateTime + options.Value.Lease;
                var renewed = await db.ImportRuns.Where(r => r.Id == id && r.LeaseOwner == node.Name && r.Attempts == attempt && r.Status == ImportStatus.Running)
                    .ExecuteUpdateAsync(u => u
                        .SetProperty(r => r.LeaseUntil, until)
                        .SetProperty(r => r.BytesRead, bytesRead)
                        .SetProperty(r => r.Rows, rows), running.Token);
                if (renewed == 0)
                {
                    await running.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended, or this node is stopping.
        }
        catch (Exception e)
        {
            // The database is away: the lease runs out and a node (this one, once it is back) takes the run over.
            LogImportFailed(logger, id, e);
        }
    }

    /// <summary>Records the report and drops the upload, only if this node still holds the run (else the node that took it over reports).</summary>
    private async Task FinishAsync(Guid id, int attempt, ImportRun outcome)
    {
        try
        {
            await using var db = databases.CreateDbContext();
            var finished = await db.ImportRuns.Where(r => r.Id == id && r.LeaseOwner == node.Name && r.Attempts == attempt && r.Status == ImportStatus.Running)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(r => r.Status, outcome.Status)
                    .SetProperty(r => r.FailureReason, outcome.FailureReason)
                    .SetProperty(r => r.BytesRead, outcome.BytesRead)
                    .SetProperty(r => r.Rows, outcome.Rows)
                    .SetProperty(r => r.Imported, outcome.Imported)
                    .SetProperty(r => r.AlreadyThere, outcome.AlreadyThere)
                    .SetProperty(r => r.BrandReplies, outcome.BrandReplies)
                    .SetProperty(r => r.ErrorCount, outcome.ErrorCount)
                    .SetProperty(r => r.Errors, outcome.Errors)
                    .SetProperty(r => r.LeaseOwner, (string?)null)
                    .SetProperty(r => r.LeaseUntil, (DateTime?)null)
                    .SetProperty(r => r.FinishedAt, clock.GetUtcNow().UtcDateTime));
            if (finished == 1)
            {
                await db.ImportChunks.Where(c => c.ImportRunId == id).ExecuteDeleteAsync();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogImportFailed(logger, id, e);
        }
    }

    public static IReadOnlyList<ImportRowError> ErrorsOf(ImportRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return JsonSerializer.Deserialize<List<ImportRowError>>(run.Errors, Json) ?? [];
    }

    /// <summary>Only the name, without folders or control characters: it is shown back, never used as a path.</summary>
    internal static string CleanFileName(string fileName)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/'));
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return name.Length == 0 ? "import" : name.Length > 200 ? name[..200] : name;
    }

    /// <summary>Reports synchronously: the background import has no context to post to, and pages read the latest value.</summary>
    private sealed class LiveProgress(ConcurrentDictionary<Guid, ImportProgress> live, Guid id) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => live[id] = value;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Import {Run} failed.")]
    private static partial void LogImportFailed(ILogger logger, Guid run, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for an import to run failed; looking again shortly.")]
    private static partial void LogClaimFailed(ILogger logger, Exception e);
}
