using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Content;

/// <summary>Where an idea came from: a member wrote it, or a group of customers' questions Rapport found.</summary>
public enum IdeaSource
{
    Member,
    QuestionGroup,
    /// <summary>A theme people raise in listening that the brand has made no commitment on yet.</summary>
    Expectation,
    /// <summary>A commitment due for an update: overdue, off track, or with no update for a month.</summary>
    Commitment,
}

public enum IdeaStatus
{
    New,
    Planned,
    Drafted,
    Dropped,
}

/// <summary>
/// Something worth posting about. An idea from evidence keeps the real messages behind it (their ids, up to
/// <see cref="MaxEvidence"/>) and how many there were, so a post can say it answers what people really ask.
/// </summary>
public sealed class Idea : IWorkspaceOwned
{
    public const int MaxTitleLength = 200;
    public const int MaxNotesLength = 4000;
    public const int MaxEvidence = 20;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Title { get; set; }
    public string Notes { get; set; } = "";
    public IdeaSource Source { get; set; }
    /// <summary>What a listening idea stands for (the theme's id, the commitment's id): one idea per theme or commitment.</summary>
    public string? SourceKey { get; set; }
    /// <summary>The messages (listening ideas: the mentions) behind the idea, comma-separated ids (the latest few).</summary>
    public string EvidenceMessageIds { get; set; } = "";
    /// <summary>How many messages asked it, which can be more than the ids kept.</summary>
    public int EvidenceCount { get; set; }
    public IdeaStatus Status { get; set; }
    public Guid? CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<Guid> EvidenceIds =>
        EvidenceMessageIds.Length == 0 ? [] : [.. EvidenceMessageIds.Split(',').Select(Guid.Parse)];
}

/// <summary>
/// A draft's way to publication: Draft → InReview → Approved → Scheduled → Publishing (handed to the outbox) →
/// Published, or Failed with the network's reason (and Retry).
/// </summary>
public enum DraftStatus
{
    Draft,
    InReview,
    Approved,
    Scheduled,
    Publishing,
    Published,
    Failed,
}

/// <summary>A post in the making: one text per publishing channel (its variants), reviewed, approved and scheduled.</summary>
public sealed class Draft : IWorkspaceOwned
{
    public const int MaxTitleLength = 200;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid? IdeaId { get; set; }
    public required string Title { get; set; }
    public Guid? AuthorUserId { get; set; }
    public string AuthorName { get; set; } = "";
    public DraftStatus Status { get; set; }
    /// <summary>When it goes out, UTC.</summary>
    public DateTime? ScheduledAt { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>The review's usefulness score (0 to 100) at the last save: the lowest of its variants.</summary>
    public int UsefulnessScore { get; set; }
    public Guid? ApprovedByUserId { get; set; }
    public DateTime? PublishedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Raised by every change: two members acting on the same draft at once, the second is told, not silently lost.</summary>
    public int Version { get; set; }
    /// <summary>The campaign the post belongs to: its tracked links' UTM campaign, which the reports group by.</summary>
    public string? Campaign { get; set; }
    public List<DraftVariant> Variants { get; set; } = [];
}

/// <summary>A draft's text for one publishing channel, and once published, where it went (outbox item, network id, link).</summary>
public sealed class DraftVariant : IWorkspaceOwned
{
    public const int MaxTextLength = 5000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid DraftId { get; set; }
    public Guid ChannelId { get; set; }
    public string Text { get; set; } = "";
    /// <summary>"fr", "en" or null.</summary>
    public string? Language { get; set; }
    /// <summary>How many images go with it and how many of them lack their alternative text.</summary>
    public int MediaCount { get; set; }
    public int MediaWithoutAltText { get; set; }
    public Guid? OutboxItemId { get; set; }
    public string? ExternalId { get; set; }
    public string? PublishedUrl { get; set; }
    public string? Error { get; set; }
    /// <summary>The tracked link (<c>/l/{code}</c>) this variant's text carries; its clicks count for the post once published.</summary>
    public Guid? TrackedLinkId { get; set; }
}

public enum DraftEventKind
{
    Created,
    Edited,
    Submitted,
    Approved,
    BackToReview,
    Scheduled,
    Publishing,
    Published,
    Failed,
    Retried,
    Comment,
    LinkAdded,
}

/// <summary>One line of a draft's history: who did what when, or a comment between members.</summary>
public sealed class DraftEvent : IWorkspaceOwned
{
    public const int MaxTextLength = 2000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid DraftId { get; set; }
    public Guid? UserId { get; set; }
    public string ActorName { get; set; } = "";
    public DraftEventKind Kind { get; set; }
    public string? Text { get; set; }
    public DateTime At { get; set; }
}

/// <summary>Who may approve a draft.</summary>
public enum ApprovalRule
{
    /// <summary>An admin or the owner (the default).</summary>
    Admins,
    /// <summary>Any member who can write (agent or above) other than the draft's author.</summary>
    AnotherMember,
}

/// <summary>The workspace's content settings; a workspace without a row has the defaults.</summary>
public sealed class ContentSettings : IWorkspaceOwned
{
    public const int MaxWordsToAvoidLength = 2000;

