using Rapport.Data;

namespace Rapport.Channels;

/// <summary>The network or source a channel talks to. Each kind has one adapter that only translates.</summary>
public enum ChannelKind
{
    Api,
    Email,
    Chat,
    Mastodon,
    Bluesky,
    Feed,
    Webhook,
    Import,
}

/// <summary>What a channel is used for.</summary>
public enum ChannelDirection
{
    /// <summary>Messages addressed to the brand, answered from the inbox.</summary>
    Inbox,
    /// <summary>Public conversation about the brand, heard but not necessarily answered.</summary>
    Listening,
    /// <summary>Where the brand publishes its own posts.</summary>
    Publishing,
}

/// <summary>A connected source or destination of messages.</summary>
public sealed class Channel : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public ChannelKind Kind { get; set; }
    public ChannelDirection Direction { get; set; }
    /// <summary>Non-secret settings as JSON (server address, account handle, poll interval…).</summary>
    public string Settings { get; set; } = "{}";
    /// <summary>Secrets (passwords, tokens, signing keys) as JSON, encrypted with ASP.NET Data Protection. Never returned.</summary>
    public string? ProtectedSecrets { get; set; }
    /// <summary>What the channel's adapter remembers between runs (feed ETag, last notification id…), as JSON.</summary>
    public string State { get; set; } = "{}";
    public bool Paused { get; set; }
    /// <summary>
    /// A demo channel: nothing is read from or sent to a network. The outbox records its replies and posts as delivered
    /// (see <c>SandboxSender</c>) and no poller or watcher touches it, so the demo works on any machine with nothing set.
    /// </summary>
    public bool Sandbox { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastPolledAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? LastErrorAt { get; set; }
}

/// <summary>
/// A signed delivery a webhook channel accepted, remembered so that a replayed delivery (same id) is refused.
/// </summary>
public sealed class WebhookReceipt : IWorkspaceOwned
{
    public long Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ChannelId { get; set; }
    public required string DeliveryId { get; set; }
    public DateTime ReceivedAt { get; set; }
}
