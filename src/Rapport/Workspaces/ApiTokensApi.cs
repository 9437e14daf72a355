using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
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
        Guid workspaceId, CreateApiTokenRequest request, HttpContext http, RapportDbContext db, ApiTokenService tokens, CancellationToken ct)
    {
        var created = await tokens.CreateAsync(db, http.Member(), http.User.Identity?.Name, request.Name, request.Role, ct);
        return created switch
        {
            { Token: { } token, Secret: { } secret } => TypedResults.Created($"/api/v1/workspaces/{workspaceId}/tokens/{token.Id}",
                new CreatedApiTokenDto(token.Id, token.Name, token.Role, secret)),
            // A role above the caller's is a refusal (403), not a malformed request.
            { Violation: { Field: "role" } refused } => Problems.Refused(refused),
            _ => Problems.Invalid(created.Violation!),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid tokenId, HttpContext http, RapportDbContext db, ApiTokenService tokens, CancellationToken ct) =>
        (await tokens.RevokeAsync(db, http.Member(), http.User.Identity?.Name, tokenId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Token");
}
