using Microsoft.AspNetCore.Identity;

namespace Rapport.Accounts;

/// <summary>A person who signs in. Belongs to workspaces through memberships.</summary>
public sealed class User : IdentityUser<Guid>
{
    public User() => Id = Guid.CreateVersion7();

    public string DisplayName { get; set; } = "";
    /// <summary>"fr" or "en" once the user has chosen; null follows the browser.</summary>
    public string? PreferredCulture { get; set; }
    public Guid? LastWorkspaceId { get; set; }
    public DateTime CreatedAt { get; set; }
}
