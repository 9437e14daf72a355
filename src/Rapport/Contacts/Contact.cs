using Rapport.Data;

namespace Rapport.Contacts;

/// <summary>One person, whatever channels they use to reach the brand.</summary>
public sealed class Contact : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public string DisplayName { get; set; } = "";
    public string? Email { get; set; }
    /// <summary>"fr", "en", … as last detected or set by an agent.</summary>
    public string? Language { get; set; }
    public bool IsVip { get; set; }
    public string? Notes { get; set; }
    /// <summary>When this contact was merged into another one, the one that remains.</summary>
    public Guid? MergedIntoId { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<ContactIdentity> Identities { get; set; } = [];
}

/// <summary>A handle on one channel (an e-mail address, @name@instance, a chat visitor id). Unique per channel.</summary>
public sealed class ContactIdentity : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ContactId { get; set; }
    public Guid ChannelId { get; set; }
    public required string Handle { get; set; }
    public string? DisplayName { get; set; }
    public DateTime CreatedAt { get; set; }
}
