namespace Rapport.Analysis;

/// <summary>What the caller knows about a message besides its text.</summary>
/// <param name="ChannelKind">The channel it came from ("email", "chat", "mastodon", …), when known.</param>
/// <param name="IsPublic">True for a public mention, comment or reply; false for a private message.</param>
/// <param name="LanguageHint">A language the channel or contact is known to use ("fr", "en"), when known.</param>
/// <param name="Conversation">The thread the message continues, when it continues one; null reads the message alone.</param>
public sealed record AnalysisContext(string? ChannelKind = null, bool IsPublic = false, string? LanguageHint = null, ConversationContext? Conversation = null);

/// <summary>
/// What a message answers in its conversation, kept to what a reader needs to take a reply for what it is (docs/understanding.md,
/// "The conversation's context").
/// </summary>
/// <param name="BrandMessage">The brand's last message in the conversation before this one (sent, or at least stored), when there is one.</param>
/// <param name="CustomerWroteSince">True when the customer already wrote after that message: this one adds to what they said.</param>
/// <param name="ConversationIntent">What the conversation is about so far (the intent of the customer's latest message), when known.</param>
public sealed record ConversationContext(string? BrandMessage = null, bool CustomerWroteSince = false, Intent? ConversationIntent = null);

/// <summary>Why a person wrote to the brand.</summary>
public enum Intent
{
    Complaint,
    Question,
    Request,
    Feedback,
    Praise,
    PurchaseIntent,
    Chatter,
    Spam,
}

public enum SentimentLabel
{
    Negative,
    Neutral,
    Positive,
}

public enum UrgencySignal
{
    SafetyRisk,
    LegalThreat,
    Outage,
    LongWait,
    ChurnThreat,
    VulnerablePerson,
}

public enum ToxicityKind
{
    Insult,
    Harassment,
    Hate,
}

public enum SocietalTheme
{
    Environment,
    WorkingConditions,
    HealthAndSafety,
    Privacy,
    DiversityAndInclusion,
    AnimalWelfare,
    FairPrices,
    LocalSourcing,
    Accessibility,
}

/// <summary>A value with its confidence (0 to 1) and the terms or features that drove it.</summary>
public sealed record Scored<T>(T Value, double Confidence, IReadOnlyList<string> Evidence);

/// <summary>Everything the understanding engine says about one message.</summary>
public sealed record TextAnalysisResult(
    Scored<string> Language,
    Scored<Intent> Intent,
    Scored<double> NeedsAnswer,
    double SentimentScore,
    Scored<SentimentLabel> Sentiment,
    IReadOnlyList<Scored<UrgencySignal>> Urgency,
    IReadOnlyList<Scored<ToxicityKind>> Toxicity,
    IReadOnlyList<Scored<SocietalTheme>> Themes,
    IReadOnlyList<string> KeyPhrases,
    string ModelVersion)
{
    /// <summary>Whether the text recommends the brand or advises against it, with the words that say so.</summary>
    public Recommendations.RecommendationReading Recommendation { get; init; } = Recommendations.RecommendationReading.Nothing;
}

/// <summary>Reads a message the way a good agent would. Thread-safe; never throws on any text.</summary>
public interface ITextAnalyzer
{
    TextAnalysisResult Analyze(string text, AnalysisContext? context = null);
}
