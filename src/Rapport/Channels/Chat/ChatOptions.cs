using System.ComponentModel.DataAnnotations;

namespace Rapport.Channels.Chat;

/// <summary>The website chat's limits. Bound from "Rapport:Chat".</summary>
public sealed class ChatOptions
{
    public const string Section = "Rapport:Chat";

    /// <summary>Requests (messages, stream connections, config reads) one client address may make per minute. Default: 60.</summary>
    [Range(1, int.MaxValue)]
    public int RequestsPerMinute { get; set; } = 60;

    /// <summary>
    /// How often a visitor's open stream reads the conversation again when nothing was announced: a safety net under the
    /// live updates (which wake it at once, from any node), for a signal lost while a node reconnected. Default: 20 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StreamRecheck { get; set; } = TimeSpan.FromSeconds(20);
}
