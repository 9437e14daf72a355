using System.ComponentModel.DataAnnotations;

namespace Rapport.Channels.Chat;

/// <summary>The website chat's limits. Bound from "Rapport:Chat".</summary>
public sealed class ChatOptions
{
    public const string Section = "Rapport:Chat";

    /// <summary>Requests (messages, stream connections, config reads) one client address may make per minute. Default: 60.</summary>
    [Range(1, int.MaxValue)]
    public int RequestsPerMinute { get; set; } = 60;
}
