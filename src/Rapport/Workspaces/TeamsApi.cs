using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Workspaces;

public sealed record TeamDto(Guid Id, string Name, IReadOnlyList<Guid> MemberIds);
public sealed record TeamRequest([property: MaxLength(100)] string Name, IReadOnlyList<Guid>? MemberIds);

public static class TeamsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/teams", ListAsync).WithSummary("Teams and their members.");
        workspace.MapPost("/teams", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Creates a team.");
        workspace.MapPut("/teams/{teamId:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithSummary("Renames a team and sets its members.");
        workspace.MapDelete("/teams/{teamId:guid}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a team.");
    }

    private static async Task<Ok<List<TeamDto>>> ListAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Teams.OrderBy(t => t.Name)
            .Select(t => new TeamDto(t.Id, t.Name, t.Members.Select(m => m.UserId).ToList())).ToListAsync(ct));

    private static async Task<Results<Created<TeamDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid workspaceId, TeamRequest request, RapportDbContext db, CancellationToken ct)
    {
        var team = new Team { WorkspaceId = workspaceId, Name = "" };
        var problem = await ApplyAsync(team, request, db, ct);
        if (problem is not null)
        {
            return problem;
        }
        db.Teams.Add(team);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/teams/{team.Id}", ToDto(team));
    }

    private static async Task<Results<Ok<TeamDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid teamId, TeamRequest request, RapportDbContext db, CancellationToken ct)
    {
        var team = await db.Teams.Include(t => t.Members).FirstOrDefaultAsync(t => t.Id == teamId, ct);
        if (team is null)
        {
            return Problems.NotFound("Team");
        }
        var problem = await ApplyAsync(team, request, db, ct);
        if (problem is not null)
        {
            return problem;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToDto(team));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid teamId, RapportDbContext db, CancellationToken ct)
    {
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Id == teamId, ct);
        if (team is null)
        {
            return Problems.NotFound("Team");
        }
        await db.Conversations.Where(c => c.TeamId == teamId).ExecuteUpdateAsync(s => s.SetProperty(c => c.TeamId, (Guid?)null), ct);
        db.Teams.Remove(team);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<ValidationProblem?> ApplyAsync(Team team, TeamRequest request, RapportDbContext db, CancellationToken ct) =>
        await TeamRules.ApplyAsync(db, team, request.Name, request.MemberIds, ct) is { } violation ? Problems.Invalid(violation) : null;

    private static TeamDto ToDto(Team team) => new(team.Id, team.Name, team.Members.Select(m => m.UserId).ToList());
}
