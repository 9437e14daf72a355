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
/// Imports started from the interface or the API: the upload is kept in the data folder, then imported in the background
/// one file at a time through <see cref="ImportService"/>, while pages and the API read its progress. A run cut short by
/// a stop is marked failed at the next start; importing the file again stores only what is missing.
/// </summary>
public sealed partial class ImportRuns(
    RapportDbContextFactory databases, IServiceScopeFactory scopes, IOptions<RapportOptions> options, TimeProvider clock, ILogger<ImportRuns> logger)
    : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly System.Threading.Channels.Channel<Guid> queue = System.Threading.Channels.Channel.CreateUnbounded<Guid>();
    private readonly ConcurrentDictionary<Guid, ImportProgress> live = new();

    private string Folder => Path.Combine(Path.GetFullPath(options.Value.DataFolder), "imports");

    /// <summary>The formats <see cref="MessageFile"/> reads, known by the file's extension.</summary>
    public static bool IsSupported(string fileName) =>
        Path.GetExtension(fileName).ToLowerInvariant() is ".csv" or ".json" or ".js";

    /// <summary>Where a running import is now: bytes read and rows so far. Null when it is not running in this process.</summary>
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
            Status = ImportStatus.Queued,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        Directory.CreateDirectory(Folder);
        var path = PathOf(run.Id);
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await upload.ReadAsync(buffer, ct)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                    run.TotalBytes += read;
                    uploaded?.Report(run.TotalBytes);
                }
            }
            if (run.TotalBytes == 0)
            {
                File.Delete(path);
                return null;
            }
            await using var db = databases.CreateDbContext();
            db.ImportRuns.Add(run);
            await db.SaveChangesAsync(ct);
        }
        catch
        {
            // An interrupted or refused upload leaves nothing behind.
            File.Delete(path);
            throw;
        }
        await queue.Writer.WriteAsync(run.Id, ct);
        return run;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await AbandonInterruptedAsync(stoppingToken);
        await foreach (var id in queue.Reader.ReadAllAsync(stoppingToken))
        {
            await RunAsync(id, stoppingToken);
        }
    }

    /// <summary>Runs left queued or running by a stop cannot resume where they were: they say so, and their files go.</summary>
    private async Task AbandonInterruptedAsync(CancellationToken ct)
    {
        try
        {
            await using var db = databases.CreateDbContext();
            await db.ImportRuns.Where(r => r.Status == ImportStatus.Queued || r.Status == ImportStatus.Running)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Status, ImportStatus.Failed)
                    .SetProperty(r => r.FinishedAt, clock.GetUtcNow().UtcDateTime)
                    .SetProperty(r => r.FailureReason, StoredText.English("Stored.Import.Interrupted")), ct);
            if (Directory.Exists(Folder))
            {
                foreach (var file in Directory.EnumerateFiles(Folder, "*.upload"))
                {
                    File.Delete(file);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCleanupFailed(logger, e);
        }
    }

    private async Task RunAsync(Guid id, CancellationToken ct)
    {
        var path = PathOf(id);
        try
        {
            await using var db = databases.CreateDbContext();
            var run = await db.ImportRuns.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (run is null)
            {
                return;
            }
            run.Status = ImportStatus.Running;
            await db.SaveChangesAsync(ct);
            live[id] = new ImportProgress(0, run.TotalBytes, 0);
            try
            {
                using var scope = scopes.CreateScope();
                var import = scope.ServiceProvider.GetRequiredService<ImportService>();
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                var summary = await import.ImportAsync(run.WorkspaceId, run.ChannelId, file, run.FileName, new LiveProgress(live, id), ct);
                run.Status = ImportStatus.Completed;
                run.BytesRead = run.TotalBytes;
                run.Rows = summary.Imported + summary.AlreadyThere + summary.ErrorCount + summary.BrandReplies;
                run.Imported = summary.Imported;
                run.AlreadyThere = summary.AlreadyThere;
                run.BrandReplies = summary.BrandReplies;
                run.ErrorCount = summary.ErrorCount;
                run.Errors = JsonSerializer.Serialize(
                    summary.Errors.Take(ImportRun.ReportedErrors).Select(e => new ImportRowError(e.Line, e.Error ?? "")), Json);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The file itself could not be read (not a row: those are reported and skipped). What was stored stays.
                run.Status = ImportStatus.Failed;
                // The exception is for whoever runs the server (logged below); the person importing reads what to do.
                run.FailureReason = StoredText.English("Stored.Import.Unreadable");
                if (live.TryGetValue(id, out var reached))
                {
                    run.BytesRead = reached.BytesRead;
                    run.Rows = reached.Rows;
                }
                LogImportFailed(logger, id, e);
            }
            run.FinishedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogImportFailed(logger, id, e);
        }
        finally
        {
            live.TryRemove(id, out _);
            File.Delete(path);
        }
    }

    public static IReadOnlyList<ImportRowError> ErrorsOf(ImportRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return JsonSerializer.Deserialize<List<ImportRowError>>(run.Errors, Json) ?? [];
    }

    private string PathOf(Guid id) => Path.Combine(Folder, id.ToString("N") + ".upload");

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Interrupted imports could not be cleaned up.")]
    private static partial void LogCleanupFailed(ILogger logger, Exception e);
}
