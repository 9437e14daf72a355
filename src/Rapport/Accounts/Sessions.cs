using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Rapport.Accounts;

/// <summary>How soon a session learns it was ended elsewhere. Bound from the "Rapport:Sessions" configuration section.</summary>
public sealed class SessionOptions
{
    public const string Section = "Rapport:Sessions";

    /// <summary>
    /// How often a session cookie and an open page check that the person's security stamp is unchanged (a sign-out, a
    /// password change, a removal or a role change renews it). The longest a copied cookie works after one of those.
    /// Default: one minute; each check is one database read per person and interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Ends sessions when they should end. The session cookie carries the person's security stamp; the stamp changes on
/// sign-out, password change, removal from a workspace and role change, and every session compares its stamp with
/// the database at least once per <see cref="SessionOptions.CheckInterval"/> (docs/decisions/0052).
/// </summary>
public static class Sessions
{
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Both clocks from TimeProvider, so a test can move time past the interval instead of waiting for it.
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<SessionOptions>, TimeProvider>((o, sessions, clock) =>
        {
            o.ValidationInterval = sessions.Value.CheckInterval;
            o.TimeProvider = clock;
        });
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<TimeProvider>((o, clock) => o.TimeProvider = clock);
        // A Blazor circuit keeps the principal it opened with: check its stamp on the same interval, so a page left
        // open signs out too.
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        return services;
    }

    /// <summary>
    /// Renews a person's security stamp, which ends all their sessions within the check interval. The concurrency
    /// stamp changes with it, so a stale copy of the user saved later cannot put the old stamp back. The caller saves.
    /// </summary>
    public static void EndSessionsOf(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        user.ConcurrencyStamp = Guid.NewGuid().ToString();
    }
}

/// <summary>The authentication state of a Blazor circuit, checked against the security stamp on the session interval.</summary>
public sealed class SessionRevalidation(ILoggerFactory loggers, IServiceScopeFactory scopes, IOptions<SessionOptions> sessions, IOptions<IdentityOptions> identity)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    // Zero means "every request" for cookies; a circuit has no requests, so it checks every few seconds then.
    protected override TimeSpan RevalidationInterval =>
        sessions.Value.CheckInterval > TimeSpan.FromSeconds(5) ? sessions.Value.CheckInterval : TimeSpan.FromSeconds(5);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var principal = authenticationState.User;
        var user = await users.GetUserAsync(principal);
        if (user is null)
        {
            return false;
        }
        var stamp = principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        return stamp == await users.GetSecurityStampAsync(user);
    }
}
