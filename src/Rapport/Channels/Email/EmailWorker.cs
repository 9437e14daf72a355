using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Channels.Email;

/// <summary>
/// Polls every unpaused e-mail channel whose poll interval (<c>pollMinutes</c>, default 2) has passed since its last
/// attempt. One mailbox's failure is recorded on that channel and never stops the others.
/// </summary>
public sealed partial class EmailWorker(IServiceScopeFactory scopes, IOptions<EmailOptions> options, TimeProvider clock, ILogger<EmailWorker> logger) : BackgroundService
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
                LogRoundFailed(logger, e);
            }
        }
    }

    /// <summary>Polls the e-mail channels that are due now, one after the other, and says what each poll did.</summary>
    public async Task<IReadOnlyList<EmailPollResult>> RunOnceAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var factory = scope.ServiceProvider.GetRequiredService<RapportDbContextFactory>();
        var poller = scope.ServiceProvider.GetRequiredService<EmailPoller>();
        List<Channel> mailboxes;
        await using (var db = factory.CreateDbContext())
        {
            mailboxes = await db.Channels.IgnoreQueryFilters().AsNoTracking()
                .Where(c => c.Kind == ChannelKind.Email && !c.Paused)
                .ToListAsync(ct);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var results = new List<EmailPollResult>();
        foreach (var channel in mailboxes
            .Where(c => ChannelPolling.IsDue(c, now, EmailChannelSettings.Read(c.Settings).PollEvery))
            .OrderBy(c => ChannelPolling.LastAttempt(c) ?? DateTime.MinValue))
        {
            try
            {
                results.Add(await poller.PollAsync(channel.Id, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogChannelFailed(logger, channel.Id, e);
                results.Add(new EmailPollResult(channel.Id, Ok: false, 0, [], e.Message));
            }
        }
        return results;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Polling the e-mail channels failed.")]
    private static partial void LogRoundFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Polling e-mail channel {Channel} failed.")]
    private static partial void LogChannelFailed(ILogger logger, Guid channel, Exception e);
}
