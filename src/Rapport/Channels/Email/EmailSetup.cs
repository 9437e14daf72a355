using Rapport.Outbox;

namespace Rapport.Channels.Email;

public static class EmailSetup
{
    /// <summary>The e-mail channel: the IMAP poller and its worker, and the SMTP sender of replies.</summary>
    public static IServiceCollection AddEmailChannel(this IServiceCollection services)
    {
        // E-mail still comes in windows-1252 and other legacy charsets, which .NET decodes only once told about code pages.
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        services.AddOptions<EmailOptions>()
            .BindConfiguration(EmailOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddScoped<EmailPoller>();
        services.AddSingleton<EmailWorker>();
        services.AddSingleton<EmailIdleWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<EmailIdleWorker>());
        services.AddKeyedSingleton<IChannelSender, EmailSender>(ChannelKind.Email);
        return services;
    }
}
