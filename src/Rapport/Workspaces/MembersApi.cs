using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Workspaces;

public sealed record MemberDto(Guid UserId, string DisplayName, string Email, Role Role, DateTime JoinedAt);
public sealed record UpdateMemberRequest(Role Role);
public sealed record InvitationDto(Guid Id, string Email, Role Role, DateTime ExpiresAt, DateTime? AcceptedAt);
public sealed record CreateInvitationRequest([property: MaxLength(UserInput.MaxHandleLength)] string Email, Role Role);
/// <summary>The invitation link is shown once, here; only its hash is stored.</summary>
public sealed record CreatedInvitationDto(Guid Id, string Email, Role Role, DateTime ExpiresAt, string Link);

public static class MembersApi
{
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/members", ListAsync).WithSummary("Members and their roles.");
        workspace.MapPatch("/members/{userId:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithSummary("Changes a member's role.");
        workspace.MapDelete("/members/{userId:guid}", RemoveAsync).RequireAuthorization(Policies.Admin).WithSummary("Removes a member from the workspace.");
        workspace.MapGet("/invitations", ListInvitationsAsync).RequireAuthorization(Policies.Admin).WithSummary("Pending and accepted invitations.");
        workspace.MapPost("/invitations", InviteAsync).RequireAuthorization(Policies.Admin).WithSummary("Invites someone by a single-use link, shown once.");
        workspace.MapDelete("/invitations/{invitationId:guid}", CancelInvitationAsync).RequireAuthorization(Policies.Admin).WithSummary("Cancels an invitation.");
    }

    private static async Task<Ok<List<MemberDto>>> ListAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Memberships.OrderBy(m => m.User!.DisplayName)
            .Select(m => new MemberDto(m.UserId, m.User!.DisplayName, m.User.Email!, m.Role, m.CreatedAt)).ToListAsync(ct));

    private static async Task<Results<Ok<MemberDto>, ProblemHttpResult>> UpdateAsync(
        Guid workspaceId, Guid userId, UpdateMemberRequest request, HttpContext http, RapportDbContext db, AuditLog audit, CancellationToken ct)
    {
        var caller = http.Member();
        var membership = await db.Memberships.Include(m => m.User).FirstOrDefaultAsync(m => m.UserId == userId, ct);
        if (membership is null)
        {
            return Problems.NotFound("Member");
        }
        var owners = await db.Memberships.CountAsync(m => m.Role == Role.Owner, ct);
        if (MemberRules.CheckRoleChange(caller.Role, membership.Role, request.Role, owners) is { } violation)
        {
            return Problems.Refused(violation);
        }
        var before = membership.Role;
        MemberRules.ChangeRole(membership, request.Role);
        audit.Add(db, "member.role_changed", workspaceId, caller.UserId, http.User.Identity?.Name, membership.User!.Email, $"{before} → {request.Role}");
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new MemberDto(userId, membership.User.DisplayName, membership.User.Email!, membership.Role, membership.CreatedAt));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        Guid workspaceId, Guid userId, HttpContext http, RapportDbContext db, AuditLog audit, CancellationToken ct)
    {
        var caller = http.Member();
        var membership = await db.Memberships.Include(m => m.User).FirstOrDefaultAsync(m => m.UserId == userId, ct);
        if (membership is null)
        {
            return Problems.NotFound("Member");
        }
        var owners = await db.Memberships.CountAsync(m => m.Role == Role.Owner, ct);
        if (MemberRules.CheckRemoval(caller.Role, membership.Role, owners) is { } violation)
        {
            return Problems.Refused(violation);
        }
        await MemberRules.RemoveAsync(db, membership, ct);
        audit.Add(db, "member.removed", workspaceId, caller.UserId, http.User.Identity?.Name, membership.User!.Email);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<InvitationDto>>> ListInvitationsAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Invitations.OrderByDescending(i => i.CreatedAt)
            .Select(i => new InvitationDto(i.Id, i.Email, i.Role, i.ExpiresAt, i.AcceptedAt)).ToListAsync(ct));

    private static async Task<Results<Created<CreatedInvitationDto>, ValidationProblem, ProblemHttpResult>> InviteAsync(
        Guid workspaceId, CreateInvitationRequest request, HttpContext http, RapportDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Member();
        if (MemberRules.CheckInvitee(request.Email) is { } invalid)
        {
            return Problems.Invalid(invalid);
        }
        if (MemberRules.CheckInvitedRole(caller.Role, request.Role) is { } refused)
        {
            return Problems.Refused(refused);
        }
        var (invitation, token) = MemberRules.NewInvitation(workspaceId, request.Email, request.Role, caller.UserId, clock.GetUtcNow().UtcDateTime);
        db.Invitations.Add(invitation);
        audit.Add(db, "invitation.created", workspaceId, caller.UserId, http.User.Identity?.Name, invitation.Email, request.Role.ToString());
        await db.SaveChangesAsync(ct);
        var link = $"{http.Request.Scheme}://{http.Request.Host}/invite/{token}";
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/invitations/{invitation.Id}",
            new CreatedInvitationDto(invitation.Id, invitation.Email, invitation.Role, invitation.ExpiresAt, link));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelInvitationAsync(
        Guid workspaceId, Guid invitationId, HttpContext http, RapportDbContext db, AuditLog audit, CancellationToken ct)
    {
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId, ct);
        if (invitation is null)
        {
            return Problems.NotFound("Invitation");
        }
        db.Invitations.Remove(invitation);
        audit.Add(db, "invitation.cancelled", workspaceId, http.Member().UserId, http.User.Identity?.Name, invitation.Email);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
