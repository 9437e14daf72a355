using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Accounts;

public sealed record SignInRequest([property: MaxLength(UserInput.MaxHandleLength)] string Email, [property: MaxLength(UserInput.MaxPasswordLength)] string Password, bool Remember = false);
public sealed record MeDto(Guid Id, string DisplayName, string Email, string? PreferredCulture, Guid? CurrentWorkspaceId);
public sealed record AcceptInvitationRequest([property: MaxLength(UserInput.MaxSecretLength)] string Token, [property: MaxLength(100)] string? DisplayName,
    [property: MaxLength(UserInput.MaxPasswordLength)] string Password);
public sealed record AcceptedInvitationDto(Guid WorkspaceId, Guid UserId);

/// <summary>Sign-in, sign-out, language and invitations: the endpoints people reach before or around a workspace.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this WebApplication app)
    {
        // The same cleaning and range checks as the rest of the API (Api.UserInputFilter): an e-mail with NUL is no 500.
        var auth = app.MapGroup("/api/v1/auth").WithTags("Accounts").AddEndpointFilter<Api.UserInputFilter>();
        auth.MapPost("/signin", SignInAsync).AllowAnonymous().RequireRateLimiting(SignInService.RateLimitPolicy)
            .WithSummary("Signs in with e-mail and password (sets the session cookie). Five wrong passwords lock the account for five minutes; a locked account answers 401 like a wrong password.");
        auth.MapPost("/signout", SignOutAsync).RequireAuthorization().WithSummary("Signs out.");
        app.MapGet("/api/v1/me", MeAsync).RequireAuthorization().WithTags("Accounts").WithSummary("The signed-in person.");
        app.MapPost("/api/v1/invitations/accept", AcceptInvitationAsync).AddEndpointFilter<Api.UserInputFilter>().AllowAnonymous().RequireRateLimiting(SignInService.RateLimitPolicy)
            .WithTags("Accounts").WithSummary("Accepts an invitation link: creates the account (or checks the existing one's password) and joins the workspace.");

        // Plain navigations used by the web shell: they set cookies, which interactive pages cannot do.
        app.MapGet("/account/culture", SetCultureAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/account/signout", async (SignInService signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/signin");
        }).RequireAuthorization().WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        app.MapGet("/account/switch/{workspaceId:guid}", SwitchWorkspaceAsync).RequireAuthorization().ExcludeFromDescription();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SignInAsync(SignInRequest request, SignInService signIn)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "E-mail and password are required");
        }
        return await signIn.SignInAsync(request.Email, request.Password, request.Remember) switch
        {
            SignInOutcome.Succeeded => TypedResults.NoContent(),
            // One answer for an unknown e-mail, a wrong password and a locked account: none tells whether the account exists.
            _ => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong e-mail or password",
                detail: "After five wrong passwords an account is locked for five minutes."),
        };
    }

    private static async Task<NoContent> SignOutAsync(SignInService signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeDto>, UnauthorizedHttpResult>> MeAsync(ClaimsPrincipal principal, RapportDbContext db, WorkspaceResolver resolver)
    {
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
        {
            return TypedResults.Unauthorized();
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id);
        if (user is null)
        {
            return TypedResults.Unauthorized();
        }
        var current = await resolver.FindAsync(principal, null);
        return TypedResults.Ok(new MeDto(user.Id, user.DisplayName, user.Email!, user.PreferredCulture, current?.WorkspaceId));
    }

    private static async Task<Results<Ok<AcceptedInvitationDto>, ProblemHttpResult, ValidationProblem>> AcceptInvitationAsync(
        AcceptInvitationRequest request, RapportDbContext db, UserManager<User> users, SignInManager<User> signIn, WorkspaceService workspaces, AuditLog audit, TimeProvider clock)
    {
        var outcome = await InvitationAcceptance.AcceptAsync(request, db, users, signIn, workspaces, audit, clock);
        return outcome switch
        {
            { Invalid: { } invalid } => invalid,
            { Problem: { } problem } => problem,
            _ => TypedResults.Ok(new AcceptedInvitationDto(outcome.WorkspaceId, outcome.UserId)),
        };
    }

    private static async Task<IResult> SetCultureAsync(string culture, string? redirectUri, HttpContext http, ProfileService profiles, WorkspaceResolver resolver)
    {
        // "browser" forgets the choice: the cookie goes and the Accept-Language header decides again.
        var chosen = culture is ProfileService.Browser ? ProfileService.Browser : culture is "fr" ? "fr" : "en";
        if (chosen == ProfileService.Browser)
        {
            http.Response.Cookies.Delete(CookieRequestCultureProvider.DefaultCookieName);
        }
        else
        {
            http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = false, Secure = http.Request.IsHttps });
        }
        // Remembered per user, so the choice follows them to another browser.
        if (Guid.TryParse(http.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            var current = await resolver.FindAsync(http.User, null);
            await profiles.UpdateAsync(userId, current?.WorkspaceId, new ProfileChange(Language: chosen));
        }
        return Results.LocalRedirect(IsLocal(redirectUri) ? redirectUri! : "/");
    }

    private static async Task<IResult> SwitchWorkspaceAsync(Guid workspaceId, HttpContext http, RapportDbContext db, WorkspaceResolver resolver)
    {
        if (await resolver.FindAsync(http.User, workspaceId) is null)
        {
            return Results.NotFound();
        }
        var userId = Guid.Parse(http.User.FindFirstValue(ClaimTypes.NameIdentifier)!);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastWorkspaceId, workspaceId));
        return Results.LocalRedirect("/");
    }

    public static bool IsLocal([FromQuery] string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}

