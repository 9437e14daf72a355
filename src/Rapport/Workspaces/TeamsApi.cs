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
        Guid workspaceId, TeamRequest request, HttpContext http, RapportDbContext db, TeamsAndLabels service, CancellationToken ct)
    {
        var change = await service.SaveTeamAsync(db, http.Member(), http.User.Identity?.Name, null, request.Name, request.MemberIds, ct);
        return change.Item is { } team
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/teams/{team.Id}", ToDto(team))
            : Problems.Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<TeamDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid teamId, TeamRequest request, HttpContext http, RapportDbContext db, TeamsAndLabels service, CancellationToken ct)
    {
        var change = await service.SaveTeamAsync(db, http.Member(), http.User.Identity?.Name, teamId, request.Name, request.MemberIds, ct);
        return change switch
        {
            { Item: { } team } => TypedResults.Ok(ToDto(team)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Team"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid teamId, HttpContext http, RapportDbContext db, TeamsAndLabels service, CancellationToken ct) =>
        (await service.DeleteTeamAsync(db, http.Member(), http.User.Identity?.Name, teamId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Team");

    private static TeamDto ToDto(Team team) => new(team.Id, team.Name, team.Members.Select(m => m.UserId).ToList());
}
