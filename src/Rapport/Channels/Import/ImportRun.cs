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
    /// <summary>The node running it (its name), while it runs.</summary>
    public string? LeaseOwner { get; set; }
    /// <summary>Until when <see cref="LeaseOwner"/>'s claim holds; renewed while it runs. Once past, another node takes the run over.</summary>
    public DateTime? LeaseUntil { get; set; }
    /// <summary>How many times a node started it: more than one when the node running it stopped and another took it over.</summary>
    public int Attempts { get; set; }
}

/// <summary>
/// A slice of an uploaded file, kept in the database until its import has run, so that whichever node claims the run
/// reads the file (a node's own folder is not shared).
/// </summary>
public sealed class ImportChunk : IWorkspaceOwned
{
    /// <summary>1 MiB: a 1 GB export is a thousand rows, and a node holds one slice in memory at a time.</summary>
    public const int Size = 1 << 20;

    public Guid ImportRunId { get; set; }
    public int Index { get; set; }
    public Guid WorkspaceId { get; set; }
    public required byte[] Data { get; set; }
}

/// <summary>How imports are claimed between nodes. Bound from "Rapport:Import".</summary>
public sealed class ImportOptions
{
    public const string Section = "Rapport:Import";

    /// <summary>How long a node's claim on a running import holds without renewal (renewed at a third of it). Default: one minute.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a node looks for a queued import another node received, or one a stopped node left. Default: 5 s.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class ImportRunConfiguration : IEntityTypeConfiguration<ImportRun>
{
    public void Configure(EntityTypeBuilder<ImportRun> builder)
    {
        builder.Property(r => r.FileName).HasMaxLength(260);
        builder.HasIndex(r => new { r.WorkspaceId, r.CreatedAt });
        builder.Property(r => r.LeaseOwner).HasMaxLength(200);
        builder.HasIndex(r => new { r.Status, r.LeaseUntil });
    }
}

internal sealed class ImportChunkConfiguration : IEntityTypeConfiguration<ImportChunk>
{
    public void Configure(EntityTypeBuilder<ImportChunk> builder)
    {
        builder.HasKey(c => new { c.ImportRunId, c.Index });
        builder.HasOne<ImportRun>().WithMany().HasForeignKey(c => c.ImportRunId).OnDelete(DeleteBehavior.Cascade);
    }
}