/// <summary>The outcome of accepting an invitation.</summary>
public sealed record InvitationOutcome(Guid WorkspaceId = default, Guid UserId = default, ProblemHttpResult? Problem = null, ValidationProblem? Invalid = null);

/// <summary>Turns a single-use invitation token into a membership, for the API and the invitation page.</summary>
public static class InvitationAcceptance
{
    public static async Task<InvitationOutcome> AcceptAsync(
        AcceptInvitationRequest request, RapportDbContext db, UserManager<User> users, SignInManager<User> signIn, WorkspaceService workspaces, AuditLog audit, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(workspaces);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = TokenHasher.Hash(request.Token ?? "");
        var invitation = await db.Invitations.IgnoreQueryFilters().FirstOrDefaultAsync(i => i.TokenHash == hash);
        if (invitation is null || invitation.AcceptedAt is not null || invitation.ExpiresAt < now)
        {
            return new(Problem: TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "Invitation not valid",
                detail: "This invitation link was already used, has expired, or was cancelled. Ask for a new one."));
        }
        var user = await users.FindByEmailAsync(invitation.Email);
        if (user is null)
        {
            var (created, errors) = await workspaces.CreateUserAsync(invitation.Email, request.DisplayName ?? invitation.Email, request.Password ?? "");
            if (created is null)
            {
                return new(Invalid: TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["password"] = [.. errors] }));
            }
            user = created;
        }
        else
        {
            // The same lockout as the sign-in: an invitation is no way around it to guess a password.
            var check = await signIn.CheckPasswordSignInAsync(user, request.Password ?? "", lockoutOnFailure: true);
            if (check.IsLockedOut)
            {
                return new(Problem: TypedResults.Problem(statusCode: StatusCodes.Status423Locked, title: "Account locked",
                    detail: "Too many wrong passwords. The account is locked for a few minutes."));
            }
            if (!check.Succeeded)
            {
                return new(Problem: TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong password",
                    detail: "An account with this e-mail exists: enter its password to join."));
            }
        }
        invitation.AcceptedAt = now;
        audit.Add(db, "invitation.accepted", invitation.WorkspaceId, user.Id, user.DisplayName, invitation.Email, invitation.Role.ToString());
        await db.SaveChangesAsync();
        await workspaces.AddMemberAsync(invitation.WorkspaceId, user.Id, invitation.Role, user.Id);
        // The new membership becomes the current workspace, so the person lands where they were invited.
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastWorkspaceId, invitation.WorkspaceId));
        return new(invitation.WorkspaceId, user.Id);
    }
}
