using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>A brand: everything else belongs to exactly one workspace.</summary>
public sealed class Workspace
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    /// <summary>URL-safe unique name, used in public links (help page, surveys).</summary>
    public required string Slug { get; set; }
    public string TimeZone { get; set; } = "Europe/Paris";
    /// <summary>"fr" or "en": the language of new members' interface until they choose.</summary>
    public string DefaultCulture { get; set; } = "en";
    public DateTime CreatedAt { get; set; }
}

/// <summary>What a member may do in a workspace. Ordered: a higher role can do what a lower one can.</summary>
public enum Role
{
    Analyst = 0,
    Agent = 1,
    Admin = 2,
    Owner = 3,
}

/// <summary>A user's place in a workspace, with their role.</summary>
public sealed class Membership : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid UserId { get; set; }
    public Accounts.User? User { get; set; }
    public Role Role { get; set; }
    /// <summary>Appended to this member's replies in this workspace (one brand's sign-off is not another's).</summary>
    public string? Signature { get; set; }
    /// <summary>Whether this member gets the workspace's weekly digest by e-mail (they opt in on their profile).</summary>
    public bool WeeklyDigest { get; set; }
    /// <summary>The Monday (in the workspace's time zone) of the week whose digest was last sent to this member.</summary>
    public DateOnly? DigestSentForWeek { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A group of members that conversations can be routed to.</summary>
public sealed class Team : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public List<TeamMember> Members { get; set; } = [];
}

public sealed class TeamMember
{
    public Guid TeamId { get; set; }
    public Guid UserId { get; set; }
}

/// <summary>A single-use link that lets someone join a workspace with a given role.</summary>
public sealed class Invitation : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Email { get; set; }
    public Role Role { get; set; }
    /// <summary>SHA-256 of the token in the link; the token itself is shown once.</summary>
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? AcceptedAt { get; set; }
    public Guid CreatedByUserId { get; set; }
}

/// <summary>A label agents put on conversations.</summary>
public sealed class Label : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public string Color { get; set; } = "#64748b";
}

/// <summary>A workspace's own conversation status, beyond open / pending / snoozed / resolved.</summary>
public sealed class CustomStatus : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>The built-in status this one behaves like (an "awaiting refund" status behaves like pending).</summary>
    public Conversations.ConversationStatus BehavesAs { get; set; } = Conversations.ConversationStatus.Pending;
}
