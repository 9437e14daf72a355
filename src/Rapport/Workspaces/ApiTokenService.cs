using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>A new API token with its secret (shown once), or the rule its request broke.</summary>
public sealed record NewApiToken(ApiToken? Token, string? Secret, RuleViolation? Violation);

/// <summary>The one front door to a workspace's API tokens, for the settings page and the API alike: rules, save and audit.</summary>
public sealed class ApiTokenService(AuditLog audit, TimeProvider clock)
{
    /// <summary>Creates a token no stronger than its creator; only its hash and prefix are stored.</summary>
    public async Task<NewApiToken> CreateAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, string? name, Role role, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        if ((MemberRules.CheckTokenName(name) ?? MemberRules.CheckTokenRole(actor.Role, role)) is { } violation)
        {
            return new(null, null, violation);
        }
        var (token, secret) = MemberRules.NewApiToken(actor.WorkspaceId, name!, role, actor.UserId, clock.GetUtcNow().UtcDateTime);
        db.ApiTokens.Add(token);
        audit.Add(db, "token.created", actor.WorkspaceId, actor.UserId, actorName, token.Name, role.ToString());
        await db.SaveChangesAsync(ct);
        return new(token, secret, null);
    }

    /// <summary>Revokes a token (a second revocation keeps the first time).</summary>
    public async Task<Change<ApiToken>> RevokeAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid tokenId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId, ct);
        if (token is null)
        {
            return Change<ApiToken>.NotFound;
        }
        token.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        audit.Add(db, "token.revoked", actor.WorkspaceId, actor.UserId, actorName, token.Name);
        await db.SaveChangesAsync(ct);
        return new(token, null);
    }
}
