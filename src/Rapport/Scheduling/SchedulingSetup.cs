using Quartz;

namespace Rapport.Scheduling;

public static class SchedulingSetup
{
    public const string SchedulerName = "rapport";

    /// <summary>
    /// Quartz.NET runs every recurring job. On PostgreSQL its store is the database itself, clustered: each job fires
    /// on one node of the cluster, a node that dies has its runs taken over, and triggers keep their next fire time
    /// across restarts. On SQLite (one process owns the file) the store is in memory.
    /// </summary>
    public static IServiceCollection AddRapportScheduler(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section);
        services.AddSingleton<RapportNode>();
        services.AddSingleton<RapportJobs>();
        services.AddSingleton<JobRunRecorder>();
        services.AddScoped<JobsService>();
        services.AddTransient<ScheduledWork>();
        var postgres = configuration["Rapport:Postgres"] is { Length: > 0 } set ? set : configuration.GetConnectionString("Postgres");
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = SchedulerName;
                // Each node its own id in the cluster's check-ins.
                s.GenerateInstanceId = true;
            });
            // A few jobs, each short: a small pool leaves the cores to the web app.
            q.UseDefaultThreadPool(4);
            if (string.IsNullOrWhiteSpace(postgres))
            {
                q.UseInMemoryStore();
            }
            else
            {
                q.UsePersistentStore(s =>
                {
                    s.UsePostgres(postgres);
                    s.UseClustering();
                    s.UseSystemTextJsonSerializer();
                });
            }
            q.AddJobListener(sp => sp.GetRequiredService<JobRunRecorder>());
        });
        // Before the scheduler starts (hosted services start in order): the jobs and their triggers are stored first.
        services.AddHostedService<JobSchedule>();
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }
}
