using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Accounts;

/// <summary>
/// How a sign-in ended. A locked account and an unknown e-mail are <see cref="WrongCredentials"/> too: the answer
/// must not tell whether an account exists (the audit log keeps the difference).
/// </summary>
public enum SignInOutcome
{
    Succeeded,
    WrongCredentials,
}

/// <summary>Signs people in and out with the audit trail and lockout the sign-in page and the API share.</summary>
public sealed class SignInService(SignInManager<User> signIn, UserManager<User> users, RapportDbContext db, AuditLog audit)
{
    /// <summary>A hash of no one's password, checked when there is no real one to check (see <see cref="SpendAPasswordCheck"/>).</summary>
    private static string? unknownAccountHash;

    public const string RateLimitPolicy = "signin";

    public async Task<SignInOutcome> SignInAsync(string email, string password, bool remember)
    {
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null || await users.IsLockedOutAsync(user))
        {
            // Identity answers these without hashing the password, in a few milliseconds against a hundred or more for
            // a wrong password: hash anyway, so the time taken does not tell an unknown or locked account from another.
            SpendAPasswordCheck(password);
            audit.Add(db, user is null ? "signin.failed" : "signin.locked_out", user?.LastWorkspaceId, user?.Id, user?.DisplayName ?? email,
                details: user is null ? "unknown e-mail" : null);
            await db.SaveChangesAsync();
            return SignInOutcome.WrongCredentials;
        }
        var result = await signIn.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);
        var action = result.Succeeded ? "signin.succeeded" : result.IsLockedOut ? "signin.locked_out" : "signin.failed";
        audit.Add(db, action, user.LastWorkspaceId, user.Id, user.DisplayName);
        await db.SaveChangesAsync();
        return result.Succeeded ? SignInOutcome.Succeeded : SignInOutcome.WrongCredentials;
    }

    private void SpendAPasswordCheck(string password)
    {
        var nobody = new User();
        unknownAccountHash ??= users.PasswordHasher.HashPassword(nobody, Guid.NewGuid().ToString());
        users.PasswordHasher.VerifyHashedPassword(nobody, unknownAccountHash, password);
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
