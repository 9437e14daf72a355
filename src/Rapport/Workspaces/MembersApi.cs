using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
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
        Guid userId, UpdateMemberRequest request, HttpContext http, RapportDbContext db, MemberService members, CancellationToken ct)
    {
        var change = await members.ChangeRoleAsync(db, http.Member(), http.User.Identity?.Name, userId, request.Role, ct);
        return change switch
        {
            { Item: { } m } => TypedResults.Ok(new MemberDto(userId, m.User!.DisplayName, m.User.Email!, m.Role, m.CreatedAt)),
            { Violation: { } violation } => Problems.Refused(violation),
            _ => Problems.NotFound("Member"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        Guid userId, HttpContext http, RapportDbContext db, MemberService members, CancellationToken ct) =>
        await members.RemoveAsync(db, http.Member(), http.User.Identity?.Name, userId, ct) switch
        {
            { Saved: true } => TypedResults.NoContent(),
            { Violation: { } violation } => Problems.Refused(violation),
            _ => Problems.NotFound("Member"),
        };

    private static async Task<Ok<List<InvitationDto>>> ListInvitationsAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Invitations.OrderByDescending(i => i.CreatedAt)
            .Select(i => new InvitationDto(i.Id, i.Email, i.Role, i.ExpiresAt, i.AcceptedAt)).ToListAsync(ct));

    private static async Task<Results<Created<CreatedInvitationDto>, ValidationProblem, ProblemHttpResult>> InviteAsync(
        Guid workspaceId, CreateInvitationRequest request, HttpContext http, RapportDbContext db, MemberService members, CancellationToken ct)
    {
        var created = await members.InviteAsync(db, http.Member(), http.User.Identity?.Name, request.Email, request.Role, ct);
        if (created is not { Invitation: { } invitation, Token: { } token })
        {
            // A malformed address is a bad request; a role above the caller's is a refusal.
            return created.Violation!.Field == "email" ? Problems.Invalid(created.Violation) : Problems.Refused(created.Violation);
        }
        var link = $"{http.Request.Scheme}://{http.Request.Host}/invite/{token}";
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/invitations/{invitation.Id}",
            new CreatedInvitationDto(invitation.Id, invitation.Email, invitation.Role, invitation.ExpiresAt, link));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelInvitationAsync(
        Guid invitationId, HttpContext http, RapportDbContext db, MemberService members, CancellationToken ct) =>
        (await members.CancelInvitationAsync(db, http.Member(), http.User.Identity?.Name, invitationId, ct)).Saved
            ? TypedResults.NoContent()
            : Problems.NotFound("Invitation");
}
