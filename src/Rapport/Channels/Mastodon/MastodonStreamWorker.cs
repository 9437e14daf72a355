using System.Text;
using Microsoft.Extensions.Options;

namespace Rapport.Channels.Mastodon;

/// <summary>
/// Keeps one streaming connection (<c>GET /api/v1/streaming/user/notification</c>, server-sent events) per unpaused
/// Mastodon channel, and ingests each mention as soon as the instance announces it. Every (re)connection starts with
/// a catch-up poll, and <see cref="MastodonWorker"/> polls regardless.
/// </summary>
public sealed partial class MastodonStreamWorker(
    IServiceScopeFactory scopes, IOptions<MastodonOptions> options, Scheduling.RapportNode node, TimeProvider clock,
    IOptions<Scheduling.SchedulingOptions> scheduling, ILogger<MastodonStreamWorker> logger)
    : ChannelWatchWorker(scopes, node, clock, scheduling, logger)
{
    /// <summary>
    /// Mastodon sends a heartbeat comment every 15 seconds or so; a connection silent for longer than this is
    /// considered dead and opened again.
    /// </summary>
    private static readonly TimeSpan SilenceLimit = TimeSpan.FromMinutes(2);

    /// <summary>Mentions streamed and stored since the start, for the tests and the logs.</summary>
    public int Streamed => streamed;

    private int streamed;

    protected override ChannelKind Kind => ChannelKind.Mastodon;

    protected override bool Enabled => options.Value.Streaming;

    // A listening channel has no notifications of its own to stream: its hashtags and searches are polled.
    protected override bool CanWatch(Channel channel) => channel.Direction != ChannelDirection.Listening && !string.IsNullOrWhiteSpace(MastodonChannelSettings.Read(channel.Settings).InstanceUrl);

    protected override async Task<bool> WatchOnceAsync(IServiceProvider services, Channel channel, Action connected, CancellationToken ct)
    {
        var poller = services.GetRequiredService<MastodonPoller>();
        var client = services.GetRequiredService<MastodonClient>();
        var (instance, token) = client.Connection(channel);
        using var response = await client.OpenStreamAsync(new Uri(instance, "api/v1/streaming/user/notification"), token, ct);
        connected();
        // Whatever arrived while the stream was closed is read now; the stream brings what comes next.
        await poller.PollAsync(channel.Id, ct);
        await ReadEventsAsync(response, channel, poller, ct);
        return true;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mastodon channel {Channel}: a streamed event was skipped ({Reason}); the next poll reads it.")]
    private static partial void LogEventSkipped(ILogger logger, Guid channel, string reason);
}
