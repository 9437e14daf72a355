using System.ComponentModel.DataAnnotations;

namespace Rapport.Channels.Bluesky;

/// <summary>How Rapport talks to Bluesky and other AT Protocol servers (section <c>Rapport:Bluesky</c>).</summary>
public sealed class BlueskyOptions
{
    public const string Section = "Rapport:Bluesky";

    /// <summary>The named <see cref="HttpClient"/> every XRPC request goes through.</summary>
    public const string HttpClientName = "Rapport.Bluesky";

    public const string UserAgent = "Rapport/1.0";

    /// <summary>How often the worker looks for Bluesky channels that are due. Zero turns the worker off. Default: one minute.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one request may take. Default: 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Notifications asked for per page (the API allows 1 to 100). Default: 50.</summary>
    [Range(1, 100)]
    public int PageSize { get; set; } = 50;

    /// <summary>
    /// Most pages read in one poll, which bounds the first poll of a busy account to its recent activity. A poll
    /// that finds more than this since the previous one leaves the oldest unread (and logs it). Default: 20.
    /// </summary>
    [Range(1, 1000)]
    public int MaxPagesPerPoll { get; set; } = 20;
}
