using Microsoft.EntityFrameworkCore;
using Quartz;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Scheduling;

/// <summary>What the Jobs page and GET /api/v1/jobs show of one job.</summary>
/// <param name="Name">The job's key, e.g. <c>poll-email</c>; the interface names it in words.</param>
/// <param name="Scheduled">Whether it runs by itself; false when its schedule is turned off in the configuration.</param>
/// <param name="NextRunAt">When it runs next by itself (UTC); null when it does not.</param>
/// <param name="LastStartedAt">When its latest run started (UTC), on any node.</param>
/// <param name="LastFinishedAt">When its latest run ended (UTC); null while it runs.</param>
/// <param name="LastDurationMs">How long its latest run took, in milliseconds.</param>
/// <param name="LastSucceeded">Whether its latest run ended without an error.</param>
/// <param name="LastError">What went wrong in its latest run, when something did.</param>
/// <param name="Running">Whether a run has started and not finished.</param>
/// <param name="LastRunBy">Who ran it now, when its latest run was started by an admin.</param>
public sealed record JobStatus(
    string Name, bool Scheduled, DateTime? NextRunAt, DateTime? LastStartedAt, DateTime? LastFinishedAt, long? LastDurationMs,
    bool? LastSucceeded, string? LastError, bool Running, string? LastRunBy);

/// <summary>Lists the jobs and runs one now, for the Jobs page and the API alike (one front door).</summary>
public sealed class JobsService(ISchedulerFactory schedulers, RapportJobs jobs, RapportDbContextFactory databases, AuditLog audit)
{
    public async Task<IReadOnlyList<JobStatus>> ListAsync(CancellationToken ct = default)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        Dictionary<string, JobRun> runs;
        await using (var db = databases.CreateDbContext())
        {
            runs = await db.Set<JobRun>().AsNoTracking().ToDictionaryAsync(r => r.Job, ct);
        }
        var list = new List<JobStatus>();
        foreach (var job in jobs.All)
        {
            var trigger = await scheduler.GetTrigger(RapportJobs.TriggerOf(job.Name), ct);
            var run = runs.GetValueOrDefault(job.Name);
            list.Add(new JobStatus(
                job.Name, trigger is not null, trigger?.NextFireTimeUtc?.UtcDateTime, run?.StartedAt, run?.FinishedAt, run?.DurationMs,
                run?.Succeeded, run?.Error, run is not null && run.FinishedAt is null, run?.RunBy));
        }
        return list;
    }

    /// <summary>Fires the job now on whichever node is free (at most one run at a time); false for an unknown job.</summary>
    public async Task<bool> RunNowAsync(string name, WorkspaceMember actor, string? actorName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (jobs.Find(name) is null)
        {
            return false;
        }
        var scheduler = await schedulers.GetScheduler(ct);
        await scheduler.TriggerJob(RapportJobs.KeyOf(name), new JobDataMap { [JobRunRecorder.RunByKey] = actorName ?? "" }, ct);
        await using var db = databases.CreateDbContext();
        audit.Add(db, "job.run_now", actor.WorkspaceId, actor.UserId, actorName, name);
        await db.SaveChangesAsync(ct);
        return true;
    }
}
