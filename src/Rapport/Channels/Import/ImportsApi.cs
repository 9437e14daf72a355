using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Channels.Import;

/// <summary>
/// An import as the API shows it. While it runs, <c>bytesRead</c> of <c>totalBytes</c> and <c>rows</c> say how far it got;
/// when it has finished, the counts and the first refused rows (line and reason) are its report. <c>attempts</c> above 1
/// says the node running it stopped and another took it over from the start of the file: rows the first attempt stored
/// then count as already there.
/// </summary>
public sealed record ImportRunDto(Guid Id, Guid ChannelId, string FileName, ImportStatus Status, long TotalBytes, long BytesRead, long Rows,
    long Imported, long AlreadyThere, long BrandReplies, long ErrorCount, IReadOnlyList<ImportRowError> Errors, string? FailureReason,
    DateTime CreatedAt, DateTime? FinishedAt, int Attempts)
{
    public static ImportRunDto Of(ImportRun run, ImportProgress? progress)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(run.Id, run.ChannelId, run.FileName, run.Status, run.TotalBytes, progress?.BytesRead ?? run.BytesRead, progress?.Rows ?? run.Rows,
            run.Imported, run.AlreadyThere, run.BrandReplies, run.ErrorCount, ImportRuns.ErrorsOf(run), run.FailureReason, run.CreatedAt, run.FinishedAt, run.Attempts);
    }
}

public static class ImportsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapPost("/channels/{channelId:guid}/imports", StartAsync).RequireAuthorization(Policies.Admin).WithMetadata(new FileUpload())
            .WithSummary("Imports a CSV or JSON file of messages (the request body; fileName says which format) into the channel, in the background.");
        workspace.MapGet("/imports", ListAsync).WithSummary("Imports, newest first, with their progress or report.");
        workspace.MapGet("/imports/{importId:guid}", GetAsync).WithSummary("One import: its progress while it runs, its report when it is done.");
    }

    private static async Task<Results<Accepted<ImportRunDto>, ValidationProblem, ProblemHttpResult>> StartAsync(
        Guid workspaceId, Guid channelId, string? fileName, HttpContext http, RapportDbContext db, ImportRuns runs, CancellationToken ct)
    {
        if (!await db.Channels.AnyAsync(c => c.Id == channelId, ct))
        {
            return Problems.NotFound("Channel");
        }
        if (string.IsNullOrWhiteSpace(fileName) || !ImportRuns.IsSupported(fileName))
        {
            return Problems.Invalid("fileName", "Give the file's name, ending in .csv, .json or .js (a Twitter/X archive's tweets.js): it says how the file is read.");
        }
        var run = await runs.StartAsync(workspaceId, channelId, http.Member().UserId, fileName, http.Request.Body, ct: ct);
        if (run is null)
        {
            return Problems.Invalid("file", "The file is empty.");
        }
        return TypedResults.Accepted($"/api/v1/workspaces/{workspaceId}/imports/{run.Id}", ImportRunDto.Of(run, null));
    }

    private static async Task<Results<Ok<Page<ImportRunDto>>, ValidationProblem>> ListAsync(
        string? cursor, int? limit, RapportDbContext db, ImportRuns runs, CancellationToken ct)
    {
        var take = Cursor.Limit(limit);
        var query = db.ImportRuns.AsQueryable();
        if (cursor is not null)
        {
            if (!Cursor.TryDecode(cursor, out var at, out var id))
            {
                return Problems.Invalid("cursor", "This cursor is not one the API gave.");
            }
            query = query.Where(r => r.CreatedAt < at || (r.CreatedAt == at && r.Id.CompareTo(id) < 0));
        }
        var items = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(take + 1).ToListAsync(ct);
        var next = items.Count > take ? Cursor.Encode(items[take - 1].CreatedAt, items[take - 1].Id) : null;
        return TypedResults.Ok(new Page<ImportRunDto>(items.Take(take).Select(r => ImportRunDto.Of(r, runs.Progress(r.Id))).ToList(), next));
    }

    private static async Task<Results<Ok<ImportRunDto>, ProblemHttpResult>> GetAsync(Guid importId, RapportDbContext db, ImportRuns runs, CancellationToken ct)
    {
        var run = await db.ImportRuns.FirstOrDefaultAsync(r => r.Id == importId, ct);
        return run is null ? Problems.NotFound("Import") : TypedResults.Ok(ImportRunDto.Of(run, runs.Progress(run.Id)));
    }
}
