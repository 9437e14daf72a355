namespace Rapport.Audit;

/// <summary>One security-relevant action: sign-ins, role changes, tokens, channels. Append-only.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    /// <summary>Null for actions outside a workspace (a failed sign-in).</summary>
    public Guid? WorkspaceId { get; set; }
    public Guid? ActorUserId { get; set; }
    public string? ActorName { get; set; }
    /// <summary>A dotted name: "signin.succeeded", "member.role_changed", "token.created", …</summary>
    public required string Action { get; set; }
    public string? Target { get; set; }
    public string? Details { get; set; }
    public string? IpAddress { get; set; }
    public DateTime At { get; set; }
}
