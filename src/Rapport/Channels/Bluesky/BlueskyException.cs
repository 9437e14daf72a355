namespace Rapport.Channels.Bluesky;

/// <summary>A Bluesky server's answer or silence, in one plain sentence the channel's settings page can show.</summary>
public sealed class BlueskyException(string message, bool transient, TimeSpan? retryAfter = null, string? error = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>Worth trying again later (network, timeout, 429, 5xx) rather than a setting to fix.</summary>
    public bool Transient { get; } = transient;

    /// <summary>How long the server asked Rapport to wait (the rate limit's reset), when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The XRPC error name (<c>ExpiredToken</c>, <c>AuthenticationRequired</c>, <c>RecordNotFound</c>…), when there was one.</summary>
    public string? Error { get; } = error;
}
