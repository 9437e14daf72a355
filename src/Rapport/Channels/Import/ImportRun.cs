using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Channels.Import;

public enum ImportStatus
{
    Queued,
    Running,
    Completed,
    /// <summary>The file could not be read at all, or the import was interrupted; the reason says which.</summary>
    Failed,
}

/// <summary>
/// One file imported from the interface or the API, run in the background: what it is, how far it got, and its
/// report. A file imported again adds nothing, so a failed run is simply started again.
/// </summary>
public sealed class ImportRun : IWorkspaceOwned
{
    /// <summary>Refused rows kept with the run to show (line and reason); the count goes on beyond.</summary>
    public const int ReportedErrors = 200;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ChannelId { get; set; }
    public required string FileName { get; set; }
    public ImportStatus Status { get; set; }
    public Guid? StartedById { get; set; }
    public long TotalBytes { get; set; }
    public long BytesRead { get; set; }
    public long Rows { get; set; }
    /// <summary>Customer messages stored.</summary>
    public long Imported { get; set; }
    /// <summary>Rows an earlier run had already stored, customer messages and brand replies alike.</summary>
    public long AlreadyThere { get; set; }
    /// <summary>The brand's own replies stored as its answers (docs/decisions/0043-brand-replies-in-imports.md).</summary>
    public long BrandReplies { get; set; }
    public long ErrorCount { get; set; }
    /// <summary>The first <see cref="ReportedErrors"/> refused rows as JSON: [{"line": 3, "error": "…"}].</summary>
    public string Errors { get; set; } = "[]";
    public string? FailureReason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

internal sealed class ImportRunConfiguration : IEntityTypeConfiguration<ImportRun>
{
    public void Configure(EntityTypeBuilder<ImportRun> builder)
    {
        builder.Property(r => r.FileName).HasMaxLength(260);
        builder.HasIndex(r => new { r.WorkspaceId, r.CreatedAt });
    }
}
