using Rapport.Data;

namespace Rapport.Learning;

public enum TrainedModelStatus
{
    /// <summary>The model the workspace's analysis uses now.</summary>
    Current,
    /// <summary>A model that was current before; kept to roll back to.</summary>
    Previous,
    /// <summary>A retrained model that cross-validated worse than the current one, kept for the record.</summary>
    Rejected,
}

/// <summary>A workspace's own analysis model: the seed corpus plus its corrections. Kept in the database so every app node shares it.</summary>
public sealed class TrainedModel : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public int Number { get; set; }
    public string Version { get; set; } = "";
    public TrainedModelStatus Status { get; set; }
    public byte[] Data { get; set; } = [];
    /// <summary>Cross-validated macro-F1 per head, as JSON: {"intent":0.81,"needs_answer":0.9,"sentiment":0.78}.</summary>
    public string CrossValidation { get; set; } = "{}";
    public int Examples { get; set; }
    public int Corrections { get; set; }
    public DateTime CreatedAt { get; set; }
}
