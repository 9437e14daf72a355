using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Links;

/// <summary>What became of a request on a short link. Every one is redirected; only <see cref="Counted"/> is a click.</summary>
public enum ClickVerdict
{
    Counted,
    /// <summary>The same visitor clicked the same link within the repeat window: counted once already.</summary>
    Repeated,
    /// <summary>A link-preview robot, a crawler, a request with no browser named, or a HEAD request (docs/links.md).</summary>
    Robot,
}

/// <summary>A request on a short link, waiting in the queue for the writer.</summary>
public readonly record struct ClickRecord(Guid LinkId, Guid WorkspaceId, DateTime At, string Visitor, ClickVerdict Verdict);

/// <summary>
/// Tells robots and repeated clicks apart from clicks, without keeping any IP address: a visitor is a hash of the
/// address and the browser's user agent, keyed with a random salt made each UTC day and kept only in memory, so
/// yesterday's hashes cannot be tied to today's, nor any hash to an address.
/// </summary>
public sealed class ClickFilter(IOptions<TrackedLinkOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The user agents of the robots that fetch a link to show a preview of it (Facebook, X, Slack, Discord, WhatsApp,
    /// Telegram, LinkedIn, Mastodon's servers, Bluesky's card maker), then any that says it is a robot.
    /// </summary>
    public static readonly string[] RobotAgents =
    [
        "facebookexternalhit", "Twitterbot", "Slackbot", "Discordbot", "WhatsApp", "TelegramBot", "LinkedInBot", "Mastodon/", "Bluesky Cardyb",
        "bot", "crawler", "spider",
    ];

    private readonly ConcurrentDictionary<(Guid Link, string Visitor), DateTime> lastCounted = new();
    private readonly Lock saltLock = new();
    private (DateOnly Day, byte[] Key) salt = (DateOnly.MinValue, []);
    private DateTime lastPrune;

    public static bool IsRobot(string method, string? userAgent) =>
        HttpMethods.IsHead(method) || string.IsNullOrWhiteSpace(userAgent)
        || RobotAgents.Any(agent => userAgent.Contains(agent, StringComparison.OrdinalIgnoreCase));

    public ClickRecord Judge(LinkTarget link, string method, string? address, string? userAgent)
    {
        ArgumentNullException.ThrowIfNull(link);
        var now = clock.GetUtcNow().UtcDateTime;
        var visitor = Visitor(now, address, userAgent);
        if (IsRobot(method, userAgent))
        {
            return new ClickRecord(link.LinkId, link.WorkspaceId, now, visitor, ClickVerdict.Robot);
        }
        var window = options.Value.RepeatWindow;
        var counted = false;
        lastCounted.AddOrUpdate((link.LinkId, visitor),
            _ =>
            {
                counted = true;
                return now;
            },
            (_, last) =>
            {
                counted = now - last >= window;
                return counted ? now : last;
            });
        return new ClickRecord(link.LinkId, link.WorkspaceId, now, visitor, counted ? ClickVerdict.Counted : ClickVerdict.Repeated);
    }

    /// <summary>Forgets visitors whose window has passed, so the memory follows the last half hour's visitors only.</summary>
    public void Prune()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now - lastPrune < TimeSpan.FromMinutes(1))
        {
            return;
        }
        lastPrune = now;
        var window = options.Value.RepeatWindow;
        foreach (var entry in lastCounted)
        {
            if (now - entry.Value >= window)
            {
                lastCounted.TryRemove(entry);
            }
        }
    }

    private string Visitor(DateTime now, string? address, string? userAgent)
    {
        var key = SaltFor(DateOnly.FromDateTime(now));
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes((address ?? "") + "\n" + (userAgent ?? "")), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private byte[] SaltFor(DateOnly day)
    {
        var current = salt;
        if (current.Day == day)
        {
            return current.Key;
        }
        lock (saltLock)
        {
            if (salt.Day != day)
            {
                // A new day: yesterday's salt is dropped, and with it any way to link its hashes to today's.
                salt = (day, RandomNumberGenerator.GetBytes(32));
                lastCounted.Clear();
            }
            return salt.Key;
        }
    }
}

/// <summary>
/// The clicks queue: a redirect puts its click here and answers at once; <see cref="ClickWriter"/> writes them in
/// batches. Bounded: when full, a redirect waits for room rather than lose a click.
/// </summary>
public sealed class ClickQueue
{
    private readonly Channel<ClickRecord> channel;
    private long enqueued;
    private long written;

