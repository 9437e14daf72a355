using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Workspaces;

public sealed record ApiTokenDto(Guid Id, string Name, string Prefix, Role Role, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);
public sealed record CreateApiTokenRequest([property: MaxLength(100)] string Name, Role Role);
/// <summary>The token itself appears in this response only; it cannot be read again.</summary>
public sealed record CreatedApiTokenDto(Guid Id, string Name, Role Role, string Token);

public static class ApiTokensApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/tokens", ListAsync).RequireAuthorization(Policies.Admin).WithSummary("API tokens (never the secret itself).");
        workspace.MapPost("/tokens", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Creates an API token, shown once.");
        workspace.MapDelete("/tokens/{tokenId:guid}", RevokeAsync).RequireAuthorization(Policies.Admin).WithSummary("Revokes an API token.");
    }

    private static async Task<Ok<List<ApiTokenDto>>> ListAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.ApiTokens.OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenDto(t.Id, t.Name, t.Prefix, t.Role, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToListAsync(ct));

    private static async Task<Results<Created<CreatedApiTokenDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid workspaceId, CreateApiTokenRequest request, HttpContext http, RapportDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Member();
        if (MemberRules.CheckTokenName(request.Name) is { } invalid)
        {
            return Problems.Invalid(invalid);
        }
        if (MemberRules.CheckTokenRole(caller.Role, request.Role) is { } refused)
        {
            return Problems.Refused(refused);
        }
        var (token, secret) = MemberRules.NewApiToken(workspaceId, request.Name, request.Role, caller.UserId, clock.GetUtcNow().UtcDateTime);
        db.ApiTokens.Add(token);
        audit.Add(db, "token.created", workspaceId, caller.UserId, http.User.Identity?.Name, token.Name, request.Role.ToString());
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/tokens/{token.Id}", new CreatedApiTokenDto(token.Id, token.Name, token.Role, secret));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid workspaceId, Guid tokenId, HttpContext http, RapportDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId, ct);
        if (token is null)
        {
            return Problems.NotFound("Token");
        }
        token.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        audit.Add(db, "token.revoked", workspaceId, http.Member().UserId, http.User.Identity?.Name, token.Name);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
