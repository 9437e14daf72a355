using System.ComponentModel.DataAnnotations;

namespace Rapport.Outbox;

/// <summary>How the outbox retries. Bound from the "Rapport:Outbox" configuration section.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Rapport:Outbox";

    /// <summary>How often the worker looks for due items. Default: 5 seconds; zero turns the background worker off.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts before an item is marked failed for the agent to see. Default: 8.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay before the second attempt; it doubles with each failure (with jitter). Default: 10 seconds.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest delay between attempts, Retry-After included. Default: 1 hour.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long an item may stay in Sending. A worker that crashed mid-send leaves its items there; after the lease
    /// they are sent again with the same idempotency key. Default: 2 minutes (well above the HTTP timeout).
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Items claimed per round. Default: 20.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 20;
}
