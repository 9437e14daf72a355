using Quartz;

namespace Rapport.Scheduling;

/// <summary>
/// Stores every job and its trigger before the scheduler starts. A trigger already stored with the same schedule is
/// left alone, so its next fire time (and a misfire while every node was down) survives a restart; a changed schedule
/// replaces it; a job whose schedule is off keeps no trigger and can still be run now.
/// </summary>
public sealed partial class JobSchedule(ISchedulerFactory schedulers, RapportJobs jobs, TimeProvider clock, ILogger<JobSchedule> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await ApplyAsync(scheduler, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task ApplyAsync(IScheduler scheduler, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        foreach (var job in jobs.All)
        {
            var detail = JobBuilder.Create<ScheduledWork>().WithIdentity(RapportJobs.KeyOf(job.Name)).StoreDurably().Build();
            await scheduler.AddJob(detail, AddJobOptions.Replacing, ct);
            var key = RapportJobs.TriggerOf(job.Name);
            var stored = await scheduler.GetTrigger(key, ct);
            var wanted = TriggerFor(job, clock.GetUtcNow());
            if (wanted is null)
            {
                if (stored is not null)
                {
                    await scheduler.UnscheduleJob(key, ct);
                }
                continue;
            }
            if (stored is not null && SameSchedule(stored, wanted))
            {
                continue;
            }
            try
            {
                if (stored is null)
                {
                    await scheduler.ScheduleJob(wanted, default, ct);
                }
                else
                {
                    await scheduler.RescheduleJob(key, wanted, ct);
                    LogRescheduled(logger, job.Name);
                }
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another node starting at the same moment stored it first: one trigger for the cluster.
            }
        }
    }

    /// <summary>
    /// The trigger a job's timing asks for. Missed interval runs are not caught up (the next round does the same work);
    /// a missed daily run is fired once as soon as a node is up.
    /// </summary>
    public static ITrigger? TriggerFor(ScheduledJob job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        var builder = TriggerBuilder.Create().WithIdentity(RapportJobs.TriggerOf(job.Name)).ForJob(RapportJobs.KeyOf(job.Name));
        return job.Timing switch
        {
            JobTiming.Every every => builder.StartAt(now + every.Interval)
                .WithSimpleSchedule(s => s.WithInterval(every.Interval).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
                .Build(),
            JobTiming.DailyAt daily => builder.StartAt(now)
                .WithCronSchedule(DailyCron(daily.TimeOfDayUtc), s => s.InTimeZone(TimeZoneInfo.Utc)
                    .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build(),
            _ => null,
        };
    }

    public static string DailyCron(TimeSpan at) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"0 {at.Minutes} {at.Hours} * * ?");

    private static bool SameSchedule(ITrigger stored, ITrigger wanted) => (stored, wanted) switch
    {
        (ISimpleTrigger a, ISimpleTrigger b) => a.RepeatInterval == b.RepeatInterval,
        (ICronTrigger a, ICronTrigger b) => a.CronExpressionString == b.CronExpressionString && a.TimeZone.Id == b.TimeZone.Id,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "The schedule of job {Job} changed; its trigger was replaced.")]
    private static partial void LogRescheduled(ILogger logger, string job);
}
