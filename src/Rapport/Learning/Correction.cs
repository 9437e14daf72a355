using Rapport.Data;

namespace Rapport.Learning;

/// <summary>
/// An agent's correction of the analysis of a message, kept as a labelled example: the workspace's
/// model is retrained on the seed corpus plus these.
/// </summary>
public sealed class Correction : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid? MessageId { get; set; }
    public required string Text { get; set; }
    public string? Language { get; set; }
    public string? Intent { get; set; }
    public bool? NeedsAnswer { get; set; }
    public string? Sentiment { get; set; }
    public Guid? CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
}
