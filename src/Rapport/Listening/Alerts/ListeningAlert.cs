using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Listening.Alerts;

/// <summary>What rose: how many people talk about it, or how many of them are negative.</summary>
public enum AlertKind
{
    Volume,
    NegativeShare,
}

/// <summary>Where an alert stands: raised, seen by someone (acknowledged), or dealt with (resolved).</summary>
public enum AlertStatus
{
    Open,
    Acknowledged,
    Resolved,
}

/// <summary>How readily a topic raises alerts; Normal is the default (docs/listening.md, "Alerts").</summary>
public enum AlertSensitivity
{
    Normal,
    Low,
    High,
}

/// <summary>
/// One spike episode of a topic or a theme, from the hour it started to the hour it ended: the scan updates it while it
/// goes on and raises a new alert only after it has ended (docs/decisions/0072).
/// </summary>
public sealed class ListeningAlert : IWorkspaceOwned
{
    public const int MaxTerms = 10;
    public const int MaxMessages = 5;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public AlertKind Kind { get; set; }
    /// <summary>The topic it is about; null for a theme across the workspace.</summary>
    public Guid? TopicId { get; set; }
    /// <summary>The theme it is about (a value of <see cref="Mention.Themes"/>); empty for a topic.</summary>
    public string Theme { get; set; } = "";
    /// <summary>The topic's name when raised (kept if the topic is renamed or deleted), or the theme.</summary>
    public string ScopeName { get; set; } = "";
    /// <summary>The first hour of the episode (UTC, on the hour).</summary>
    public DateTime StartedAt { get; set; }
    /// <summary>The end of the last hour found above the baseline.</summary>
    public DateTime LastSeenAt { get; set; }
    /// <summary>Set once the episode is over: its hours went back to normal.</summary>
    public DateTime? EndedAt { get; set; }
    /// <summary>Volume: mentions over the episode. Negative share: the negative share over the episode (0 to 1).</summary>
    public double Observed { get; set; }
    /// <summary>What was expected over the episode, in the same unit.</summary>
    public double Expected { get; set; }
    /// <summary>Mentions over the episode (both kinds), and the negative ones.</summary>
    public int Mentions { get; set; }
    public int NegativeMentions { get; set; }
    /// <summary>The detector's score at the peak, in noise units.</summary>
    public double Score { get; set; }
    /// <summary>The words said more than usual, comma-separated, strongest first.</summary>
    public string Terms { get; set; } = "";
    /// <summary>The mentions that show it, comma-separated ids.</summary>
    public string MessageIds { get; set; } = "";
    public AlertStatus Status { get; set; }
    public DateTime RaisedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? AcknowledgedAt { get; set; }
    public Guid? AcknowledgedByUserId { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public Guid? ResolvedByUserId { get; set; }
    public string? ResolvedBy { get; set; }
    /// <summary>When its e-mails went out; null until they have (a failed send is tried again at the next scan).</summary>
    public DateTime? MailedAt { get; set; }
}

internal sealed class ListeningAlertConfiguration : IEntityTypeConfiguration<ListeningAlert>
{
    public void Configure(EntityTypeBuilder<ListeningAlert> builder)
    {
        builder.ToTable("ListeningAlerts");
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.Theme).HasMaxLength(64);
        builder.Property(a => a.ScopeName).HasMaxLength(Topic.MaxNameLength);
        builder.Property(a => a.Terms).HasMaxLength(1000);
        builder.Property(a => a.MessageIds).HasMaxLength(200);
        builder.Property(a => a.AcknowledgedBy).HasMaxLength(200);
        builder.Property(a => a.ResolvedBy).HasMaxLength(200);
        // The alerts page (latest first) and the scan (the open episodes of a scope).
        builder.HasIndex(a => new { a.WorkspaceId, a.RaisedAt });
        builder.HasIndex(a => new { a.WorkspaceId, a.EndedAt, a.Kind, a.TopicId, a.Theme });
    }
}
