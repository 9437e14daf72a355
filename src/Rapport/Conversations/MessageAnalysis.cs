using Rapport.Data;

namespace Rapport.Conversations;

/// <summary>What the understanding engine said about an inbound message, with its explanation.</summary>
public sealed class MessageAnalysis : IWorkspaceOwned
{
    public Guid MessageId { get; set; }
    public Guid WorkspaceId { get; set; }
    public string Language { get; set; } = "other";
    public string Intent { get; set; } = "";
    public double IntentConfidence { get; set; }
    public double NeedsAnswer { get; set; }
    public double SentimentScore { get; set; }
    public string Sentiment { get; set; } = "";
    /// <summary>Comma-separated urgency signals ("Outage,LongWait").</summary>
    public string Urgency { get; set; } = "";
    public string Toxicity { get; set; } = "";
    public string Themes { get; set; } = "";
    public string KeyPhrases { get; set; } = "";
    /// <summary>"Recommends", "AdvisesAgainst" or "Mixed" when the customer recommends the brand or advises against it; empty otherwise.</summary>
    public string Recommendation { get; set; } = "";
    /// <summary>The customer's own words that say so ("je recommande · avoid them"), as written.</summary>
    public string RecommendationEvidence { get; set; } = "";
    /// <summary>The whole result with its evidence, as JSON, for the conversation's explanation panel.</summary>
    public string Explanation { get; set; } = "{}";
    public string ModelVersion { get; set; } = "";
    public DateTime AnalyzedAt { get; set; }
}
