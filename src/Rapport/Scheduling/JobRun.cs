using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Rapport.Scheduling;

/// <summary>The latest run of one job, whichever node ran it: what the Jobs page shows beside the next run.</summary>
public sealed class JobRun
{
    public const int MaxErrorLength = 2000;

    public required string Job { get; set; }

    public DateTime StartedAt { get; set; }

    /// <summary>Null while the run goes on.</summary>
    public DateTime? FinishedAt { get; set; }

    public long? DurationMs { get; set; }

    public bool? Succeeded { get; set; }

    public string? Error { get; set; }

    public string? Node { get; set; }

    /// <summary>Who ran it now, when an admin did; null for a scheduled run.</summary>
    public string? RunBy { get; set; }
}

public sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("JobRuns");
        builder.HasKey(r => r.Job);
        builder.Property(r => r.Job).HasMaxLength(100);
        builder.Property(r => r.Error).HasMaxLength(JobRun.MaxErrorLength);
        builder.Property(r => r.Node).HasMaxLength(200);
        builder.Property(r => r.RunBy).HasMaxLength(200);
    }
}
