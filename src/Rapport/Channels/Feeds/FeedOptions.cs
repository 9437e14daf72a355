using System.ComponentModel.DataAnnotations;

namespace Rapport.Channels.Feeds;

/// <summary>How Rapport reads RSS and Atom feeds (section <c>Rapport:Feeds</c>).</summary>
public sealed class FeedOptions
{
    public const string Section = "Rapport:Feeds";

    /// <summary>The named <see cref="HttpClient"/> every feed request goes through.</summary>
    public const string HttpClientName = "Rapport.Feeds";

    /// <summary>The User-Agent sent with every request, so feed owners can tell who reads them.</summary>
    public const string UserAgent = "Rapport feed reader/1.0";

    /// <summary>How often the worker looks for feeds that are due. Zero turns the worker off. Default: one minute.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one request may take, headers and body together. Default: 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest feed read, after decompression; a bigger one is refused. Default: 10 MB.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Most items taken from one fetch; the rest are ignored. Default: 500.</summary>
    [Range(1, 10_000)]
    public int MaxItems { get; set; } = 500;
}
