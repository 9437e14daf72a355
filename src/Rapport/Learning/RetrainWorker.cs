using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Learning;

/// <summary>Retrains, on a schedule, the models of workspaces that received corrections since their last training.</summary>
public sealed class RetrainWorker(IServiceScopeFactory scopes, IOptions<RapportOptions> options, TimeProvider clock, ILogger<RetrainWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.RetrainEvery;
        if (every <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(every, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RetrainDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database that is briefly away must not stop the server: try again at the next tick.
                logger.LogError(e, "The scheduled retraining failed; it will run again in {Interval}.", every);
            }
        }
    }

    public async Task RetrainDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var factory = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>();
        var training = scope.ServiceProvider.GetRequiredService<WorkspaceTraining>();
        List<Guid> workspaces;
        await using (var db = factory.CreateDbContext())
        {
            workspaces = await db.Corrections.Select(c => c.WorkspaceId).Distinct().ToListAsync(ct);
        }
        foreach (var workspaceId in workspaces)
        {
            try
            {
                if (await training.HasNewCorrectionsAsync(workspaceId, ct))
                {
                    var outcome = await training.TrainAsync(workspaceId, ct);
                    logger.LogInformation("Retrained workspace {Workspace}: model {Number} {Result}.", workspaceId, outcome.Number, outcome.Replaced ? "is now current" : "was worse and kept aside");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One workspace's failure must not stop the others' retraining.
                logger.LogError(e, "Retraining workspace {Workspace} failed.", workspaceId);
            }
        }
    }
}
