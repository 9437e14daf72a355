using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Listening;

/// <summary>What a topic follows: the brand itself, one of its products, a competitor, a campaign, or a theme people raise.</summary>
public enum TopicKind
{
    Brand,
    Product,
    Competitor,
    Campaign,
    Theme,
}

/// <summary>
/// Something the workspace listens for in public conversation, written as a query (docs/listening.md). Every mention of
/// the workspace is matched against every topic as it is processed, and again over the last days when the topic changes.
/// </summary>
public sealed class Topic : IWorkspaceOwned
{
    public const int MaxNameLength = 100;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public TopicKind Kind { get; set; }
    /// <summary>The query as written (Rapport.Analysis.Listening.TopicQuery).</summary>
    public required string Query { get; set; }
    /// <summary>The languages it listens to, comma-separated ("fr,en"); empty for every language.</summary>
    public string Languages { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }
    /// <summary>Set when the topic is created or its query changes: the mentions of the last days are to be matched again.</summary>
    public bool RematchPending { get; set; }
    /// <summary>Mentions matched again so far, out of <see cref="RematchTotal"/>, while a re-match runs.</summary>
    public int RematchDone { get; set; }
    public int RematchTotal { get; set; }
    public DateTime? RematchedAt { get; set; }
    /// <summary>How readily spikes of this topic raise alerts (Alerts/AlertService.SetSensitivityAsync).</summary>
    public Alerts.AlertSensitivity AlertSensitivity { get; set; }

    public IReadOnlyList<string> LanguageList => Languages.Length == 0 ? [] : Languages.Split(',');
}

/// <summary>
/// A public item heard on a listening channel (a feed entry, a post found by search, a partner's delivery): kept apart
/// from the inbox's messages, with the same analysis (docs/decisions/0061-mentions-apart-from-the-inbox.md).
/// </summary>
public sealed class Mention : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ChannelId { get; set; }
    /// <summary>The network's id; unique per channel, which makes processing idempotent.</summary>
    public required string ExternalId { get; set; }
    public string AuthorHandle { get; set; } = "";
    public string AuthorName { get; set; } = "";
    public string? Subject { get; set; }
    public string Text { get; set; } = "";
    public string? RawPayload { get; set; }
    public bool IsPublic { get; set; }
    /// <summary>When the author wrote it, by the network's clock.</summary>
    public DateTime CreatedAt { get; set; }
    public DateTime ReceivedAt { get; set; }
    public string Language { get; set; } = "other";
    public string Intent { get; set; } = "";
    public double IntentConfidence { get; set; }
    public double NeedsAnswer { get; set; }
    public double SentimentScore { get; set; }
    public string Sentiment { get; set; } = "";
    public string Urgency { get; set; } = "";
    public string Toxicity { get; set; } = "";
    public string Themes { get; set; } = "";
    public string KeyPhrases { get; set; } = "";
    /// <summary>As <see cref="Conversations.MessageAnalysis.Recommendation"/>: whether the author recommends the brand or advises against it.</summary>
    public string Recommendation { get; set; } = "";
    public string RecommendationEvidence { get; set; } = "";
    public string ModelVersion { get; set; } = "";
    /// <summary>The inbox conversation an agent turned it into, if any.</summary>
    public Guid? ConversationId { get; set; }
    /// <summary>
    /// Title, text and author folded (lower case, no accents: "élevé" is "eleve"), which the mentions' word search reads,
    /// the same on SQLite and PostgreSQL (docs/decisions/0065).
    /// </summary>
    public string SearchText { get; set; } = "";

    /// <summary>What <see cref="SearchText"/> holds for a title, text and author.</summary>
    public static string FoldForSearch(string? subject, string text, string authorName) =>
        Analysis.Text.TextFolding.Fold(string.IsNullOrEmpty(subject) ? text + "\n" + authorName : subject + "\n" + text + "\n" + authorName);
}

