namespace Rapport.Channels.Webhook;

/// <summary>Signed webhook channels. Bound from the "Rapport:Webhooks" configuration section.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Rapport:Webhooks";

    /// <summary>How far a delivery's timestamp may be from Rapport's clock, either way. Default: 5 minutes.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most messages in one delivery. Default: 100.</summary>
    public int MaxMessagesPerDelivery { get; set; } = 100;

    /// <summary>How long a reply's POST to the callback URL may take before it counts as failed and is retried. Default: 30 seconds.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