    public ClickQueue(IOptions<TrackedLinkOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        channel = Channel.CreateBounded<ClickRecord>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    internal ChannelReader<ClickRecord> Reader => channel.Reader;

    /// <summary>Queues a click; false once the writer has stopped (the app is shutting down), for the caller to write it itself.</summary>
    public async ValueTask<bool> EnqueueAsync(ClickRecord click, CancellationToken ct)
    {
        Interlocked.Increment(ref enqueued);
        if (channel.Writer.TryWrite(click))
        {
            return true;
        }
        try
        {
            await channel.Writer.WriteAsync(click, ct);
            return true;
        }
        catch (ChannelClosedException)
        {
            Interlocked.Decrement(ref enqueued);
            return false;
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref enqueued);
            throw;
        }
    }

    internal void Complete() => channel.Writer.TryComplete();

    internal void Written(int count) => Interlocked.Add(ref written, count);

    /// <summary>Waits until every click queued before the call is in the database (tests and benchmarks read counts after it).</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        var target = Interlocked.Read(ref enqueued);
        while (Interlocked.Read(ref written) < target)
        {
            await Task.Delay(10, ct);
        }
    }
}

/// <summary>
/// Writes queued clicks in batches of up to <see cref="BatchSize"/>: counted clicks as rows, robots and repeats as
/// counters on their link, in one transaction. A failed batch is tried again, never dropped; on shutdown the queue is
/// closed and drained before the app stops.
/// </summary>
public sealed class ClickWriter(ClickQueue queue, ClickFilter filter, RapportDbContextFactory factory, ILogger<ClickWriter> logger) : IHostedService
{
    public const int BatchSize = 2000;
    private Task? running;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        running = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        if (running is not null)
        {
            await running.WaitAsync(cancellationToken);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<ClickRecord>(BatchSize);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < BatchSize && queue.Reader.TryRead(out var click))
            {
                batch.Add(click);
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await WriteAsync(factory, batch, CancellationToken.None);
                    break;
                }
                catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException or InvalidOperationException && attempt < 10)
                {
                    logger.LogWarning(e, "Writing {Count} link clicks failed (attempt {Attempt}); trying again.", batch.Count, attempt);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)));
                }
                catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException or InvalidOperationException)
                {
                    // A link deleted while its clicks waited makes its rows fail the foreign key: write the others.
                    logger.LogError(e, "Writing {Count} link clicks failed {Attempt} times; writing them one link at a time.", batch.Count, attempt);
                    foreach (var group in batch.GroupBy(c => c.LinkId))
                    {
                        try
                        {
                            await WriteAsync(factory, group.ToList(), CancellationToken.None);
                        }
                        catch (Exception again) when (again is DbUpdateException or System.Data.Common.DbException)
                        {
                            logger.LogError(again, "{Count} clicks of link {Link} could not be written.", group.Count(), group.Key);
                        }
                    }
                    break;
                }
            }
            queue.Written(batch.Count);
            batch.Clear();
            filter.Prune();
        }
    }

    /// <summary>Writes clicks: counted ones as rows, robots and repeats added to their link's counters.</summary>
    public static async Task WriteAsync(RapportDbContextFactory factory, IReadOnlyCollection<ClickRecord> clicks, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(clicks);
        await using var db = factory.CreateDbContext();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Clicks go in with the provider's bulk path (a prepared SQLite statement, a PostgreSQL COPY), as ingest's rows do.
        db.WriteAddedRowsInBulk = true;
        foreach (var click in clicks.Where(c => c.Verdict == ClickVerdict.Counted))
        {
            db.Add(new LinkClick { WorkspaceId = click.WorkspaceId, LinkId = click.LinkId, At = click.At, Visitor = click.Visitor });
        }
        await db.SaveChangesAsync(ct);
        foreach (var link in clicks.Where(c => c.Verdict != ClickVerdict.Counted).GroupBy(c => c.LinkId))
        {
            long robots = link.Count(c => c.Verdict == ClickVerdict.Robot), repeats = link.Count(c => c.Verdict == ClickVerdict.Repeated);
            await db.Set<TrackedLink>().IgnoreQueryFilters().Where(l => l.Id == link.Key).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.BotRequests, l => l.BotRequests + robots)
                .SetProperty(l => l.RepeatedClicks, l => l.RepeatedClicks + repeats), ct);
        }
        await transaction.CommitAsync(ct);
    }
}
