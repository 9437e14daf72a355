using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>A new invitation with the token of its link (shown once), or the rule its request broke.</summary>
public sealed record NewInvitation(Invitation? Invitation, string? Token, RuleViolation? Violation);

/// <summary>
/// The one front door to a workspace's members and invitations, for the settings pages and the API alike: the rules of
/// <see cref="MemberRules"/> (never more rights than the caller's, always an owner left), the save and its audit entry.
/// </summary>
public sealed class MemberService(AuditLog audit, TimeProvider clock)
{
    public async Task<Change<Membership>> ChangeRoleAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid userId, Role wanted,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var membership = await db.Memberships.Include(m => m.User).FirstOrDefaultAsync(m => m.UserId == userId, ct);
        if (membership is null)
        {
            return Change<Membership>.NotFound;
        }
        var owners = await db.Memberships.CountAsync(m => m.Role == Role.Owner, ct);
        if (MemberRules.CheckRoleChange(actor.Role, membership.Role, wanted, owners) is { } violation)
        {
            return new(null, violation);
        }
        var before = membership.Role;
        MemberRules.ChangeRole(membership, wanted);
        audit.Add(db, "member.role_changed", actor.WorkspaceId, actor.UserId, actorName, membership.User!.Email, $"{before} → {wanted}");
        await db.SaveChangesAsync(ct);
        return new(membership, null);
    }

    public async Task<Change<Membership>> RemoveAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid userId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var membership = await db.Memberships.Include(m => m.User).FirstOrDefaultAsync(m => m.UserId == userId, ct);
        if (membership is null)
        {
            return Change<Membership>.NotFound;
        }
        var owners = await db.Memberships.CountAsync(m => m.Role == Role.Owner, ct);
        if (MemberRules.CheckRemoval(actor.Role, membership.Role, owners) is { } violation)
        {
            return new(null, violation);
        }
        await MemberRules.RemoveAsync(db, membership, ct);
        audit.Add(db, "member.removed", actor.WorkspaceId, actor.UserId, actorName, membership.User!.Email);
        await db.SaveChangesAsync(ct);
        return new(membership, null);
    }

    public async Task<NewInvitation> InviteAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, string? email, Role role, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        if (MemberRules.CheckInvitation(actor.Role, email, role) is { } violation)
        {
            return new(null, null, violation);
        }
        var (invitation, token) = MemberRules.NewInvitation(actor.WorkspaceId, email!, role, actor.UserId, clock.GetUtcNow().UtcDateTime);
        db.Invitations.Add(invitation);
        audit.Add(db, "invitation.created", actor.WorkspaceId, actor.UserId, actorName, invitation.Email, role.ToString());
        await db.SaveChangesAsync(ct);
        return new(invitation, token, null);
    }

    public async Task<Change<Invitation>> CancelInvitationAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid invitationId,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId, ct);
        if (invitation is null)
        {
            return Change<Invitation>.NotFound;
        }
        db.Invitations.Remove(invitation);
        audit.Add(db, "invitation.cancelled", actor.WorkspaceId, actor.UserId, actorName, invitation.Email);
        await db.SaveChangesAsync(ct);
        return new(invitation, null);
    }
}
