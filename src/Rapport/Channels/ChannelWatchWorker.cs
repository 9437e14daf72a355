using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;
using Rapport.Scheduling;

namespace Rapport.Channels;

/// <summary>
/// Keeps one long-lived connection (IMAP IDLE, a streaming API) per unpaused channel of one kind, so new messages
/// arrive as soon as the network announces them. The channel's poller goes on regardless, so a broken connection only
/// delays messages to the next poll; its errors are logged, never shown as the channel's health (the poll owns that).
/// Channels added, changed or paused are picked up every minute; a failed connection is tried again with backoff.
/// With several nodes, each connection is held by the one node that holds the channel's <see cref="ChannelWatchLease"/>:
/// it renews the lease at every look, and when it dies the lease runs out and another node opens the connection.
/// This stays a hosted service on every node rather than a scheduled job: a connection lives in the process that
/// opened it, and a job fires on one node only.
/// </summary>
public abstract partial class ChannelWatchWorker(
    IServiceScopeFactory scopes, RapportNode node, TimeProvider clock, IOptions<SchedulingOptions> scheduling, ILogger logger) : BackgroundService
{
    private readonly TimeSpan leaseLength = scheduling.Value.WatchLease;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    private readonly Dictionary<Guid, Watch> watches = [];

    private sealed record Watch(string Fingerprint, CancellationTokenSource Stop, Task Running);

    protected abstract ChannelKind Kind { get; }

    /// <summary>Whether this kind of connection is turned on in the configuration.</summary>
    protected abstract bool Enabled { get; }

    /// <summary>Whether the channel's settings say enough to connect.</summary>
    protected abstract bool CanWatch(Channel channel);

    /// <summary>
    /// Opens one connection and holds it until the network closes it (true: open it again) or the channel turns out
    /// not to offer one (false: stop watching it). Calls <paramref name="connected"/> once the connection is up, which
    /// resets the backoff; throws when the connection fails.
    /// </summary>
    protected abstract Task<bool> WatchOnceAsync(IServiceProvider services, Channel channel, Action connected, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        try
        {
            // Polling reads the channels from the start; the connections join in once the server has settled.
            // Renewed twice per lease, and at least every minute so new channels are picked up.
            var lookEvery = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, leaseLength.Ticks / 2));
            while (await DelayAsync(lookEvery, stoppingToken))
            {
                try
                {
                    await WatchChannelsAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogReconcileFailed(logger, Kind, e);
                }
            }
        }
        finally
        {
            await StopWatchingAsync();
        }
    }

    /// <summary>The channels whose connection this node holds now.</summary>
    public IReadOnlyCollection<Guid> Watching => watches.Keys;

    /// <summary>
    /// Starts watching new channels whose lease this node takes, renews the leases of those it watches, and stops or
    /// restarts those removed, paused, changed or whose lease another node took.
    /// </summary>
    public async Task WatchChannelsAsync(CancellationToken ct)
    {
        Dictionary<Guid, (Channel Channel, string Fingerprint)> wanted;
        await using (var scope = scopes.CreateAsyncScope())
        await using (var db = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
        {
            var channels = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == Kind && !c.Paused && !c.Sandbox)
                .ToListAsync(ct);
            wanted = [];
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var channel in channels.Where(CanWatch))
            {
                if (await ChannelWatchLeases.TryTakeAsync(db, channel.Id, node.Name, now, leaseLength, ct))
                {
                    wanted[channel.Id] = (channel, channel.Settings + "\n" + channel.ProtectedSecrets);
                }
            }
        }
        foreach (var (id, watch) in watches.ToList())
        {
            if (!wanted.TryGetValue(id, out var now) || now.Fingerprint != watch.Fingerprint || watch.Running.IsCompleted)
            {
                await watch.Stop.CancelAsync();
                await watch.Running;
                watch.Stop.Dispose();
                watches.Remove(id);
            }
        }
        foreach (var (id, (channel, fingerprint)) in wanted)
        {
            if (!watches.ContainsKey(id))
            {
                // Not linked to the caller's token: a watch lasts until it is stopped here or in StopWatchingAsync.
                var stop = new CancellationTokenSource();
                watches[id] = new Watch(fingerprint, stop, WatchAsync(channel, stop.Token));
            }
        }
    }

    /// <summary>Closes every connection and gives back their leases, so another node opens them at once.</summary>
    public async Task StopWatchingAsync()
    {
        await CloseAllAsync();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await using var db = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>().CreateDbContext();
            await ChannelWatchLeases.ReleaseAllAsync(db, node.Name, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The leases run out by themselves: another node only waits a little longer.
            LogReleaseFailed(logger, Kind, e);
        }
    }

    /// <summary>Closes every connection, keeping the leases: what a node that dies does, for tests of the takeover.</summary>
    public async Task CloseAllAsync()
    {
        foreach (var watch in watches.Values)
        {
            await watch.Stop.CancelAsync();
        }
        await Task.WhenAll(watches.Values.Select(w => w.Running));
        foreach (var watch in watches.Values)
        {
            watch.Stop.Dispose();
        }
        watches.Clear();
    }

    private async Task WatchAsync(Channel channel, CancellationToken ct)
    {
        // Off the reconcile loop: each channel waits on its own.
        await Task.Yield();
        var retryIn = FirstRetryDelay;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (!await WatchOnceAsync(scope.ServiceProvider, channel, () => retryIn = FirstRetryDelay, ct))
                {
                    return;
                }
                LogClosed(logger, Kind, channel.Id);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogFailed(logger, Kind, channel.Id, e.Message, retryIn);
                if (!await DelayAsync(retryIn, ct))
                {
                    return;
                }
                retryIn = retryIn * 2 < MaxRetryDelay ? retryIn * 2 : MaxRetryDelay;
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!await DelayAsync(FirstRetryDelay, ct))
            {
                return;
            }
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The leases of the {Kind} connections could not be given back; they run out by themselves.")]
    private static partial void LogReleaseFailed(ILogger logger, ChannelKind kind, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for {Kind} channels to watch failed.")]
    private static partial void LogReconcileFailed(ILogger logger, ChannelKind kind, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} channel {Channel}: the server closed the connection; opening it again.")]
    private static partial void LogClosed(ILogger logger, ChannelKind kind, Guid channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} channel {Channel}: the connection stopped ({Reason}); trying again in {RetryIn}.")]
    private static partial void LogFailed(ILogger logger, ChannelKind kind, Guid channel, string reason, TimeSpan retryIn);
}
