using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Channels.Mastodon;

/// <summary>
/// Keeps one streaming connection (<c>GET /api/v1/streaming/user/notification</c>, server-sent events) per unpaused
/// Mastodon channel, and ingests each mention as soon as the instance announces it. Every (re)connection starts with
/// a catch-up poll, and <see cref="MastodonWorker"/> polls regardless, so a broken stream only delays mentions to the
/// next poll; its errors are logged, never shown as the channel's health (the poll owns that).
/// Channels added, changed or paused are picked up every minute.
/// </summary>
public sealed partial class MastodonStreamWorker(IServiceScopeFactory scopes, IOptions<MastodonOptions> options, ILogger<MastodonStreamWorker> logger) : BackgroundService
{
    private static readonly TimeSpan LookEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Mastodon sends a heartbeat comment every 15 seconds or so; a connection silent for longer than this is
    /// considered dead and opened again.
    /// </summary>
    private static readonly TimeSpan SilenceLimit = TimeSpan.FromMinutes(2);

    private readonly Dictionary<Guid, Watch> watches = [];

    private sealed record Watch(string Fingerprint, CancellationTokenSource Stop, Task Running);

    /// <summary>Mentions streamed and stored since the start, for the tests and the logs.</summary>
    public int Streamed => streamed;

    private int streamed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Streaming)
        {
            return;
        }
        try
        {
            while (await Delay(LookEvery, stoppingToken))
            {
                try
                {
                    await WatchChannelsAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogReconcileFailed(logger, e);
                }
            }
        }
        finally
        {
            await StopWatchingAsync();
        }
    }

    /// <summary>Starts streaming new channels, and stops or restarts those removed, paused or changed.</summary>
    public async Task WatchChannelsAsync(CancellationToken ct)
    {
        List<Channel> channels;
        await using (var scope = scopes.CreateAsyncScope())
        await using (var db = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
        {
            channels = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.Mastodon && !c.Paused)
                .ToListAsync(ct);
        }
        var wanted = channels
            .Where(c => !string.IsNullOrWhiteSpace(MastodonChannelSettings.Read(c.Settings).InstanceUrl))
            .ToDictionary(c => c.Id, c => (Channel: c, Fingerprint: c.Settings + "\n" + c.ProtectedSecrets));
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
                // Not linked to the caller's token: a stream lasts until it is stopped here or in StopWatchingAsync.
                var stop = new CancellationTokenSource();
                watches[id] = new Watch(fingerprint, stop, StreamAsync(channel, stop.Token));
            }
        }
    }

    /// <summary>Closes every streaming connection.</summary>
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

    private static async Task<bool> Delay(TimeSpan delay, CancellationToken ct)
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

    private async Task StreamAsync(Channel channel, CancellationToken ct)
    {
        // Off the reconcile loop: each channel waits on its own.
        await Task.Yield();
        var retryIn = FirstRetryDelay;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var poller = scope.ServiceProvider.GetRequiredService<MastodonPoller>();
                var client = scope.ServiceProvider.GetRequiredService<MastodonClient>();
                var (instance, token) = client.Connection(channel);
                using var response = await client.OpenStreamAsync(new Uri(instance, "api/v1/streaming/user/notification"), token, ct);
                retryIn = FirstRetryDelay;
                // Whatever arrived while the stream was closed is read now; the stream brings what comes next.
                await poller.PollAsync(channel.Id, ct);
                await ReadEventsAsync(response, channel, poller, ct);
                LogStreamEnded(logger, channel.Id);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogStreamFailed(logger, channel.Id, e.Message, retryIn);
                if (!await Delay(retryIn, ct))
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
            if (!await Delay(FirstRetryDelay, ct))
            {
                return;
            }
        }
    }

    /// <summary>Reads server-sent events until the instance closes the stream: <c>event: notification</c> then <c>data: {…}</c>.</summary>
    private async Task ReadEventsAsync(HttpResponseMessage response, Channel channel, MastodonPoller poller, CancellationToken ct)
    {
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? eventName = null;
        var data = new StringBuilder();
        while (true)
        {
            string? line;
            using (var silence = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                silence.CancelAfter(SilenceLimit);
                line = await reader.ReadLineAsync(silence.Token);
            }
            if (line is null)
            {
                return;
            }
            if (line.Length == 0)
            {
                // A blank line ends an event.
                if (eventName == "notification" && data.Length > 0)
                {
                    await DeliverAsync(channel, poller, data.ToString(), ct);
                }
                eventName = null;
                data.Clear();
            }
            else if (line.StartsWith(':'))
            {
                // A heartbeat comment.
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(data.Length > 0 ? "\n" : "").Append(line[5..].TrimStart());
            }
        }
    }

    private async Task DeliverAsync(Channel channel, MastodonPoller poller, string data, CancellationToken ct)
    {
        try
        {
            if (await poller.IngestStreamedAsync(channel, data, ct))
            {
                Interlocked.Increment(ref streamed);
            }
        }
        catch (MastodonException e)
        {
            // One unreadable event is skipped; the next poll reads the notification from the REST API.
            LogEventSkipped(logger, channel.Id, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for Mastodon channels to stream failed.")]
    private static partial void LogReconcileFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mastodon channel {Channel}: the instance closed the stream; opening it again.")]
    private static partial void LogStreamEnded(ILogger logger, Guid channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mastodon channel {Channel}: streaming stopped ({Reason}); trying again in {RetryIn}.")]
    private static partial void LogStreamFailed(ILogger logger, Guid channel, string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mastodon channel {Channel}: a streamed event was skipped ({Reason}); the next poll reads it.")]
    private static partial void LogEventSkipped(ILogger logger, Guid channel, string reason);
}
