using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Commitments;

/// <summary>Where a commitment stands, as the brand declares it; overdue and off track are read from its dates and figures.</summary>
public enum CommitmentStatus
{
    Planned,
    InProgress,
    Achieved,
    Missed,
    Withdrawn,
}

/// <summary>
/// A public commitment of the brand (docs/listening.md, "Commitments"): what it promises in French and English, on which
/// societal theme, towards which target by when, who answers for it, and whether the public transparency page shows it.
/// </summary>
public sealed class Commitment : IWorkspaceOwned
{
    public const int MaxTitleLength = 200;
    public const int MaxTextLength = 4_000;
    public const int MaxWordsLength = 500;
    public const int MaxWords = 10;
    public const int MaxUnitLength = 32;
    public const int MaxOwnerLength = 100;
    public const int MaxThemeLength = 64;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public string TitleFr { get; set; } = "";
    public string TitleEn { get; set; } = "";
    public string TextFr { get; set; } = "";
    public string TextEn { get; set; } = "";
    /// <summary>The theme it answers: a built-in societal theme's name ("Environment") or a theme topic's id.</summary>
    public string Theme { get; set; } = "";
    /// <summary>Words that narrow the theme's mentions to this commitment ("emballage, packaging"), comma-separated; empty for all of the theme.</summary>
    public string Words { get; set; } = "";
    public double? Baseline { get; set; }
    public double? Target { get; set; }
    public string Unit { get; set; } = "";
    /// <summary>The day the commitment was made: where the straight line to the target starts.</summary>
    public DateOnly StartedOn { get; set; }
    public DateOnly? Deadline { get; set; }
    /// <summary>The team or role that answers for it (shown on the public page).</summary>
    public string Owner { get; set; } = "";
    public CommitmentStatus Status { get; set; }
    /// <summary>Shown on the public transparency page (when the workspace has it on).</summary>
    public bool IsPublished { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }
}

/// <summary>A dated step of a commitment: what was done, the figure reached if any, and the evidence behind it.</summary>
public sealed class CommitmentUpdate : IWorkspaceOwned
{
    public const int MaxEvidenceLength = 2_000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid CommitmentId { get; set; }
    /// <summary>The day it speaks of (the workspace's day).</summary>
    public DateOnly On { get; set; }
    /// <summary>The figure reached, in the commitment's unit, if the update has one.</summary>
    public double? Value { get; set; }
    public string TextFr { get; set; } = "";
    public string TextEn { get; set; } = "";
    /// <summary>A link to the evidence (a report, an audit, a certificate): http or https only.</summary>
    public string EvidenceUrl { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }
}

/// <summary>Whether the workspace's public transparency page answers (off until an admin turns it on).</summary>
public sealed class TransparencySettings : IWorkspaceOwned
{
    public Guid WorkspaceId { get; set; }
    public bool PublicPage { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class CommitmentConfiguration : IEntityTypeConfiguration<Commitment>
{
    public void Configure(EntityTypeBuilder<Commitment> builder)
    {
        builder.ToTable("Commitments");
        builder.Property(c => c.TitleFr).HasMaxLength(Commitment.MaxTitleLength);
        builder.Property(c => c.TitleEn).HasMaxLength(Commitment.MaxTitleLength);
        builder.Property(c => c.TextFr).HasMaxLength(Commitment.MaxTextLength);
        builder.Property(c => c.TextEn).HasMaxLength(Commitment.MaxTextLength);
        builder.Property(c => c.Theme).HasMaxLength(Commitment.MaxThemeLength);
        builder.Property(c => c.Words).HasMaxLength(Commitment.MaxWordsLength);
        builder.Property(c => c.Unit).HasMaxLength(Commitment.MaxUnitLength);
        builder.Property(c => c.Owner).HasMaxLength(Commitment.MaxOwnerLength);
        builder.HasIndex(c => new { c.WorkspaceId, c.IsPublished });
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CommitmentUpdateConfiguration : IEntityTypeConfiguration<CommitmentUpdate>
{
    public void Configure(EntityTypeBuilder<CommitmentUpdate> builder)
    {
        builder.ToTable("CommitmentUpdates");
        builder.Property(u => u.TextFr).HasMaxLength(Commitment.MaxTextLength);
        builder.Property(u => u.TextEn).HasMaxLength(Commitment.MaxTextLength);
        builder.Property(u => u.EvidenceUrl).HasMaxLength(CommitmentUpdate.MaxEvidenceLength);
        builder.HasIndex(u => new { u.CommitmentId, u.On });
        builder.HasIndex(u => new { u.WorkspaceId, u.CreatedAt });
        builder.HasOne<Commitment>().WithMany().HasForeignKey(u => u.CommitmentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TransparencySettingsConfiguration : IEntityTypeConfiguration<TransparencySettings>
{
    public void Configure(EntityTypeBuilder<TransparencySettings> builder)
    {
        builder.ToTable("TransparencySettings");
        builder.HasKey(s => s.WorkspaceId);
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
