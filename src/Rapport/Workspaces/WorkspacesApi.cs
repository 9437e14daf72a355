using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Workspaces;

public sealed record WorkspaceDto(Guid Id, string Name, string Slug, string TimeZone, string DefaultCulture, Role Role);
public sealed record CreateWorkspaceRequest([property: MaxLength(WorkspaceRules.MaxNameLength)] string Name, [property: MaxLength(UserInput.MaxCultureLength)] string? DefaultCulture,
    [property: MaxLength(UserInput.MaxTimeZoneLength)] string? TimeZone);
public sealed record UpdateWorkspaceRequest([property: MaxLength(WorkspaceRules.MaxNameLength)] string? Name, [property: MaxLength(UserInput.MaxCultureLength)] string? DefaultCulture,
    [property: MaxLength(UserInput.MaxTimeZoneLength)] string? TimeZone);
public sealed record AuditEntryDto(long Id, string Action, string? ActorName, string? Target, string? Details, DateTime At);

public static class WorkspacesApi
{
    public static void Map(RouteGroupBuilder api, RouteGroupBuilder workspace)
    {
        api.MapGet("/workspaces", ListAsync).WithSummary("The workspaces the caller belongs to.");
        api.MapPost("/workspaces", CreateAsync).WithSummary("Creates a workspace; the caller becomes its owner.");
        workspace.MapGet("", GetAsync).WithSummary("One workspace.");
        workspace.MapPatch("", UpdateAsync).RequireAuthorization(Policies.Admin).WithSummary("Renames a workspace or changes its language or time zone.");
        workspace.MapGet("/audit", AuditAsync).RequireAuthorization(Policies.Admin).WithSummary("The audit log, newest first.");
    }

    private static async Task<Results<Ok<List<WorkspaceDto>>, UnauthorizedHttpResult>> ListAsync(ClaimsPrincipal user, RapportDbContext db, WorkspaceResolver resolver, CancellationToken ct)
    {
        if (user.Identity?.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName)
        {
            // Null when the token's maker left the workspace between authentication and here: the token no longer acts.
            if (await resolver.FindAsync(user, null, ct) is not { } member)
            {
                return TypedResults.Unauthorized();
            }
            var only = await db.Workspaces.Where(w => w.Id == member.WorkspaceId)
                .Select(w => new WorkspaceDto(w.Id, w.Name, w.Slug, w.TimeZone, w.DefaultCulture, member.Role)).ToListAsync(ct);
            return TypedResults.Ok(only);
        }
        var userId = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
        var list = await (from m in db.Memberships
                          join w in db.Workspaces on m.WorkspaceId equals w.Id
                          where m.UserId == userId
                          orderby w.Name
                          select new WorkspaceDto(w.Id, w.Name, w.Slug, w.TimeZone, w.DefaultCulture, m.Role)).ToListAsync(ct);
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Created<WorkspaceDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateWorkspaceRequest request, ClaimsPrincipal user, WorkspaceService workspaces)
    {
        if (user.Identity?.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName)
        {
            return Problems.Forbidden("API tokens act inside one workspace and cannot create workspaces.");
        }
        var violation = WorkspaceRules.CheckName(request.Name)
            ?? (request.DefaultCulture is null ? null : WorkspaceRules.CheckCulture(request.DefaultCulture))
            ?? (request.TimeZone is null ? null : WorkspaceRules.CheckTimeZone(request.TimeZone));
        if (violation is not null)
        {
            return Problems.Invalid(violation);
        }
        var userId = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
        var w = await workspaces.CreateWorkspaceAsync(request.Name, userId, request.DefaultCulture, request.TimeZone);
        return TypedResults.Created($"/api/v1/workspaces/{w.Id}", new WorkspaceDto(w.Id, w.Name, w.Slug, w.TimeZone, w.DefaultCulture, Role.Owner));
    }

    private static async Task<Results<Ok<WorkspaceDto>, ProblemHttpResult>> GetAsync(Guid workspaceId, HttpContext http, RapportDbContext db, CancellationToken ct)
    {
        var role = http.Member().Role;
        var w = await db.Workspaces.Where(x => x.Id == workspaceId)
            .Select(x => new WorkspaceDto(x.Id, x.Name, x.Slug, x.TimeZone, x.DefaultCulture, role)).FirstOrDefaultAsync(ct);
        return w is null ? Problems.NotFound("Workspace") : TypedResults.Ok(w);
    }

    private static async Task<Results<Ok<WorkspaceDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        UpdateWorkspaceRequest request, HttpContext http, RapportDbContext db, WorkspaceService workspaces, CancellationToken ct)
    {
        var member = http.Member();
        var change = await workspaces.UpdateAsync(db, member, http.User.Identity?.Name, request, ct);
        return change switch
        {
            { Item: { } w } => TypedResults.Ok(new WorkspaceDto(w.Id, w.Name, w.Slug, w.TimeZone, w.DefaultCulture, member.Role)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Workspace"),
        };
    }

    private static async Task<Results<Ok<Page<AuditEntryDto>>, ValidationProblem>> AuditAsync(RapportDbContext db, string? cursor, int? limit, CancellationToken ct)
    {
        var take = Cursor.Limit(limit);
        var query = db.AuditEntries.Where(a => a.WorkspaceId == db.ScopedWorkspaceId);
        if (cursor is not null)
        {
            // Audit entries are numbered in order, so the cursor is simply the last number seen.
            if (!long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var before))
            {
                return Problems.Invalid("cursor", "This cursor is not one the API gave.");
            }
            query = query.Where(a => a.Id < before);
        }
        var items = await query.OrderByDescending(a => a.Id).Take(take + 1)
            .Select(a => new AuditEntryDto(a.Id, a.Action, a.ActorName, a.Target, a.Details, a.At)).ToListAsync(ct);
        var next = items.Count > take ? items[take - 1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new Page<AuditEntryDto>(items.Take(take).ToList(), next));
    }
}
