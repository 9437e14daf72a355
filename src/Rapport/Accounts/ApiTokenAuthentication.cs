using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Accounts;

/// <summary>
/// Authenticates "Authorization: Bearer rpt_…" API tokens. A token acts for one workspace with one role,
/// carried as claims that <see cref="Workspaces.WorkspaceResolver"/> checks on every request.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    RapportDbContext db,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string TokenPrefix = "rpt_";
    public const string WorkspaceClaim = "rapport:workspace";
    public const string RoleClaim = "rapport:role";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var token = header["Bearer ".Length..].Trim();
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return AuthenticateResult.Fail("Not a Rapport API token.");
        }
        var hash = TokenHasher.Hash(token);
        var found = await db.ApiTokens.IgnoreQueryFilters().FirstOrDefaultAsync(t => t.TokenHash == hash, Context.RequestAborted);
        if (found is null || found.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API token.");
        }
        // A token dies with its maker's membership: once they are removed from the workspace it answers 401 everywhere,
        // as their cookie does. (A role change needs no check here: the resolver caps the token at the maker's role.)
        var makerIsMember = await db.Memberships.IgnoreQueryFilters()
            .AnyAsync(m => m.WorkspaceId == found.WorkspaceId && m.UserId == found.CreatedByUserId, Context.RequestAborted);
        if (!makerIsMember)
        {
            return AuthenticateResult.Fail("The member who made this API token is no longer in its workspace.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        // Last use is informative: writing it at most once a minute keeps busy integrations from writing on every call.
        if (found.LastUsedAt is null || now - found.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            found.LastUsedAt = now;
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, found.CreatedByUserId.ToString()),
            new Claim(ClaimTypes.Name, $"token:{found.Name}"),
            new Claim(WorkspaceClaim, found.WorkspaceId.ToString()),
            new Claim(RoleClaim, found.Role.ToString()),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
