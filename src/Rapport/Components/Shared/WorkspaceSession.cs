using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Components.Shared;

/// <summary>A workspace the signed-in person belongs to, for the switcher.</summary>
public sealed record WorkspaceChoice(Guid Id, string Name, Role Role);

/// <summary>Who is signed in and which workspace they act in, as the pages and the layout see it.</summary>
public sealed record SessionInfo(
    Guid UserId,
    string DisplayName,
    string Email,
    string ActorName,
    WorkspaceMember? Member,
    Workspace? Workspace,
    IReadOnlyList<WorkspaceChoice> Workspaces)
{
    public bool IsAdmin => Member?.Role >= Role.Admin;

    /// <summary>A UTC time shown in the workspace's time zone and the reader's culture.</summary>
    public string Local(DateTime utc)
    {
        var zone = Workspace is { } w && TimeZoneInfo.TryFindSystemTimeZoneById(w.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        return TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("g", CultureInfo.CurrentCulture);
    }
}

/// <summary>
/// Resolves the signed-in person's current workspace once per circuit (or per request for static pages), with the
/// same rules as the API (<see cref="WorkspaceResolver"/>), and opens database contexts scoped to that workspace.
/// Pages open one context per operation: a circuit lives long, a context should not.
/// </summary>
public sealed class WorkspaceSession(
    AuthenticationStateProvider authentication,
    IDbContextFactory<RapportDbContext> factory)
{
    private Task<SessionInfo?>? loading;

    public Task<SessionInfo?> GetAsync() => loading ??= LoadAsync();

    /// <summary>Forgets what was loaded (after a rename, a role change) so the next read sees the database.</summary>
    public void Invalidate() => loading = null;

    /// <summary>A context that sees only <paramref name="member"/>'s workspace.</summary>
    public async Task<RapportDbContext> OpenAsync(WorkspaceMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var db = await factory.CreateDbContextAsync();
        // The member was read when the circuit opened; check it still holds, so a person removed or demoted
        // meanwhile reads nothing more through a page left open.
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        var now = await new WorkspaceResolver(db).FindAsync(user, member.WorkspaceId);
        if (now is null || now.Role < member.Role)
        {
            await db.DisposeAsync();
            Invalidate();
            throw new UnauthorizedAccessException("Your role in this workspace changed: reload the page.");
        }
        db.ScopedWorkspaceId = member.WorkspaceId;
        return db;
    }

    /// <summary>
    /// The caller's membership read again from the database, for actions: a role may have changed since the page opened.
    /// </summary>
    public async Task<WorkspaceMember?> FreshMemberAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        var current = await GetAsync();
        await using var db = await factory.CreateDbContextAsync();
        return await new WorkspaceResolver(db).FindAsync(user, current?.Member?.WorkspaceId);
    }

    private async Task<SessionInfo?> LoadAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        if (user.Identity?.IsAuthenticated != true || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return null;
        }
        await using var db = await factory.CreateDbContextAsync();
        var member = await new WorkspaceResolver(db).FindAsync(user, null);
        var person = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.DisplayName, u.Email }).FirstOrDefaultAsync();
        if (person is null)
        {
            return null;
        }
        var workspaces = await db.Memberships.AsNoTracking().Where(m => m.UserId == userId)
            .Join(db.Workspaces, m => m.WorkspaceId, w => w.Id, (m, w) => new WorkspaceChoice(w.Id, w.Name, m.Role))
            .ToListAsync();
        var workspace = member is null ? null : await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(w => w.Id == member.WorkspaceId);
        return new SessionInfo(userId, person.DisplayName, person.Email ?? "", user.Identity.Name ?? person.Email ?? "",
            member, workspace, [.. workspaces.OrderBy(w => w.Name, StringComparer.CurrentCultureIgnoreCase)]);
    }
}
