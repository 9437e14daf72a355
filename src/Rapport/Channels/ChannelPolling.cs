namespace Rapport.Channels;

/// <summary>When a polled channel (feed, mailbox) is due again, shared by the channels' workers.</summary>
public static class ChannelPolling
{
    /// <summary>Due when never tried, or when <paramref name="every"/> has passed since the last try, successful or not.</summary>
    public static bool IsDue(Channel channel, DateTime now, TimeSpan every)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var last = LastAttempt(channel);
        return last is null || now - last.Value >= every;
    }

    /// <summary>The last poll, successful or failed.</summary>
    public static DateTime? LastAttempt(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return (channel.LastPolledAt, channel.LastErrorAt) switch
        {
            (null, var error) => error,
            (var polled, null) => polled,
            (var polled, var error) => polled > error ? polled : error,
        };
    }
}
