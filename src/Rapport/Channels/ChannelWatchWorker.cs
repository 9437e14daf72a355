using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Channels;

/// <summary>
/// Keeps one long-lived connection (IMAP IDLE, a streaming API) per unpaused channel of one kind, so new messages
/// arrive as soon as the network announces them. The channel's poller goes on regardless, so a broken connection only
/// delays messages to the next poll; its errors are logged, never shown as the channel's health (the poll owns that).
/// Channels added, changed or paused are picked up every minute; a failed connection is tried again with backoff.
/// </summary>
public abstract partial class ChannelWatchWorker(IServiceScopeFactory scopes, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan LookEvery = TimeSpan.FromMinutes(1);
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
            while (await DelayAsync(LookEvery, stoppingToken))
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

    /// <summary>Starts watching new channels, and stops or restarts those removed, paused or changed.</summary>
    public async Task WatchChannelsAsync(CancellationToken ct)
    {
        List<Channel> channels;
        await using (var scope = scopes.CreateAsyncScope())
        await using (var db = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
        {
            channels = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == Kind && !c.Paused && !c.Sandbox)
                .ToListAsync(ct);
        }
        var wanted = channels.Where(CanWatch).ToDictionary(c => c.Id, c => (Channel: c, Fingerprint: c.Settings + "\n" + c.ProtectedSecrets));
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

    /// <summary>Closes every connection.</summary>
    public async Task StopWatchingAsync()
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for {Kind} channels to watch failed.")]
    private static partial void LogReconcileFailed(ILogger logger, ChannelKind kind, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} channel {Channel}: the server closed the connection; opening it again.")]
    private static partial void LogClosed(ILogger logger, ChannelKind kind, Guid channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} channel {Channel}: the connection stopped ({Reason}); trying again in {RetryIn}.")]
    private static partial void LogFailed(ILogger logger, ChannelKind kind, Guid channel, string reason, TimeSpan retryIn);
}
