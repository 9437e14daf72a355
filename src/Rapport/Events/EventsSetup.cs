namespace Rapport.Events;

public static class EventsSetup
{
    /// <summary>The publisher and the subscribers that live outside the features publishing to them (docs/events.md).</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddScoped<EventPublisher>();
        services.AddScoped<IEventHandler<ConversationUpdated>, Automation.RulesOnConversationUpdated>();
        services.AddSingleton<IEventHandler<ConversationResolved>, Satisfaction.SurveyOnResolve>();
        return services;
    }
}
