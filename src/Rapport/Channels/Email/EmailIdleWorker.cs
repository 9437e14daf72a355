using MailKit;
using MailKit.Net.Imap;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Channels.Email;

/// <summary>
/// Keeps one IMAP IDLE connection per unpaused e-mail channel whose server offers IDLE, and polls the channel as
/// soon as the server announces a new e-mail. Polling by <see cref="EmailWorker"/> goes on regardless, so a
/// broken IDLE connection only delays mail to the next poll; its errors are logged, never shown as the
/// channel's health (the poll owns that). Channels added, changed or paused are picked up every minute.
/// </summary>
public sealed partial class EmailIdleWorker(IServiceScopeFactory scopes, IOptions<EmailOptions> options, ILogger<EmailIdleWorker> logger) : BackgroundService
{
    /// <summary>RFC 2177: servers may drop an IDLE after 30 minutes, so it is renewed well before.</summary>
    private static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(9);

    private static readonly TimeSpan LookEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);

    private readonly Dictionary<Guid, Watch> watches = [];

    private sealed record Watch(string Fingerprint, CancellationTokenSource Stop, Task Running);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Idle)
        {
            return;
        }
        try
        {
            // Polling reads the mailboxes from the start; IDLE joins in once the server has settled.
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

    /// <summary>Starts watching new channels, and stops or restarts those removed, paused or changed.</summary>
    public async Task WatchChannelsAsync(CancellationToken ct)
    {
        List<Channel> channels;
        await using (var scope = scopes.CreateAsyncScope())
        await using (var db = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>().CreateDbContext())
        {
            channels = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.Email && !c.Paused)
                .ToListAsync(ct);
        }
        var wanted = channels
            .Where(c => !string.IsNullOrWhiteSpace(EmailChannelSettings.Read(c.Settings).ImapHost))
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
                // Not linked to the caller's token: a watch lasts until it is stopped here or in StopWatchingAsync.
                var stop = new CancellationTokenSource();
                watches[id] = new Watch(fingerprint, stop, WatchAsync(channel, stop.Token));
            }
        }
    }

    /// <summary>Closes every IDLE connection.</summary>
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

    private async Task WatchAsync(Channel channel, CancellationToken ct)
    {
        // Off the reconcile loop: each mailbox waits on its own.
        await Task.Yield();
        var retryIn = TimeSpan.FromSeconds(5);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var poller = scope.ServiceProvider.GetRequiredService<EmailPoller>();
                using var client = new ImapClient();
                var folder = await poller.OpenAsync(client, channel, ct);
                if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
                {
                    LogNoIdle(logger, channel.Id);
                    return;
                }
                retryIn = TimeSpan.FromSeconds(5);
                // Whatever arrived before the first IDLE is read now.
                await poller.PollAsync(channel.Id, ct);
                await IdleAsync(client, folder, poller, channel.Id, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogIdleFailed(logger, channel.Id, e.Message, retryIn);
                if (!await Delay(retryIn, ct))
                {
                    return;
                }
                retryIn = retryIn * 2 < MaxRetryDelay ? retryIn * 2 : MaxRetryDelay;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task IdleAsync(ImapClient client, IMailFolder folder, EmailPoller poller, Guid channelId, CancellationToken ct)
    {
        CancellationTokenSource? done = null;
        var arrived = false;
        void OnCountChanged(object? sender, EventArgs e)
        {
            arrived = true;
            done?.Cancel();
        }
        folder.CountChanged += OnCountChanged;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using (done = new CancellationTokenSource(RenewEvery))
                // A connection that died silently is given up a little after the renewal is due.
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    deadline.CancelAfter(RenewEvery + options.Value.Timeout);
                    var timeout = client.Timeout;
                    client.Timeout = Timeout.Infinite;
                    try
                    {
                        await client.IdleAsync(done.Token, deadline.Token);
                    }
                    finally
                    {
                        client.Timeout = timeout;
                    }
                }
                done = null;
                if (arrived)
                {
                    arrived = false;
                    await poller.PollAsync(channelId, ct);
                }
            }
        }
        finally
        {
            folder.CountChanged -= OnCountChanged;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for e-mail channels to watch failed.")]
    private static partial void LogReconcileFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail channel {Channel}: the server does not offer IMAP IDLE; polling only.")]
    private static partial void LogNoIdle(ILogger logger, Guid channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "E-mail channel {Channel}: IDLE stopped ({Reason}); trying again in {RetryIn}.")]
    private static partial void LogIdleFailed(ILogger logger, Guid channel, string reason, TimeSpan retryIn);
}
