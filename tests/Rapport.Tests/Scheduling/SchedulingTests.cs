using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Rapport.Channels;
using Rapport.Scheduling;
using Rapport.Tests.Infrastructure;
using Rapport.Workspaces;

namespace Rapport.Tests.Scheduling;

public sealed class SchedulingTests
{
    private static readonly string[] AllJobs =
        ["poll-email", "poll-feeds", "poll-mastodon", "poll-bluesky", "sla-scan", "retrain", "prune-webhook-receipts", "publish-due-posts", "send-weekly-digests",
         "fetch-post-metrics", "count-followers", "scan-listening-alerts"];

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Jobs_AdminSeesEveryJob_RunsOneNow_AndSeesItsLastRun_WhileAnAgentIsRefused(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.SignedInClientAsync(owner.Email!);

        var jobs = (await admin.GetFromJsonAsync<List<JobStatus>>("/api/v1/jobs", Json.Options))!;
        Assert.Equal(AllJobs, jobs.Select(j => j.Name));
        Assert.All(jobs, j => Assert.True(j.Scheduled && j.NextRunAt is not null, $"{j.Name} runs by itself"));
        // Publishing runs every few seconds, so it may well have run already; the others wait minutes or a day.
        var slow = jobs.Where(j => j.Name != "publish-due-posts").ToList();
        Assert.All(slow, j => Assert.True(j.NextRunAt > DateTime.UtcNow, $"{j.Name} runs later"));
        Assert.All(slow, j => Assert.Null(j.LastStartedAt));

        var run = await admin.PostAsync("/api/v1/jobs/prune-webhook-receipts/run", null);
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        var pruned = await UntilAsync(async () =>
            (await admin.GetFromJsonAsync<List<JobStatus>>("/api/v1/jobs", Json.Options))!.Single(j => j.Name == "prune-webhook-receipts") is { LastFinishedAt: not null } done ? done : null);
        Assert.True(pruned.LastSucceeded);
        Assert.Null(pruned.LastError);
        Assert.NotNull(pruned.LastDurationMs);
        Assert.False(string.IsNullOrEmpty(pruned.LastRunBy));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/v1/jobs/no-such-job/run", null)).StatusCode);

        await using (var db = factory.OpenDb())
        {
            var audit = await db.AuditEntries.SingleAsync(a => a.Action == "job.run_now");
            Assert.Equal((workspace.Id, owner.Id, "prune-webhook-receipts"), (audit.WorkspaceId!.Value, audit.ActorUserId!.Value, audit.Target));
        }

        var agent = await factory.TokenClientAsync(workspace.Id, Role.Agent);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsync("/api/v1/jobs/sla-scan/run", null)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Retrain_RunsDailyAtItsTime_AndARestartDoesNotMoveIt(string provider)
    {
        var folder = Databases.NewTempFolder();
        var postgres = provider == Databases.Postgres ? Databases.NewPostgresDatabase() : null;
        void Same(IDictionary<string, string?> s)
        {
            s["Rapport:DataFolder"] = folder;
            if (postgres is not null)
            {
                s["Rapport:Postgres"] = postgres;
            }
        }
        try
        {
            DateTime before;
            await using (var first = new RapportFactory(provider, Same))
            {
                before = await NextRetrainAsync(first);
                Assert.Equal(TimeSpan.FromHours(3), before.TimeOfDay);
                Assert.InRange(before - DateTime.UtcNow, TimeSpan.Zero, TimeSpan.FromDays(1));
            }

            // The old timer restarted its day at each start; the schedule is a time of day, kept in the store on PostgreSQL.
            await Task.Delay(1100);
            await using var restarted = new RapportFactory(provider, Same);
            Assert.Equal(before, await NextRetrainAsync(restarted));
        }
        finally
        {
            if (postgres is not null)
            {
                await Databases.DropPostgresDatabaseAsync(postgres);
            }
        }
    }

    [Fact]
    public async Task Retrain_OnAnInterval_KeepsItsNextRunWhenAnotherNodeStarts_OnPostgres()
    {
        var postgres = Databases.NewPostgresDatabase();
        void Every2Days(IDictionary<string, string?> s)
        {
            s["Rapport:Postgres"] = postgres;
            s["Rapport:RetrainEvery"] = "2.00:00:00";
        }
        try
        {
            await using var first = new RapportFactory(Databases.Postgres, Every2Days);
            var before = await NextRetrainAsync(first);
            await Task.Delay(1100);
            // A restart, or a second node, stores the jobs again: the stored trigger keeps its next fire time.
            await using var second = new RapportFactory(Databases.Postgres, Every2Days);
            Assert.Equal(before, await NextRetrainAsync(second));
        }
        finally
        {
            // Both nodes have stopped: the database they shared can go.
            await Databases.DropPostgresDatabaseAsync(postgres);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task AFailingJob_ShowsTheJobsOwnWords_AndADemoSandboxChannelIsNeverCounted(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (owner, workspace) = await factory.CreateOwnerAsync();
        var admin = await factory.SignedInClientAsync(owner.Email!);
        // A Mastodon account with no instance set yet, and a sandbox channel like the demo's (it reaches no network).
        await factory.CreateChannelAsync(workspace.Id, ChannelKind.Mastodon, "Brand on Mastodon");
        await using (var db = factory.OpenDb())
        {
            db.Channels.Add(new Channel { WorkspaceId = workspace.Id, Name = "Sandbox Bluesky", Kind = ChannelKind.Bluesky, Direction = ChannelDirection.Inbox, Sandbox = true, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/jobs/count-followers/run", null)).StatusCode);
        var counted = await UntilAsync(async () =>
            (await admin.GetFromJsonAsync<List<JobStatus>>("/api/v1/jobs", Json.Options))!.Single(j => j.Name == "count-followers") is { LastFinishedAt: not null } done ? done : null);

        Assert.False(counted.LastSucceeded);
        // What the job said, not the scheduler's wrapper ("Job threw an unhandled exception").
        Assert.Contains("Brand on Mastodon", counted.LastError, StringComparison.Ordinal);
        Assert.Contains("no Mastodon instance", counted.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain("Sandbox Bluesky", counted.LastError, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases.All), MemberType = typeof(Databases))]
    public async Task Watch_OneNodeHoldsEachConnection_AndAnotherTakesOverWhenItDies(string provider)
    {
        await using var factory = new RapportFactory(provider);
        var (_, workspace) = await factory.CreateOwnerAsync();
        var channel = await factory.CreateChannelAsync(workspace.Id, ChannelKind.Feed, "Feed");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = HeldConnections.On(factory, "node-a", clock);
        var b = HeldConnections.On(factory, "node-b", clock);
        try
        {
            await a.WatchChannelsAsync(CancellationToken.None);
            await b.WatchChannelsAsync(CancellationToken.None);
            Assert.Equal([channel.Id], a.Watching);
            Assert.Empty(b.Watching);
            await UntilAsync(() => Task.FromResult(a.Opened == 1 ? (object?)true : null));

            // Node A dies: its connection closes but it never gives its lease back.
            await a.CloseAllAsync();
            clock.Advance(TimeSpan.FromMinutes(1));
            await b.WatchChannelsAsync(CancellationToken.None);
            Assert.Empty(b.Watching);
            clock.Advance(TimeSpan.FromMinutes(1.5));
            await b.WatchChannelsAsync(CancellationToken.None);
            Assert.Equal([channel.Id], b.Watching);
            await using (var db = factory.OpenDb())
            {
                Assert.Equal("node-b", (await db.Set<ChannelWatchLease>().SingleAsync()).Holder);
            }

            // A comes back: B holds the lease, so A does not open a second connection.
            await a.WatchChannelsAsync(CancellationToken.None);
            Assert.Empty(a.Watching);

            // B stops cleanly and gives its lease back: A takes the connection at its next look, without waiting.
            await b.StopWatchingAsync();
            await a.WatchChannelsAsync(CancellationToken.None);
            Assert.Equal([channel.Id], a.Watching);
        }
        finally
        {
            await a.StopWatchingAsync();
            await b.StopWatchingAsync();
        }
    }

    private static async Task<DateTime> NextRetrainAsync(RapportFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var jobs = await scope.ServiceProvider.GetRequiredService<JobsService>().ListAsync();
        return jobs.Single(j => j.Name == "retrain").NextRunAt!.Value;
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> done) where T : class
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await done() is { } value)
            {
                return value;
            }
            await Task.Delay(100);
        }
        Assert.Fail("Not done within 30 seconds.");
        return null!;
    }

    /// <summary>A watcher whose connection is held until it is closed: what IMAP IDLE and streams do, without a network.</summary>
    private sealed class HeldConnections(IServiceScopeFactory scopes, RapportNode node, TimeProvider clock, IOptions<SchedulingOptions> options)
        : ChannelWatchWorker(scopes, node, clock, options, NullLogger.Instance)
    {
        private int opened;

        public int Opened => opened;

        public static HeldConnections On(RapportFactory factory, string node, TimeProvider clock)
        {
            var options = Options.Create(new SchedulingOptions { NodeName = node });
            return new HeldConnections(factory.Services.GetRequiredService<IServiceScopeFactory>(), new RapportNode(options), clock, options);
        }

        protected override ChannelKind Kind => ChannelKind.Feed;

        protected override bool Enabled => true;

        protected override bool CanWatch(Channel channel) => true;

        protected override async Task<bool> WatchOnceAsync(IServiceProvider services, Channel channel, Action connected, CancellationToken ct)
        {
            connected();
            Interlocked.Increment(ref opened);
            await Task.Delay(Timeout.Infinite, ct);
            return true;
        }
    }
}
