using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>A token for scripts and integrations: scoped to one workspace and one role, stored hashed.</summary>
public sealed class ApiToken : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>The first characters of the token, so a user can tell tokens apart.</summary>
    public required string Prefix { get; set; }
    /// <summary>SHA-256 of the whole token: tokens are long random strings, so a slow hash adds nothing.</summary>
    public required string TokenHash { get; set; }
    public Role Role { get; set; }
    public Guid CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