/// <summary>
/// A mention a topic's query matched. The mention's date, sentiment, language, source, author and noise are copied so a
/// topic's mentions are read by date, and its dashboard counted, from this table's index alone (docs/decisions/0068).
/// </summary>
public sealed class MentionTopic : IWorkspaceOwned
{
    public Guid TopicId { get; set; }
    public Guid MentionId { get; set; }
    public Guid WorkspaceId { get; set; }
    public DateTime MentionCreatedAt { get; set; }
    public string Sentiment { get; set; } = "";
    public string Language { get; set; } = "";
    public Guid ChannelId { get; set; }
    public string AuthorHandle { get; set; } = "";
    /// <summary>The mention is noise (spam, surely): set aside from the dashboards.</summary>
    public bool IsNoise { get; set; }

    /// <summary>What the analysis calls spam with this confidence or more is noise, as for inbox conversations (IngestService).</summary>
    public const double NoiseConfidence = 0.8;

    public static bool NoiseOf(string intent, double confidence) => intent == "Spam" && confidence >= NoiseConfidence;

    /// <summary>A topic's link to a mention, with the mention's copied fields.</summary>
    public static MentionTopic Of(Guid topicId, Mention mention)
    {
        ArgumentNullException.ThrowIfNull(mention);
        var link = new MentionTopic { TopicId = topicId, MentionId = mention.Id, WorkspaceId = mention.WorkspaceId };
        link.CopyFrom(mention);
        return link;
    }

    /// <summary>Takes the mention's date and analysis again (after `rapport reprocess`); true when something changed.</summary>
    public bool CopyFrom(Mention mention)
    {
        ArgumentNullException.ThrowIfNull(mention);
        var before = (MentionCreatedAt, Sentiment, Language, ChannelId, AuthorHandle, IsNoise);
        MentionCreatedAt = mention.CreatedAt;
        Sentiment = mention.Sentiment;
        Language = mention.Language;
        ChannelId = mention.ChannelId;
        AuthorHandle = mention.AuthorHandle;
        IsNoise = NoiseOf(mention.Intent, mention.IntentConfidence);
        return before != (MentionCreatedAt, Sentiment, Language, ChannelId, AuthorHandle, IsNoise);
    }
}

internal sealed class TopicConfiguration : IEntityTypeConfiguration<Topic>
{
    public void Configure(EntityTypeBuilder<Topic> builder)
    {
        builder.ToTable("Topics");
        builder.Property(t => t.Name).HasMaxLength(Topic.MaxNameLength);
        builder.Property(t => t.Query).HasMaxLength(Analysis.Listening.TopicQuery.MaxLength);
        builder.Property(t => t.Languages).HasMaxLength(64);
        builder.Ignore(t => t.LanguageList);
        builder.HasIndex(t => new { t.WorkspaceId, t.Name }).IsUnique();
        builder.HasIndex(t => t.RematchPending);
    }
}

internal sealed class MentionConfiguration : IEntityTypeConfiguration<Mention>
{
    public void Configure(EntityTypeBuilder<Mention> builder)
    {
        builder.ToTable("Mentions");
        builder.HasIndex(m => new { m.ChannelId, m.ExternalId }).IsUnique();
        builder.HasIndex(m => new { m.WorkspaceId, m.CreatedAt });
        // A conversation page asks whether it came from a mention: one lookup, not a scan of every mention.
        builder.HasIndex(m => m.ConversationId);
    }
}

internal sealed class MentionTopicConfiguration : IEntityTypeConfiguration<MentionTopic>
{
    public void Configure(EntityTypeBuilder<MentionTopic> builder)
    {
        builder.ToTable("MentionTopics");
        builder.HasKey(m => new { m.TopicId, m.MentionId });
        // Covers what a topic's dashboard counts (docs/decisions/0068): its rows by date, read from the index alone.
        builder.HasIndex(m => new { m.TopicId, m.MentionCreatedAt, m.IsNoise, m.Sentiment, m.Language, m.ChannelId, m.AuthorHandle }).HasDatabaseName("IX_MentionTopics_Dashboard");
        builder.HasIndex(m => m.MentionId);
        builder.Property(m => m.Sentiment).HasMaxLength(16);
        builder.Property(m => m.Language).HasMaxLength(16);
        builder.HasOne<Topic>().WithMany().HasForeignKey(m => m.TopicId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Mention>().WithMany().HasForeignKey(m => m.MentionId).OnDelete(DeleteBehavior.Cascade);
    }
}
