using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Listening;
using Rapport.Data;

namespace Rapport.Listening;

/// <summary>
/// Matches the last <see cref="Window"/> of mentions again against a topic that was created or whose query changed, in the
/// background, a page at a time, recording its progress on the topic (shown on the Topics page). It reads only the mentions
/// received before it started (those received since are matched by processing with the new query), linking what the query
/// finds now and unlinking what it no longer finds. A query that no longer reads unlinks nothing and matches nothing new.
/// </summary>
public sealed partial class TopicRematchWorker(RapportDbContextFactory databases, TimeProvider clock, ILogger<TopicRematchWorker> logger) : BackgroundService
{
    /// <summary>How far back a changed topic is matched again.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(90);

    private const int PageSize = 1000;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(3);
    private readonly SemaphoreSlim running = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
            await Task.Delay(PollInterval, clock, stoppingToken);
        }
    }

    /// <summary>Re-matches every topic waiting for it; returns how many it finished.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        await running.WaitAsync(ct);
        try
        {
            List<Guid> pending;
            await using (var db = databases.CreateDbContext())
            {
                pending = await db.Set<Topic>().IgnoreQueryFilters().Where(t => t.RematchPending).OrderBy(t => t.UpdatedAt).Select(t => t.Id).ToListAsync(ct);
            }
            var done = 0;
            foreach (var id in pending)
            {
                done += await RematchAsync(id, ct) ? 1 : 0;
            }
            return done;
        }
        finally
        {
            running.Release();
        }
    }

    private async Task<bool> RematchAsync(Guid topicId, CancellationToken ct)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        await using var db = databases.CreateDbContext();
        var topic = await db.Set<Topic>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(t => t.Id == topicId, ct);
        if (topic is null)
        {
            return false;
        }
        var version = topic.UpdatedAt;
        var since = started - Window;
        var workspaceId = topic.WorkspaceId;
        var mentions = db.Set<Mention>().IgnoreQueryFilters().Where(m => m.WorkspaceId == workspaceId && m.CreatedAt >= since && m.ReceivedAt < started);
        var total = await mentions.CountAsync(ct);
        await Progress(db, topicId, version, 0, total, ct);
        TopicMatcher? matcher = TopicQuery.TryParse(topic.Query, out var query, out _)
            ? TopicMatcher.Compile([new TopicDefinition(query!, topic.Languages.Length == 0 ? null : topic.Languages.Split(','))])
            : null;
        var channels = await db.Channels.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId)
            .Select(c => new { c.Id, c.Kind, c.Name }).ToDictionaryAsync(c => c.Id, c => TopicMatchers.SourcesOf(c.Kind, c.Name), ct);
        var read = 0;
        Guid? after = null;
        while (matcher is not null)
        {
            var page = await mentions.Where(m => after == null || m.Id.CompareTo(after.Value) > 0).OrderBy(m => m.Id).Take(PageSize)
                .Select(m => new { m.Id, m.ChannelId, m.Subject, m.Text, m.Language, m.CreatedAt, m.Sentiment, m.AuthorHandle, m.Intent, m.IntentConfidence }).ToListAsync(ct);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].Id;
            var ids = page.Select(m => m.Id).ToList();
            // Page by page, what the query finds now is linked and what it no longer finds unlinked, so the topic's mentions
            // never drop to nothing while it runs; a mention processed meanwhile with the new query is already linked.
            var linked = (await db.Set<MentionTopic>().IgnoreQueryFilters().Where(l => l.TopicId == topicId && ids.Contains(l.MentionId)).Select(l => l.MentionId).ToListAsync(ct)).ToHashSet();
            var unmatched = new List<Guid>();
            foreach (var m in page)
            {
                var text = string.IsNullOrEmpty(m.Subject) ? m.Text : m.Subject + "\n" + m.Text;
                var matches = matcher.Match(text, m.Language, channels.GetValueOrDefault(m.ChannelId)).Count > 0;
                if (matches && !linked.Contains(m.Id))
                {
                    db.Set<MentionTopic>().Add(new MentionTopic
                    {
                        TopicId = topicId,
                        MentionId = m.Id,
                        WorkspaceId = workspaceId,
                        MentionCreatedAt = m.CreatedAt,
                        Sentiment = m.Sentiment,
                        Language = m.Language,
                        ChannelId = m.ChannelId,
                        AuthorHandle = m.AuthorHandle,
                        IsNoise = MentionTopic.NoiseOf(m.Intent, m.IntentConfidence),
                    });
                }
                else if (!matches && linked.Contains(m.Id))
                {
                    unmatched.Add(m.Id);
                }
            }
            if (unmatched.Count > 0)
            {
                await db.Set<MentionTopic>().IgnoreQueryFilters().Where(l => l.TopicId == topicId && unmatched.Contains(l.MentionId)).ExecuteDeleteAsync(ct);
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            read += page.Count;
            if (!await Progress(db, topicId, version, read, Math.Max(total, read), ct))
            {
                return false; // Changed again meanwhile: the next round starts over with the new query.
            }
        }
        var finished = await db.Set<Topic>().IgnoreQueryFilters().Where(t => t.Id == topicId && t.UpdatedAt == version)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RematchPending, false).SetProperty(t => t.RematchedAt, clock.GetUtcNow().UtcDateTime)
                .SetProperty(t => t.RematchDone, read).SetProperty(t => t.RematchTotal, Math.Max(total, read)), ct);
        return finished == 1;
    }

    private static async Task<bool> Progress(RapportDbContext db, Guid topicId, DateTime version, int done, int total, CancellationToken ct) =>
        await db.Set<Topic>().IgnoreQueryFilters().Where(t => t.Id == topicId && t.UpdatedAt == version)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RematchDone, done).SetProperty(t => t.RematchTotal, total), ct) == 1;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A topic re-match round failed; it is tried again.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
