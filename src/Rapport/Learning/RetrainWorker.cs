using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Learning;

/// <summary>
/// Retrains the models of workspaces that received corrections since their last training. Runs as the scheduler's job
/// "retrain": daily at Rapport:RetrainAt (UTC), a time a restart never moves.
/// </summary>
public sealed class RetrainWorker(IServiceScopeFactory scopes, ILogger<RetrainWorker> logger)
{
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
