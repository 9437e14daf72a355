using System.ComponentModel.DataAnnotations;

namespace Rapport.Ingest;

/// <summary>How accepted items are processed. Bound from the "Rapport:Ingest" configuration section.</summary>
public sealed class IngestOptions
{
    public const string Section = "Rapport:Ingest";

    /// <summary>How often the worker looks for accepted items nobody is processing. Default: 5 seconds; zero turns it off.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a claim holds an item. Whoever accepted or claimed it and died mid-way leaves it to another worker after
    /// this. Default: 2 minutes (well above a batch's processing time).
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts before an item is marked failed. Default: 5.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Items claimed and processed together per round. Default: 500.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;
}
