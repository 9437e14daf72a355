using Quartz;

namespace Rapport.Scheduling;

/// <summary>
/// The one Quartz job class: it runs the work of the job it was fired for, from <see cref="RapportJobs"/>. Never two
/// runs of the same job at once, on any node (the clustered store enforces it across the cluster).
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScheduledWork(RapportJobs jobs, IServiceScopeFactory scopes) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = jobs.Find(context.JobDetail.Key.Name)
            ?? throw new JobExecutionException($"No job is named {context.JobDetail.Key.Name}.");
        await using var scope = scopes.CreateAsyncScope();
        await job.RunAsync(scope.ServiceProvider, cancellationToken);
    }
}