    public Guid WorkspaceId { get; set; }
    public ApprovalRule ApprovalRule { get; set; }
    /// <summary>Words and phrases the brand avoids, one per line.</summary>
    public string WordsToAvoid { get; set; } = "";

    public IReadOnlyList<string> WordsToAvoidList =>
        [.. WordsToAvoid.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

internal sealed class IdeaConfiguration : IEntityTypeConfiguration<Idea>
{
    public void Configure(EntityTypeBuilder<Idea> builder)
    {
        builder.ToTable("Ideas");
        builder.Property(i => i.Title).HasMaxLength(Idea.MaxTitleLength);
        builder.Property(i => i.Notes).HasMaxLength(Idea.MaxNotesLength);
        builder.Property(i => i.EvidenceMessageIds).HasMaxLength(Idea.MaxEvidence * 37);
        builder.Property(i => i.SourceKey).HasMaxLength(64);
        builder.Ignore(i => i.EvidenceIds);
        builder.HasIndex(i => new { i.WorkspaceId, i.Status });
    }
}

internal sealed class DraftConfiguration : IEntityTypeConfiguration<Draft>
{
    public void Configure(EntityTypeBuilder<Draft> builder)
    {
        builder.ToTable("Drafts");
        builder.Property(d => d.Title).HasMaxLength(Draft.MaxTitleLength);
        builder.Property(d => d.AuthorName).HasMaxLength(200);
        builder.Property(d => d.FailureReason).HasMaxLength(2000);
        builder.Property(d => d.Campaign).HasMaxLength(Links.TrackedLink.MaxTagLength);
        builder.Property(d => d.Version).IsConcurrencyToken();
        builder.HasMany(d => d.Variants).WithOne().HasForeignKey(v => v.DraftId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Idea>().WithMany().HasForeignKey(d => d.IdeaId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(d => new { d.WorkspaceId, d.Status });
        // The publishing job's question: which scheduled drafts are due.
        builder.HasIndex(d => new { d.Status, d.ScheduledAt });
    }
}

internal sealed class DraftVariantConfiguration : IEntityTypeConfiguration<DraftVariant>
{
    public void Configure(EntityTypeBuilder<DraftVariant> builder)
    {
        builder.ToTable("DraftVariants");
        builder.Property(v => v.Text).HasMaxLength(DraftVariant.MaxTextLength);
        builder.Property(v => v.Language).HasMaxLength(8);
        builder.Property(v => v.ExternalId).HasMaxLength(500);
        builder.Property(v => v.PublishedUrl).HasMaxLength(1000);
        builder.Property(v => v.Error).HasMaxLength(2000);
        builder.HasIndex(v => new { v.DraftId, v.ChannelId }).IsUnique();
        builder.HasIndex(v => v.OutboxItemId);
    }
}

internal sealed class DraftEventConfiguration : IEntityTypeConfiguration<DraftEvent>
{
    public void Configure(EntityTypeBuilder<DraftEvent> builder)
    {
        builder.ToTable("DraftEvents");
        builder.Property(e => e.ActorName).HasMaxLength(200);
        builder.Property(e => e.Text).HasMaxLength(DraftEvent.MaxTextLength);
        builder.HasOne<Draft>().WithMany().HasForeignKey(e => e.DraftId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(e => new { e.DraftId, e.At });
    }
}

internal sealed class ContentSettingsConfiguration : IEntityTypeConfiguration<ContentSettings>
{
    public void Configure(EntityTypeBuilder<ContentSettings> builder)
    {
        builder.ToTable("ContentSettings");
        builder.HasKey(s => s.WorkspaceId);
        builder.Property(s => s.WordsToAvoid).HasMaxLength(ContentSettings.MaxWordsToAvoidLength);
        builder.Ignore(s => s.WordsToAvoidList);
    }
}
