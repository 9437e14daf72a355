using Rapport.Data;

namespace Rapport.Audit;

/// <summary>Appends audit entries. The caller saves them with its own change, so an action and its trace land together.</summary>
public sealed class AuditLog(TimeProvider clock, IHttpContextAccessor http)
{
    public void Add(RapportDbContext db, string action, Guid? workspaceId, Guid? actorUserId, string? actorName, string? target = null, string? details = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.AuditEntries.Add(new AuditEntry
        {
            Action = action,
            WorkspaceId = workspaceId,
            ActorUserId = actorUserId,
            ActorName = actorName,
            Target = target,
            Details = details,
            IpAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            At = clock.GetUtcNow().UtcDateTime,
        });
    }
}
