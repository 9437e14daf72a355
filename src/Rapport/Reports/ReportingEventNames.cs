namespace Rapport.Reports;

/// <summary>The names of reporting events. Reports depend on these exact strings.</summary>
public static class ReportingEventNames
{
    public const string ConversationCreated = "conversation.created";
    public const string MessageReceived = "message.received";
    public const string FirstResponse = "conversation.first_response";
    public const string Reply = "conversation.reply";
    public const string ConversationResolved = "conversation.resolved";
    public const string ConversationReopened = "conversation.reopened";
    public const string AssigneeChanged = "conversation.assigned";
    /// <summary>A new conversation's opening sentiment (-1, 0, 1), started at its creation.</summary>
    public const string SentimentAtOpening = "sentiment.opened";
    /// <summary>The sentiment (-1, 0, 1) when resolved, started at the conversation's creation.</summary>
    public const string SentimentAtResolution = "sentiment.resolved";
    /// <summary>An SLA deadline passed; Value is the <see cref="Sla.SlaTarget"/>, started at the deadline.</summary>
    public const string SlaBreached = "sla.breached";
    /// <summary>A survey's satisfaction score (1–5), started at the conversation's creation.</summary>
    public const string SurveyCsat = "survey.csat";
    /// <summary>A survey's customer-effort score (1–5), started at the conversation's creation.</summary>
    public const string SurveyEffort = "survey.effort";
    /// <summary>The 0–10 answer to "would you recommend us"; EndedAt is when answered, ConversationId set.</summary>
    public const string SurveyRecommend = "survey.recommend";
}
