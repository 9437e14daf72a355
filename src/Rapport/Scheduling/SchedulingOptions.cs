namespace Rapport.Scheduling;

/// <summary>How the scheduler and the long-lived channel connections behave. Bound from "Rapport:Scheduling".</summary>
public sealed class SchedulingOptions
{
    public const string Section = "Rapport:Scheduling";

    /// <summary>
    /// How long a node holds a channel's long-lived connection (IMAP IDLE, a stream) without renewing its lease before
    /// another node may take it over. Renewed at half this. Default: 2 minutes.
    /// </summary>
    public TimeSpan WatchLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The name of this node in leases and the scheduler's cluster. Default: the machine's name and the process id.</summary>
    public string? NodeName { get; set; }
}

/// <summary>This process, as leases and job runs name it.</summary>
public sealed class RapportNode(Microsoft.Extensions.Options.IOptions<SchedulingOptions> options)
{
    public string Name { get; } = options.Value.NodeName is { Length: > 0 } name
        ? name
        : $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
}
