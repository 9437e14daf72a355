using System.ComponentModel.DataAnnotations;

namespace Rapport.Channels.Mastodon;

/// <summary>How Rapport talks to Mastodon instances (section <c>Rapport:Mastodon</c>).</summary>
public sealed class MastodonOptions
{
    public const string Section = "Rapport:Mastodon";

    /// <summary>The named <see cref="HttpClient"/> of the REST calls (notifications, statuses, credentials).</summary>
    public const string HttpClientName = "Rapport.Mastodon";

    /// <summary>The named <see cref="HttpClient"/> of the streaming connections, which stay open without a time limit.</summary>
    public const string StreamingClientName = "Rapport.Mastodon.Streaming";

    public const string UserAgent = "Rapport/1.0 (+https://github.com/rapport)";

    /// <summary>How often the worker looks for Mastodon channels that are due. Zero turns the worker off. Default: one minute.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Keep a streaming connection to each channel's instance, so a mention arrives within seconds instead of at
    /// the next poll. Polling goes on either way and catches up after a disconnect. Default: on.
    /// </summary>
    public bool Streaming { get; set; } = true;

    /// <summary>Longest a REST call may take. Default: 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most pages of 40 notifications read in one poll; the rest come at the next. Default: 25 (1,000 mentions).</summary>
    [Range(1, 1000)]
    public int MaxPagesPerPoll { get; set; } = 25;

    /// <summary>
    /// Accept <c>http://</c> instance addresses. Off in production, where the access token must only travel over TLS;
    /// the tests turn it on for their local server.
    /// </summary>
    public bool AllowInsecureHttp { get; set; }
}
