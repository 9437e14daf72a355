using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Workspaces;

namespace Rapport.Accounts;

/// <summary>What a person sees of themselves. The signature is the one used in the current workspace; null outside one.</summary>
public sealed record ProfileDto(string DisplayName, string Email, string Language, string? Signature, Guid? WorkspaceId, bool WeeklyDigest = false);

/// <summary>
/// A change to one's own profile; fields left out stay as they are. Language: "en", "fr", or "browser" to follow the
/// browser's language again.
/// </summary>
public sealed record ProfileChange(
    [property: MaxLength(ProfileService.MaxDisplayNameLength)] string? DisplayName = null,
    [property: MaxLength(UserInput.MaxCultureLength)] string? Language = null,
    [property: MaxLength(Signatures.MaxLength)] string? Signature = null,
    bool? WeeklyDigest = null);

/// <summary>A password change: the current password proves it is the person, not someone at an unlocked screen.</summary>
public sealed record PasswordChange([property: MaxLength(UserInput.MaxPasswordLength)] string CurrentPassword, [property: MaxLength(UserInput.MaxPasswordLength)] string NewPassword);

/// <summary>How a password change ended.</summary>
public enum PasswordChangeOutcome
{
    Changed,
    WrongPassword,
    Refused,
}

/// <summary>
/// One's own name, language, signature and password: the profile page and <c>/api/v1/me</c> call this one service.
/// A password change renews the security stamp, which ends every other session of the person within the session check
/// interval (<see cref="Sessions"/>).
/// </summary>
public sealed class ProfileService(RapportDbContext db, UserManager<User> users, SignInManager<User> signIn, AuditLog audit)
{
    public const int MaxDisplayNameLength = 200;

    /// <summary>The value of <see cref="ProfileDto.Language"/> for a person who has not chosen.</summary>
    public const string Browser = "browser";

    public async Task<ProfileDto?> GetAsync(Guid userId, Guid? workspaceId)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId);
        if (user is null)
        {
            return null;
        }
        var membership = workspaceId is { } w
            ? await db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == userId && m.WorkspaceId == w).Select(m => new { m.Signature, m.WeeklyDigest }).FirstOrDefaultAsync()
            : null;
        return new ProfileDto(user.DisplayName, user.Email ?? "", user.PreferredCulture ?? Browser, membership?.Signature, workspaceId, membership?.WeeklyDigest ?? false);
    }

    /// <summary>Checks a change against the rules; an empty list when it may be saved.</summary>
    public static List<RuleViolation> Check(ProfileChange change, Guid? workspaceId)
    {
        ArgumentNullException.ThrowIfNull(change);
        var violations = new List<RuleViolation>();
        if (change.DisplayName is { } name && (string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxDisplayNameLength))
        {
            violations.Add(new RuleViolation("displayName", "Profile.NameRequired", $"A name of 1 to {MaxDisplayNameLength} characters is required."));
        }
        if (change.Language is { } language && language is not ("en" or "fr" or Browser))
        {
            violations.Add(new RuleViolation("language", "Profile.LanguageUnknown", "The language is \"en\", \"fr\" or \"browser\"."));
        }
        if (change.Signature is { } signature)
        {
            if (signature.Trim().Length > Signatures.MaxLength)
            {
                violations.Add(new RuleViolation("signature", "Validation.TooLong", $"At most {Signatures.MaxLength} characters."));
            }
            else if (workspaceId is null)
            {
                // A signature belongs to a membership: each workspace signs in its own voice.
                violations.Add(new RuleViolation("signature", "Profile.SignatureNeedsWorkspace", "A signature is kept per workspace: join a workspace first."));
            }
        }
        if (change.WeeklyDigest is not null && workspaceId is null)
        {
            violations.Add(new RuleViolation("weeklyDigest", "Profile.DigestNeedsWorkspace", "The digest is per workspace: join a workspace first."));
        }
        return violations;
    }

    /// <summary>Saves the fields given. Returns the rules broken (nothing saved then), else an empty list.</summary>
    public async Task<List<RuleViolation>> UpdateAsync(Guid userId, Guid? workspaceId, ProfileChange change)
    {
        var violations = Check(change, workspaceId);
        if (violations.Count > 0)
        {
            return violations;
        }
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId);
        if (user is null)
        {
            return [];
        }
        var changed = new List<string>();
        if (change.DisplayName is { } name && name.Trim() != user.DisplayName)
        {
            user.DisplayName = name.Trim();
            changed.Add("name");
        }
        if (change.Language is { } language && (language == Browser ? null : language) is var culture && culture != user.PreferredCulture)
        {
            user.PreferredCulture = culture;
            changed.Add("language");
        }
        var membership = workspaceId is { } w ? await db.Memberships.IgnoreQueryFilters().FirstOrDefaultAsync(m => m.UserId == userId && m.WorkspaceId == w) : null;
        if (change.WeeklyDigest is { } digest && membership is not null && membership.WeeklyDigest != digest)
        {
            membership.WeeklyDigest = digest;
            changed.Add(digest ? "weekly digest on" : "weekly digest off");
        }
        if (change.Signature is { } signature)
        {
            var trimmed = UserInput.Clean(signature).Trim();
            var wanted = trimmed.Length == 0 ? null : trimmed;
            if (membership is not null && membership.Signature != wanted)
            {
                membership.Signature = wanted;
                changed.Add("signature");
            }
        }
        if (changed.Count > 0)
        {
            audit.Add(db, "account.profile_changed", workspaceId ?? user.LastWorkspaceId, user.Id, user.DisplayName, user.DisplayName, string.Join(", ", changed));
            await db.SaveChangesAsync();
        }
        return [];
    }

    /// <summary>
    /// Changes the password when <paramref name="current"/> is right. Wrong guesses count towards the sign-in lockout, so
    /// an open session is no way to guess the password. The new security stamp ends the person's other sessions; the
    /// session making the change, when there is one in this request, is renewed so it goes on. The audit log of
    /// <paramref name="workspaceId"/> (where the person acts now) records it.
    /// </summary>
    public async Task<(PasswordChangeOutcome Outcome, IReadOnlyList<string> Errors)> ChangePasswordAsync(Guid userId, Guid? workspaceId, string current, string next)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return (PasswordChangeOutcome.WrongPassword, []);
        }
        var check = await signIn.CheckPasswordSignInAsync(user, current ?? "", lockoutOnFailure: true);
        if (!check.Succeeded)
        {
            audit.Add(db, "account.password_refused", workspaceId ?? user.LastWorkspaceId, user.Id, user.DisplayName, user.DisplayName);
            await db.SaveChangesAsync();
            return (PasswordChangeOutcome.WrongPassword, []);
        }
        // Identity renews the security stamp with the new hash: that is what ends the other sessions (Sessions.cs).
        var result = await users.ChangePasswordAsync(user, current!, next ?? "");
        if (!result.Succeeded)
        {
            return (PasswordChangeOutcome.Refused, [.. result.Errors.Select(e => e.Code)]);
        }
        audit.Add(db, "account.password_changed", workspaceId ?? user.LastWorkspaceId, user.Id, user.DisplayName, user.DisplayName);
        await db.SaveChangesAsync();
        if (signIn.Context.User.Identity?.AuthenticationType == IdentityConstants.ApplicationScheme
            && signIn.Context.User.FindFirstValue(ClaimTypes.NameIdentifier) == user.Id.ToString())
        {
            await signIn.RefreshSignInAsync(user);
        }
        return (PasswordChangeOutcome.Changed, []);
    }
}

