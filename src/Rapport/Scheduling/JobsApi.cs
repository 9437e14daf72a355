using Microsoft.AspNetCore.Http.HttpResults;
using Rapport.Api;
using Rapport.Workspaces;

namespace Rapport.Scheduling;

/// <summary>The recurring jobs of the whole instance: admins see them and run one now.</summary>
public static class JobsApi
{
    public static void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var group = api.MapGroup("/jobs").RequireAuthorization(Policies.Admin).WithTags("Jobs");

        group.MapGet("", async (JobsService jobs, CancellationToken ct) => TypedResults.Ok(await jobs.ListAsync(ct)))
            .WithName("ListJobs")
            .WithSummary("Every recurring job, with its last run, next run, duration and last error (admins).");

        group.MapPost("/{name}/run", async Task<Results<Accepted, ProblemHttpResult>> (string name, HttpContext http, JobsService jobs, CancellationToken ct) =>
            {
                var member = WorkspaceResolver.Current(http) ?? throw new InvalidOperationException("Jobs reached without a resolved member.");
                var actorName = http.User.Identity?.Name;
                return await jobs.RunNowAsync(name, member, actorName, ct) ? TypedResults.Accepted($"/api/v1/jobs") : Problems.NotFound("Job");
            })
            .WithName("RunJobNow")
            .WithSummary("Runs a job now on a free node; its last run shows on GET /api/v1/jobs once it has run (admins, audited).");
    }
}
