using Microsoft.EntityFrameworkCore;
using Quartz;
using Rapport.Data;

namespace Rapport.Scheduling;

/// <summary>
/// Records each job's latest run (start, end, duration, error) as the scheduler runs it, on whichever node. A failure
/// to record never fails the job: the run happened; only the page would miss it.
/// </summary>
public sealed partial class JobRunRecorder(RapportDbContextFactory databases, RapportNode node, TimeProvider clock, ILogger<JobRunRecorder> logger) : IJobListener
{
    /// <summary>Set in the job data of a run an admin started, so the page says who.</summary>
    public const string RunByKey = "rapport.runBy";

    public string Name => "rapport-job-runs";

    public async ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var runBy = context.MergedJobDataMap.TryGetValue(RunByKey, out var who) ? who as string : null;
        await RecordAsync(context.JobDetail.Key.Name, run =>
        {
            run.StartedAt = clock.GetUtcNow().UtcDateTime;
            run.FinishedAt = null;
            run.Node = node.Name;
            run.RunBy = runBy;
        }, cancellationToken);
    }

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Quartz wraps what the job threw (JobExecutionException, then JobExecutionProcessException): the admin reads the job's own words.
        var error = jobException?.GetBaseException().Message;
        await RecordAsync(context.JobDetail.Key.Name, run =>
        {
            run.FinishedAt = clock.GetUtcNow().UtcDateTime;
            run.DurationMs = (long)context.JobRunTime.TotalMilliseconds;
            run.Succeeded = jobException is null;
            run.Error = error is { Length: > JobRun.MaxErrorLength } ? error[..JobRun.MaxErrorLength] : error;
        }, cancellationToken);
    }

    public ValueTask JobProgressChanged(IJobExecutionContext context, Quartz.Extensibility.FireInstanceProgress progress, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    private async Task RecordAsync(string job, Action<JobRun> change, CancellationToken ct)
    {
        try
        {
            await using var db = databases.CreateDbContext();
            var run = await db.Set<JobRun>().FirstOrDefaultAsync(r => r.Job == job, ct);
            if (run is null)
            {
                run = new JobRun { Job = job };
                db.Set<JobRun>().Add(run);
            }
            change(run);
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotRecorded(logger, job, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run of job {Job} could not be recorded.")]
    private static partial void LogNotRecorded(ILogger logger, string job, Exception e);
}
