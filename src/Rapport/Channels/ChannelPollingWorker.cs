using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Channels;

/// <summary>One round of polling of one channel kind, as the scheduler's poll jobs run it.</summary>
public interface IChannelPollRound
{
    Task PollDueChannelsAsync(CancellationToken ct);
}

/// <summary>
/// The round every polled channel kind (feeds, mailboxes) shares: poll the unpaused channels of one kind whose own
/// interval has passed, the longest-waiting first. One channel's failure is recorded on that channel and never stops
/// the others. When it runs is the scheduler's business (one poll job per kind, once per cluster: Scheduling/RapportJobs);
/// a failed round (the database down for a moment) shows as the job's last error and is tried again at the next run.
/// </summary>
/// <typeparam name="TResult">What one poll says it did.</typeparam>
public abstract class ChannelPollingWorker<TResult>(IServiceScopeFactory scopes, TimeProvider clock, ILogger logger) : IChannelPollRound
{
    protected abstract ChannelKind Kind { get; }

    /// <summary>The channel's own poll interval, from its settings.</summary>
    protected abstract TimeSpan PollEvery(Channel channel);

    protected abstract Task<TResult> PollAsync(IServiceProvider services, Guid channelId, CancellationToken ct);

    /// <summary>The result of a poll that threw instead of recording its error on the channel.</summary>
    protected abstract TResult Failed(Guid channelId, Exception error);

    public async Task PollDueChannelsAsync(CancellationToken ct) => await RunOnceAsync(ct);

    /// <summary>Polls the channels that are due now, one after the other, and says what each poll did.</summary>
    public async Task<IReadOnlyList<TResult>> RunOnceAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        List<Channel> channels;
        await using (var db = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
        {
            channels = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == Kind && !c.Paused && !c.Sandbox)
                .ToListAsync(ct);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var results = new List<TResult>();
        foreach (var channel in channels
            .Where(c => ChannelPolling.IsDue(c, now, PollEvery(c)))
            .OrderBy(c => ChannelPolling.LastAttempt(c) ?? DateTime.MinValue))
        {
            try
            {
                results.Add(await PollAsync(scope.ServiceProvider, channel.Id, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Polling {Kind} channel {Channel} failed.", Kind, channel.Id);
                results.Add(Failed(channel.Id, e));
            }
        }
        return results;
    }
}