/// <summary><c>/api/v1/me</c>: the same profile service as the profile page.</summary>
public static class ProfileEndpoints
{
    public static void MapProfileEndpoints(this WebApplication app)
    {
        var me = app.MapGroup("/api/v1/me").RequireAuthorization().WithTags("Accounts").AddEndpointFilter<UserInputFilter>();
        me.MapGet("/profile", GetAsync).WithSummary("The signed-in person's profile: name, language (en, fr or browser) and signature in the current workspace.");
        me.MapPatch("", UpdateAsync).WithSummary("Changes one's own name, language (en, fr or browser), or signature and weekly digest (weeklyDigest: true or false) in the current workspace; fields left out stay.");
        me.MapPost("/password", ChangePasswordAsync)
            .WithSummary("Changes one's own password; the current password is required. Every other session of the person ends within the session check interval. Not with an API token.");
    }

    private static Guid? UserId(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    private static async Task<Results<Ok<ProfileDto>, UnauthorizedHttpResult>> GetAsync(ClaimsPrincipal principal, ProfileService profiles, WorkspaceResolver resolver)
    {
        if (UserId(principal) is not { } id)
        {
            return TypedResults.Unauthorized();
        }
        var current = await resolver.FindAsync(principal, null);
        return await profiles.GetAsync(id, current?.WorkspaceId) is { } profile ? TypedResults.Ok(profile) : TypedResults.Unauthorized();
    }

    private static async Task<Results<Ok<ProfileDto>, ValidationProblem, UnauthorizedHttpResult>> UpdateAsync(
        ProfileChange change, ClaimsPrincipal principal, ProfileService profiles, WorkspaceResolver resolver)
    {
        if (UserId(principal) is not { } id)
        {
            return TypedResults.Unauthorized();
        }
        var current = await resolver.FindAsync(principal, null);
        var violations = await profiles.UpdateAsync(id, current?.WorkspaceId, change);
        if (violations.Count > 0)
        {
            return Problems.Invalid(violations);
        }
        return TypedResults.Ok((await profiles.GetAsync(id, current?.WorkspaceId))!);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult, UnauthorizedHttpResult>> ChangePasswordAsync(
        PasswordChange change, ClaimsPrincipal principal, ProfileService profiles, WorkspaceResolver resolver)
    {
        if (UserId(principal) is not { } id)
        {
            return TypedResults.Unauthorized();
        }
        // A token acts for a workspace, not as the person: it may not take over their account.
        if (principal.Identity?.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName)
        {
            return Problems.Forbidden("An API token cannot change a password: sign in as the person.");
        }
        var current = await resolver.FindAsync(principal, null);
        var (outcome, errors) = await profiles.ChangePasswordAsync(id, current?.WorkspaceId, change.CurrentPassword, change.NewPassword);
        return outcome switch
        {
            PasswordChangeOutcome.Changed => TypedResults.NoContent(),
            PasswordChangeOutcome.WrongPassword => Problems.Invalid("currentPassword", "The current password is wrong."),
            _ => Problems.Invalid("newPassword", "The new password is too weak: " + string.Join(", ", errors) + "."),
        };
    }
}
