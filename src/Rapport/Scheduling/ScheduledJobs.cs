using Microsoft.Extensions.Options;
using Quartz;
using Rapport.Channels;
using Rapport.Channels.Bluesky;
using Rapport.Channels.Email;
using Rapport.Channels.Feeds;
using Rapport.Channels.Mastodon;
using Rapport.Channels.Webhook;
using Rapport.Data;

namespace Rapport.Scheduling;

/// <summary>When a job runs: every interval, once a day at a time (UTC), or only when an admin runs it.</summary>
public abstract record JobTiming
{
    public sealed record Every(TimeSpan Interval) : JobTiming;

    public sealed record DailyAt(TimeSpan TimeOfDayUtc) : JobTiming;

    public sealed record OnDemand : JobTiming;
}

/// <summary>One recurring job: its name (the key of its words in the interface), its timing and its work.</summary>
public sealed record ScheduledJob(string Name, JobTiming Timing, Func<IServiceProvider, CancellationToken, Task> RunAsync);

/// <summary>
/// Every recurring job of Rapport, with its timing from the configuration. A timing of zero turns a job's schedule
/// off (it can still be run now). The work of each job lives in its feature; the scheduler only says when.
/// </summary>
public sealed class RapportJobs
{
    public const string Group = "rapport";

    public RapportJobs(
        IOptions<FeedOptions> feeds, IOptions<EmailOptions> email, IOptions<MastodonOptions> mastodon, IOptions<BlueskyOptions> bluesky,
        IOptions<Sla.SlaOptions> sla, IOptions<RapportOptions> rapport, IOptions<Content.ContentOptions> content)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(feeds);
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(mastodon);
        ArgumentNullException.ThrowIfNull(bluesky);
        ArgumentNullException.ThrowIfNull(sla);
        ArgumentNullException.ThrowIfNull(rapport);
        All =
        [
            Poll<EmailWorker>("poll-email", email.Value.CheckEvery),
            Poll<FeedWorker>("poll-feeds", feeds.Value.CheckEvery),
            Poll<MastodonWorker>("poll-mastodon", mastodon.Value.CheckEvery),
            Poll<BlueskyWorker>("poll-bluesky", bluesky.Value.CheckEvery),
            new("sla-scan", Interval(sla.Value.PollInterval),
                async (sp, ct) => await sp.GetRequiredService<Sla.SlaWorker>().RunOnceAsync(ct)),
            new("retrain", RetrainTiming(rapport.Value),
                (sp, ct) => sp.GetRequiredService<Learning.RetrainWorker>().RetrainDueAsync(ct)),
            new("prune-webhook-receipts", new JobTiming.Every(WebhookReceipts.Every),
                async (sp, ct) => await sp.GetRequiredService<WebhookReceipts>().PruneAsync(ct)),
            new("publish-due-posts", Interval(content.Value.PublishInterval),
                async (sp, ct) => await sp.GetRequiredService<Content.ContentService>().PublishDueAsync(sp.GetRequiredService<RapportDbContextFactory>(), ct)),
            new("send-weekly-digests", new JobTiming.Every(Reports.WeeklyDigests.CheckEvery),
                async (sp, ct) => await sp.GetRequiredService<Reports.WeeklyDigests>().SendDueAsync(ct)),
            new("fetch-post-metrics", new JobTiming.Every(Performance.PostMetricsFetcher.CheckEvery),
                async (sp, ct) => (await sp.GetRequiredService<Performance.PostMetricsFetcher>().FetchDueAsync(ct)).ThrowIfFailed("Reading post metrics")),
            new("count-followers", new JobTiming.Every(Performance.PostMetricsFetcher.FollowersCheckEvery),
                async (sp, ct) => (await sp.GetRequiredService<Performance.PostMetricsFetcher>().CountFollowersAsync(ct)).ThrowIfFailed("Counting followers")),
            new("scan-listening-alerts", new JobTiming.Every(Listening.Alerts.AlertScan.CheckEvery),
                async (sp, ct) => await sp.GetRequiredService<Listening.Alerts.AlertScan>().RunAsync(ct)),
        ];
    }

    public IReadOnlyList<ScheduledJob> All { get; }

    public ScheduledJob? Find(string name) => All.FirstOrDefault(j => j.Name == name);

    public static JobKey KeyOf(string name) => new(name, Group);

    public static TriggerKey TriggerOf(string name) => new(name, Group);

    private static ScheduledJob Poll<TWorker>(string name, TimeSpan every) where TWorker : IChannelPollRound =>
        new(name, Interval(every), (sp, ct) => sp.GetRequiredService<TWorker>().PollDueChannelsAsync(ct));

    private static JobTiming Interval(TimeSpan every) => every > TimeSpan.Zero ? new JobTiming.Every(every) : new JobTiming.OnDemand();

    /// <summary>Daily at <see cref="RapportOptions.RetrainAt"/> when the interval is a day, so a restart never moves it.</summary>
    private static JobTiming RetrainTiming(RapportOptions options) =>
        options.RetrainEvery <= TimeSpan.Zero ? new JobTiming.OnDemand()
        : options.RetrainEvery == TimeSpan.FromDays(1) ? new JobTiming.DailyAt(options.RetrainAt)
        : new JobTiming.Every(options.RetrainEvery);
}
