using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Options;

namespace Rapport.Channels.Email;

/// <summary>
/// Keeps one IMAP IDLE connection per unpaused e-mail channel whose server offers IDLE, and polls the channel as
/// soon as the server announces a new e-mail; <see cref="EmailWorker"/> polls regardless.
/// </summary>
public sealed partial class EmailIdleWorker(
    IServiceScopeFactory scopes, IOptions<EmailOptions> options, Scheduling.RapportNode node, TimeProvider clock,
    IOptions<Scheduling.SchedulingOptions> scheduling, ILogger<EmailIdleWorker> logger)
    : ChannelWatchWorker(scopes, node, clock, scheduling, logger)
{
    /// <summary>RFC 2177: servers may drop an IDLE after 30 minutes, so it is renewed well before.</summary>
    private static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(9);

    protected override ChannelKind Kind => ChannelKind.Email;

    protected override bool Enabled => options.Value.Idle;

    protected override bool CanWatch(Channel channel) => !string.IsNullOrWhiteSpace(EmailChannelSettings.Read(channel.Settings).ImapHost);

    protected override async Task<bool> WatchOnceAsync(IServiceProvider services, Channel channel, Action connected, CancellationToken ct)
    {
        var poller = services.GetRequiredService<EmailPoller>();
        using var client = new ImapClient();
        var folder = await poller.OpenAsync(client, channel, ct);
        if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
        {
            LogNoIdle(logger, channel.Id);
            return false;
        }
        connected();
        // Whatever arrived before the first IDLE is read now.
        await poller.PollAsync(channel.Id, ct);
        await IdleAsync(client, folder, poller, channel.Id, ct);
        return true;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail channel {Channel}: the server does not offer IMAP IDLE; polling only.")]
    private static partial void LogNoIdle(ILogger logger, Guid channel);
}
