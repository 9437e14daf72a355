using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using Rapport.Data;

namespace Rapport.Conversations.Live;

/// <summary>
/// Carries live signals (what changed, who is on a conversation, who can answer the chat) between the nodes that share
/// one PostgreSQL database, on PostgreSQL's own LISTEN/NOTIFY: no second server to run. On SQLite there is one node and
/// the bus stays silent. A signal is a hint to re-read the database, never data that must arrive: a node that loses its
/// listening connection reconnects and asks the others to repeat their state (<see cref="Hello"/>), and anything it
/// missed meanwhile shows at the next change or the page's next load. See docs/decisions/0074-live-updates-between-nodes.md.
/// </summary>
public sealed partial class NodeBus(IOptions<RapportOptions> options, ILogger<NodeBus> logger) : BackgroundService
{
    /// <summary>The PostgreSQL notification channel every node listens on.</summary>
    public const string NotifyChannel = "rapport_live";

    /// <summary>PostgreSQL refuses a payload of 8,000 bytes or more; senders split their signals below this.</summary>
    public const int MaxBody = 7_000;

    /// <summary>Sent by a node that starts listening: the others repeat their state at once instead of at their next refresh.</summary>
    public const string Hello = "hello";

    /// <summary>How often each node repeats its state (presence, chat availability), so a node that missed it catches up.</summary>
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(20);

    private readonly string? connectionString = string.IsNullOrWhiteSpace(options.Value.Postgres) ? null : options.Value.Postgres;
    private readonly Channel<string> outgoing = Channel.CreateBounded<string>(
        new BoundedChannelOptions(20_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ConcurrentDictionary<string, ImmutableList<Action<string, string>>> handlers = new();
    private ImmutableList<Action> refreshers = [];
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This process, as the other nodes see it in a signal's origin.</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Completes once this node hears the others (its LISTEN is in place); at once on SQLite, where there are none.</summary>
    public Task Listening => Enabled ? listening.Task : Task.CompletedTask;

    /// <summary>Whether there may be other nodes to tell (PostgreSQL).</summary>
    public bool Enabled => connectionString is not null;

    /// <summary>Tells the other nodes; never blocks the caller (a save, a page), and does nothing on SQLite.</summary>
    public void Send(string topic, string body)
    {
        if (Enabled)
        {
            outgoing.Writer.TryWrite($"{NodeId}|{topic}|{body}");
        }
    }

    /// <summary>Calls <paramref name="handler"/> with (the sending node, the body) for each signal on <paramref name="topic"/> from another node.</summary>
    public void On(string topic, Action<string, string> handler) =>
        handlers.AddOrUpdate(topic, _ => [handler], (_, list) => list.Add(handler));

    /// <summary>Calls <paramref name="refresh"/> every <see cref="RefreshEvery"/> and when another node says <see cref="Hello"/>.</summary>
    public void OnRefresh(Action refresh) => ImmutableInterlocked.Update(ref refreshers, list => list.Add(refresh));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        try
        {
            await Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken), RefreshAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Its own connection, outside the pool: LISTEN belongs to the session that said it.
                var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => Dispatch(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                delay = TimeSpan.FromSeconds(1);
                listening.TrySetResult();
                Send(Hello, "");
                while (!ct.IsCancellationRequested)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or InvalidOperationException)
            {
                LogListenFailed(e, delay);
                await Task.Delay(delay, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }

    private async Task SendAsync(CancellationToken ct)
    {
        await using var source = NpgsqlDataSource.Create(connectionString!);
        var batch = new List<string>();
        while (await outgoing.Reader.WaitToReadAsync(ct))
        {
            // Whatever queued while the last batch was sent goes in one round trip.
            while (batch.Count < 200 && outgoing.Reader.TryRead(out var payload))
            {
                batch.Add(payload);
            }
            try
            {
                await using var connection = await source.OpenConnectionAsync(ct);
                await using var command = new NpgsqlBatch(connection);
                foreach (var payload in batch)
                {
                    command.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = NotifyChannel }, new() { Value = payload } } });
                }
                await command.ExecuteNonQueryAsync(ct);
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or InvalidOperationException)
            {
                // A signal only says "look again"; losing one while the database is away costs a refresh, not data.
                LogSendFailed(e, batch.Count);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            batch.Clear();
        }
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RefreshEvery);
        while (await timer.WaitForNextTickAsync(ct))
        {
            Refresh();
        }
    }

    private void Refresh()
    {
        foreach (var refresh in refreshers)
        {
            try
            {
                refresh();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogHandlerFailed(e, "refresh");
            }
        }
    }

    /// <summary>One notification: "origin|topic|body". Our own signals come back too and are dropped.</summary>
    private void Dispatch(string payload)
    {
        var parts = payload.Split('|', 3);
        if (parts.Length != 3 || parts[0] == NodeId)
        {
            return;
        }
        if (parts[1] == Hello)
        {
            Refresh();
            return;
        }
        if (!handlers.TryGetValue(parts[1], out var list))
        {
            return;
        }
        foreach (var handler in list)
        {
            try
            {
                handler(parts[0], parts[2]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One malformed or failing signal must not stop this node from hearing the next.
                LogHandlerFailed(e, parts[1]);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live updates from other nodes are paused: listening on PostgreSQL failed; retrying in {Delay}.")]
    private partial void LogListenFailed(Exception e, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} live update(s) could not be sent to the other nodes.")]
    private partial void LogSendFailed(Exception e, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live update from another node ({Topic}) could not be handled.")]
    private partial void LogHandlerFailed(Exception e, string topic);
}
