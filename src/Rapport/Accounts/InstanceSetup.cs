using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Accounts;

/// <summary>What became of a setup request.</summary>
public enum SetupOutcome
{
    Done,
    /// <summary>An owner already exists (perhaps made a moment ago by a concurrent request): nothing was created.</summary>
    AlreadySetUp,
    Refused,
}

/// <summary>
/// Creates a fresh instance's owner and first workspace, exactly once even when several setup requests arrive
/// together: the check "no account yet" and the creation run in one serializable transaction (on SQLite a
/// <c>BEGIN IMMEDIATE</c>, which takes the database's write lock first, so the others wait and then see the owner).
/// </summary>
public sealed class InstanceSetup(RapportDbContext db, WorkspaceService workspaces)
{
    public async Task<(SetupOutcome Outcome, IReadOnlyList<string> Errors)> SetUpAsync(
        string email, string displayName, string password, string workspaceName, string culture, string timeZone, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryOnceAsync(email, displayName, password, workspaceName, culture, timeZone, ct);
            }
            catch (Exception ex) when (attempt < 5 && IsLostRace(ex))
            {
                // PostgreSQL refused this transaction for a concurrent one (serialization failure, or the same
                // e-mail's unique index). Run it again: it now sees that other setup's owner, or wins if that one failed too.
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<(SetupOutcome Outcome, IReadOnlyList<string> Errors)> TryOnceAsync(
        string email, string displayName, string password, string workspaceName, string culture, string timeZone, CancellationToken ct)
    {
        // Serializable is BEGIN IMMEDIATE for Microsoft.Data.Sqlite: the others wait for the write lock, then see the owner.
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, ct);
        if (await db.Users.AnyAsync(ct))
        {
            return (SetupOutcome.AlreadySetUp, []);
        }
        var (user, errors) = await workspaces.CreateUserAsync(email, displayName, password, culture);
        if (user is null)
        {
            return (SetupOutcome.Refused, errors);
        }
        await workspaces.CreateWorkspaceAsync(workspaceName, user.Id, culture, timeZone);
        await transaction.CommitAsync(ct);
        return (SetupOutcome.Done, []);
    }

    /// <summary>A database refusal somewhere in the chain (EF and Npgsql wrap it in one or two exceptions).</summary>
    private static bool IsLostRace(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is DbException)
            {
                return true;
            }
        }
        return false;
    }
}
