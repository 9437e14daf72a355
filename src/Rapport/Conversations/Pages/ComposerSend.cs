namespace Rapport.Conversations.Pages;

public enum ComposerMode
{
    /// <summary>To the customer, on the conversation's own channel (publicly for a public thread).</summary>
    Reply,
    /// <summary>To the customer, in the private conversation linked to this public one.</summary>
    ReplyPrivately,
    /// <summary>A private note for colleagues; @mentions notify them.</summary>
    Note,
}

/// <summary>
/// What the agent sends from the composer. <see cref="SendAt"/> is in the workspace's time zone (as typed);
/// the page sets <see cref="Accepted"/> when it went through, so the composer clears.
/// </summary>
public sealed class ComposerSend(ComposerMode mode, string text, bool signature, DateTime? sendAt)
{
    public ComposerMode Mode { get; } = mode;
    public string Text { get; } = text;
    public bool Signature { get; } = signature;
    public DateTime? SendAt { get; } = sendAt;
    public bool Accepted { get; set; }
}
