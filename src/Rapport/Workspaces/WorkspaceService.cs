using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>Creates workspaces and users: used by setup, the CLI, invitations and the demo.</summary>
public sealed class WorkspaceService(RapportDbContext db, UserManager<User> users, TimeProvider clock, AuditLog audit)
{
    public async Task<Workspace> CreateWorkspaceAsync(string name, Guid ownerId, string? culture = null, string? timeZone = null, string? slug = null)
    {
        var workspace = new Workspace
        {
            Name = name.Trim(),
            Slug = await UniqueSlugAsync(slug ?? name),
            DefaultCulture = culture is "fr" ? "fr" : "en",
            TimeZone = timeZone ?? "Europe/Paris",
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Workspaces.Add(workspace);
        db.Memberships.Add(new Membership { WorkspaceId = workspace.Id, UserId = ownerId, Role = Role.Owner, CreatedAt = workspace.CreatedAt });
        audit.Add(db, "workspace.created", workspace.Id, ownerId, null, workspace.Name);
        await db.SaveChangesAsync();
        return workspace;
    }

    /// <summary>Creates a local account. Returns the errors Identity gives (weak password, e-mail taken).</summary>
    public async Task<(User? User, IReadOnlyList<string> Errors)> CreateUserAsync(string email, string displayName, string password, string? culture = null)
    {
        var user = new User
        {
            UserName = email.Trim(),
            Email = email.Trim(),
            EmailConfirmed = true,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? email.Trim() : displayName.Trim(),
            PreferredCulture = culture,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        var result = await users.CreateAsync(user, password);
        return result.Succeeded ? (user, []) : (null, result.Errors.Select(e => e.Description).ToList());
    }

    /// <summary>
    /// Renames the workspace or changes its language or time zone (fields left null stay), with its audit entry; the one
    /// door for the settings page and the API. <paramref name="scoped"/> is the caller's context on this workspace.
    /// </summary>
    public async Task<Change<Workspace>> UpdateAsync(RapportDbContext scoped, WorkspaceMember actor, string? actorName, UpdateWorkspaceRequest request,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scoped);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var w = await scoped.Workspaces.FirstOrDefaultAsync(x => x.Id == actor.WorkspaceId, ct);
        if (w is null)
        {
            return Change<Workspace>.NotFound;
        }
        var violation = (request.Name is null ? null : WorkspaceRules.CheckName(request.Name))
            ?? (request.DefaultCulture is null ? null : WorkspaceRules.CheckCulture(request.DefaultCulture))
            ?? (request.TimeZone is null ? null : WorkspaceRules.CheckTimeZone(request.TimeZone));
        if (violation is not null)
        {
            return new(null, violation);
        }
        w.Name = request.Name?.Trim() ?? w.Name;
        w.DefaultCulture = request.DefaultCulture ?? w.DefaultCulture;
        w.TimeZone = request.TimeZone ?? w.TimeZone;
        audit.Add(scoped, "workspace.updated", actor.WorkspaceId, actor.UserId, actorName, w.Name);
        await scoped.SaveChangesAsync(ct);
        return new(w, null);
    }

    public async Task AddMemberAsync(Guid workspaceId, Guid userId, Role role, Guid? actorId)
    {
        var existing = await db.Memberships.IgnoreQueryFilters().FirstOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.UserId == userId);
        if (existing is null)
        {
            db.Memberships.Add(new Membership { WorkspaceId = workspaceId, UserId = userId, Role = role, CreatedAt = clock.GetUtcNow().UtcDateTime });
        }
        else if (existing.Role < role)
        {
            existing.Role = role;
        }
        audit.Add(db, "member.added", workspaceId, actorId, null, userId.ToString(), role.ToString());
        await db.SaveChangesAsync();
    }

    private async Task<string> UniqueSlugAsync(string source)
    {
        var baseSlug = Slugify(source);
        var slug = baseSlug;
        for (var i = 2; await db.Workspaces.AnyAsync(w => w.Slug == slug); i++)
        {
            slug = $"{baseSlug}-{i}";
        }
        return slug;
    }

    /// <summary>"Vélo Vert!" → "velo-vert".</summary>
    public static string Slugify(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }
        var slug = builder.ToString().Trim('-');
        if (slug.Length > 48)
        {
            slug = slug[..48].Trim('-');
        }
        return slug.Length == 0 ? "workspace" : slug;
    }
}
