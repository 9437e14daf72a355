using Microsoft.EntityFrameworkCore;
using Rapport.Accounts;
using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>
/// Who may change whom, and how invitations and API tokens are made: shared by the API and the settings pages,
/// so both enforce the same rules.
/// </summary>
public static class MemberRules
{
    /// <summary>Only an owner may make or unmake an owner, and the last owner cannot be demoted.</summary>
    public static RuleViolation? CheckRoleChange(Role caller, Role current, Role wanted, int ownerCount)
    {
        if (!Enum.IsDefined(wanted))
        {
            return new("role", "Rule.UnknownRole", "Unknown role");
        }
        if ((wanted == Role.Owner || current == Role.Owner) && caller != Role.Owner)
        {
            return new("role", "Rule.OnlyOwnerGrantsOwner", "Only an owner can grant or remove the owner role.");
        }
        if (current == Role.Owner && wanted != Role.Owner && ownerCount <= 1)
        {
            return new("role", "Rule.LastOwner", "A workspace keeps at least one owner.");
        }
        return null;
    }

    /// <summary>Only an owner removes an owner, and never the last one.</summary>
    public static RuleViolation? CheckRemoval(Role caller, Role target, int ownerCount)
    {
        if (target == Role.Owner && caller != Role.Owner)
        {
            return new("role", "Rule.OnlyOwnerRemovesOwner", "Only an owner can remove an owner.");
        }
        if (target == Role.Owner && ownerCount <= 1)
        {
            return new("role", "Rule.LastOwner", "A workspace keeps at least one owner.");
        }
        return null;
    }

    /// <summary>
    /// Gives a member another role and ends their sessions, so no page or cookie goes on with the old role; their API
    /// tokens follow the new role at once. The membership's user must be loaded; the caller saves.
    /// </summary>
    public static void ChangeRole(Membership membership, Role wanted)
    {
        ArgumentNullException.ThrowIfNull(membership);
        membership.Role = wanted;
        Sessions.EndSessionsOf(membership.User ?? throw new InvalidOperationException("Load the membership's user."));
    }

    /// <summary>
    /// Takes a member out of the workspace: out of its teams, off the conversations they were assigned (back to
    /// the unassigned view, so nobody waits on someone who can no longer see them), then the membership itself.
    /// Their sessions end and their API tokens for this workspace stop working. The membership's user must be
    /// loaded; the caller saves.
    /// </summary>
    public static async Task RemoveAsync(RapportDbContext db, Membership membership, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(membership);
        var teamIds = db.Teams.Where(t => t.WorkspaceId == membership.WorkspaceId).Select(t => t.Id);
        db.TeamMembers.RemoveRange(await db.TeamMembers.Where(m => m.UserId == membership.UserId && teamIds.Contains(m.TeamId)).ToListAsync(ct));
        foreach (var conversation in await db.Conversations.Where(c => c.WorkspaceId == membership.WorkspaceId && c.AssigneeId == membership.UserId).ToListAsync(ct))
        {
            conversation.AssigneeId = null;
            conversation.Version++;
        }
        db.Memberships.Remove(membership);
        Sessions.EndSessionsOf(membership.User ?? throw new InvalidOperationException("Load the membership's user."));
    }

    public static RuleViolation? CheckInvitation(Role caller, string? email, Role role) =>
        CheckInvitee(email) ?? CheckInvitedRole(caller, role);

    public static RuleViolation? CheckInvitee(string? email) =>
        string.IsNullOrWhiteSpace(email) || !email.Contains('@', StringComparison.Ordinal) || email.Length > 320
            ? new("email", "Validation.Email", "A valid e-mail address is required.")
            : null;

    /// <summary>Only an owner invites an owner.</summary>
    public static RuleViolation? CheckInvitedRole(Role caller, Role role) =>
        !Enum.IsDefined(role) || (role == Role.Owner && caller != Role.Owner)
            ? new("role", "Rule.OnlyOwnerInvitesOwner", "Only an owner can invite another owner.")
            : null;

    /// <summary>A new invitation and the token of its link, which is shown once; only its hash is stored.</summary>
    public static (Invitation Invitation, string Token) NewInvitation(Guid workspaceId, string email, Role role, Guid? createdBy, DateTime now)
    {
        var token = TokenHasher.NewToken("inv_");
        return (new Invitation
        {
            WorkspaceId = workspaceId,
            Email = email.Trim(),
            Role = role,
            TokenHash = TokenHasher.Hash(token),
            CreatedAt = now,
            ExpiresAt = now + MembersApi.InvitationLifetime,
            CreatedByUserId = createdBy ?? Guid.Empty,
        }, token);
    }

    public static RuleViolation? CheckTokenName(string? name) =>
        (name?.Trim().Length ?? 0) is 0 or > 100 ? new("name", "Validation.Name100", "A name of 1 to 100 characters is required.") : null;

    /// <summary>A token never acts with more rights than the person who made it.</summary>
    public static RuleViolation? CheckTokenRole(Role caller, Role role) =>
        !Enum.IsDefined(role) || role > caller ? new("role", "Rule.TokenRoleTooHigh", "A token's role cannot be higher than your own.") : null;

    /// <summary>A new API token and its secret, which is shown once; only its hash and prefix are stored.</summary>
    public static (ApiToken Token, string Secret) NewApiToken(Guid workspaceId, string name, Role role, Guid? createdBy, DateTime now)
    {
        var secret = TokenHasher.NewToken(ApiTokenAuthenticationHandler.TokenPrefix);
        return (new ApiToken
        {
            WorkspaceId = workspaceId,
            Name = name.Trim(),
            Prefix = secret[..10],
            TokenHash = TokenHasher.Hash(secret),
            Role = role,
            CreatedByUserId = createdBy ?? Guid.Empty,
            CreatedAt = now,
        }, secret);
    }
}
