namespace Rapport.Outbox;

public static class OutboxSetup
{
    /// <summary>Registers the outbox: the service that queues replies and the worker that delivers them. Senders register per channel kind.</summary>
    public static IServiceCollection AddOutbox(this IServiceCollection services)
    {
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.BaseDelay > TimeSpan.Zero && o.MaxDelay >= o.BaseDelay && o.Lease > TimeSpan.Zero,
                "The outbox delays and lease must be positive, and MaxDelay at least BaseDelay.");
        services.AddSingleton<OutboxSignal>();
        services.AddScoped<OutboxService>();
        services.AddSingleton<SandboxSender>();
        services.AddSingleton<OutboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxWorker>());
        return services;
    }
}
