using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>The workspace a request acts on, and the role it acts with. Resolved once per request.</summary>
public sealed record WorkspaceMember(Guid WorkspaceId, Role Role, Guid? UserId, bool ViaToken);

/// <summary>Authorization policies: one per role, each met by that role or a higher one.</summary>
public static class Policies
{
    public const string Analyst = "workspace:analyst";
    public const string Agent = "workspace:agent";
    public const string Admin = "workspace:admin";
    public const string Owner = "workspace:owner";

    public static void Add(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(Analyst, p => p.RequireAuthenticatedUser().AddRequirements(new WorkspaceRoleRequirement(Role.Analyst)));
        options.AddPolicy(Agent, p => p.RequireAuthenticatedUser().AddRequirements(new WorkspaceRoleRequirement(Role.Agent)));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().AddRequirements(new WorkspaceRoleRequirement(Role.Admin)));
        options.AddPolicy(Owner, p => p.RequireAuthenticatedUser().AddRequirements(new WorkspaceRoleRequirement(Role.Owner)));
    }
}

public sealed record WorkspaceRoleRequirement(Role Minimum) : IAuthorizationRequirement;

/// <summary>
/// Meets a role requirement when the user is a member of the request's workspace with at least that role.
/// The workspace is the route's {workspaceId} when there is one, else the user's current workspace.
/// </summary>
public sealed class WorkspaceRoleHandler(WorkspaceResolver resolver) : AuthorizationHandler<WorkspaceRoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, WorkspaceRoleRequirement requirement)
    {
        // An HTTP request resolves its member once. A Blazor circuit lives for hours: it asks afresh every
        // time, so a member who was removed or demoted loses access without reloading the page.
        var member = context.Resource is HttpContext http
            ? await resolver.ResolveAsync(http, context.User)
            : await resolver.FindAsync(context.User, null);
        if (member is not null && member.Role >= requirement.Minimum)
        {
            context.Succeed(requirement);
        }
    }
}

/// <summary>Finds which workspace a request is for and the caller's role in it.</summary>
public sealed class WorkspaceResolver(RapportDbContext db)
{
    private const string ItemKey = "rapport:workspace-member";

    public static WorkspaceMember? Current(HttpContext http) =>
        http.Items.TryGetValue(ItemKey, out var value) ? value as WorkspaceMember : null;

    public async Task<WorkspaceMember?> ResolveAsync(HttpContext http, ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(user);
        if (Current(http) is { } cached)
        {
            return cached;
        }
        Guid? routeWorkspace = http.Request.RouteValues.TryGetValue("workspaceId", out var raw) && Guid.TryParse(raw?.ToString(), out var id) ? id : null;
        var member = await FindAsync(user, routeWorkspace, http.RequestAborted);
        if (member is not null)
        {
            http.Items[ItemKey] = member;
        }
        return member;
    }

    /// <summary>The caller's membership in <paramref name="workspaceId"/> (or their current workspace when null).</summary>
    public async Task<WorkspaceMember?> FindAsync(ClaimsPrincipal user, Guid? workspaceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        if (user.Identity.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName)
        {
            var tokenWorkspace = Guid.Parse(user.FindFirstValue(ApiTokenAuthenticationHandler.WorkspaceClaim)!);
            var tokenRole = Enum.Parse<Role>(user.FindFirstValue(ApiTokenAuthenticationHandler.RoleClaim)!);
            if (workspaceId is not null && workspaceId != tokenWorkspace)
            {
                return null;
            }
            // A token never acts above the person who made it, as they are now: removed, it stops; demoted, it follows.
            var creator = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
            var creatorRole = await db.Memberships.IgnoreQueryFilters()
                .Where(m => m.WorkspaceId == tokenWorkspace && m.UserId == creator)
                .Select(m => (Role?)m.Role)
                .FirstOrDefaultAsync(cancellationToken);
            return creatorRole is null ? null : new WorkspaceMember(tokenWorkspace, (Role)Math.Min((int)tokenRole, (int)creatorRole.Value), creator, ViaToken: true);
        }
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return null;
        }
        var memberships = db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == userId);
        if (workspaceId is { } wanted)
        {
            var role = await memberships.Where(m => m.WorkspaceId == wanted).Select(m => (Role?)m.Role).FirstOrDefaultAsync(cancellationToken);
            return role is null ? null : new WorkspaceMember(wanted, role.Value, userId, ViaToken: false);
        }
        var last = await db.Users.Where(u => u.Id == userId).Select(u => u.LastWorkspaceId).FirstOrDefaultAsync(cancellationToken);
        var current = await memberships
            .OrderByDescending(m => m.WorkspaceId == last)
            .ThenBy(m => m.CreatedAt)
            .Select(m => new { m.WorkspaceId, m.Role })
            .FirstOrDefaultAsync(cancellationToken);
        return current is null ? null : new WorkspaceMember(current.WorkspaceId, current.Role, userId, ViaToken: false);
    }
}
