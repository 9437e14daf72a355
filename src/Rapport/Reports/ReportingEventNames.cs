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
}
