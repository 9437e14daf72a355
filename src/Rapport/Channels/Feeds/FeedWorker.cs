using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Channels.Feeds;

/// <summary>
/// Polls every unpaused feed channel whose poll interval (<c>pollMinutes</c>, default 15) has passed since its
/// last attempt. One feed's failure is recorded on that channel and never stops the others.
/// </summary>
public sealed class FeedWorker(IServiceScopeFactory scopes, IOptions<FeedOptions> options, TimeProvider clock, ILogger<FeedWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.CheckEvery;
        if (every <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(every, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may be down for a moment: the next tick tries again.
                logger.LogError(e, "Polling the feeds failed.");
            }
        }
    }

    /// <summary>Polls the feed channels that are due now, one after the other, and says what each poll did.</summary>
    public async Task<IReadOnlyList<FeedPollResult>> RunOnceAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var factory = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>();
        var poller = scope.ServiceProvider.GetRequiredService<FeedPoller>();
        List<Channel> feeds;
        await using (var db = factory.CreateDbContext())
        {
            feeds = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.Feed && !c.Paused)
                .ToListAsync(ct);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var results = new List<FeedPollResult>();
        foreach (var channel in feeds.Where(c => IsDue(c, now)).OrderBy(c => ChannelPolling.LastAttempt(c) ?? DateTime.MinValue))
        {
            try
            {
                results.Add(await poller.PollAsync(channel.Id, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Polling feed channel {Channel} failed.", channel.Id);
                results.Add(new FeedPollResult(channel.Id, Ok: false, 0, NotModified: false, e.Message));
            }
        }
        return results;
    }

    /// <summary>Due when never tried, or when the poll interval has passed since the last try, successful or not.</summary>
    public static bool IsDue(Channel channel, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return ChannelPolling.IsDue(channel, now, FeedChannelSettings.Read(channel.Settings).PollEvery);
    }
}
