using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Accounts;

public enum SignInOutcome
{
    Succeeded,
    WrongCredentials,
    LockedOut,
}

/// <summary>Signs people in and out with the audit trail and lockout the sign-in page and the API share.</summary>
public sealed class SignInService(SignInManager<User> signIn, UserManager<User> users, RapportDbContext db, AuditLog audit)
{
    public const string RateLimitPolicy = "signin";

    public async Task<SignInOutcome> SignInAsync(string email, string password, bool remember)
    {
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            audit.Add(db, "signin.failed", null, null, email, details: "unknown e-mail");
            await db.SaveChangesAsync();
            return SignInOutcome.WrongCredentials;
        }
        var result = await signIn.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        var outcome = result.Succeeded ? SignInOutcome.Succeeded : result.IsLockedOut ? SignInOutcome.LockedOut : SignInOutcome.WrongCredentials;
        var action = outcome switch
        {
            SignInOutcome.Succeeded => "signin.succeeded",
            SignInOutcome.LockedOut => "signin.locked_out",
            _ => "signin.failed",
        };
        audit.Add(db, action, user.LastWorkspaceId, user.Id, user.DisplayName);
        await db.SaveChangesAsync();
        return outcome;
    }

    /// <summary>
    /// Signs out, and renews the person's security stamp so that every copy of their session cookie stops working
    /// within the session check interval: a cookie copied before sign-out is not a way back in. This signs the person
    /// out of their other browsers too (a cookie has no server-side record to end alone).
    /// </summary>
    public async Task SignOutAsync()
    {
        if (await users.GetUserAsync(signIn.Context.User) is { } user)
        {
            Sessions.EndSessionsOf(user);
            await users.UpdateAsync(user);
        }
        await signIn.SignOutAsync();
    }

    /// <summary>True once an owner exists: until then the setup page is open and nothing else is.</summary>
    public async Task<bool> IsSetUpAsync() => await db.Users.AnyAsync();
}
