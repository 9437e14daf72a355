using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Listening;

/// <summary>How a dashboard's time series is cut: by day, or by weeks of seven days from the period's first day.</summary>
public enum DashboardStep
{
    Day,
    Week,
}

/// <summary>Mentions counted by sentiment; net sentiment is positive minus negative over all (null with none).</summary>
public sealed record SentimentCounts(int Mentions, int Positive, int Neutral, int Negative)
{
    public static readonly SentimentCounts None = new(0, 0, 0, 0);

    public double? NetSentiment => Mentions == 0 ? null : (Positive - Negative) / (double)Mentions;

    public SentimentCounts Add(string sentiment, int count) => sentiment switch
    {
        "Positive" => this with { Mentions = Mentions + count, Positive = Positive + count },
        "Negative" => this with { Mentions = Mentions + count, Negative = Negative + count },
        _ => this with { Mentions = Mentions + count, Neutral = Neutral + count },
    };
}

/// <summary>One day or week of the period (its first day, in the workspace's time zone) beside the same place in the period before.</summary>
public sealed record DashboardPoint(DateOnly Start, SentimentCounts Counts, DateOnly PreviousStart, SentimentCounts Previous);

/// <summary>A topic's voice among the brand's and the competitors' topics in the period.</summary>
public sealed record ShareOfVoiceEntry(Guid TopicId, string Name, TopicKind Kind, SentimentCounts Counts, double Share);

/// <summary>One line of a ranking (a key phrase, an author, a language, a source), with its share of the period's mentions.</summary>
public sealed record TopEntry(string Key, string Name, int Mentions, double Share);

/// <summary>
/// What a listening dashboard shows for a period: volume and sentiment over time against the period before, share of voice
/// against the competitor topics, and the top key phrases, authors, languages and sources. Days are the workspace's.
/// </summary>
public sealed record ListeningDashboardDto(
    Guid? TopicId, string? TopicName, string TimeZone, DateOnly From, DateOnly To, DateOnly PreviousFrom, DateOnly PreviousTo, DashboardStep By,
    SentimentCounts Totals, SentimentCounts PreviousTotals, IReadOnlyList<DashboardPoint> Points, IReadOnlyList<ShareOfVoiceEntry> ShareOfVoice,
    IReadOnlyList<TopEntry> Terms, IReadOnlyList<TopEntry> Authors, IReadOnlyList<TopEntry> Languages, IReadOnlyList<TopEntry> Sources);

/// <summary>A dashboard's period: whole days in the workspace's time zone, both ends included.</summary>
public sealed record DashboardPeriod(DateOnly From, DateOnly To, DashboardStep By)
{
    /// <summary>The longest period one dashboard covers (the period before doubles what is read).</summary>
    public const int MaxDays = 366;

    private static readonly DateOnly Earliest = new(1970, 1, 1);
    private static readonly DateOnly Latest = new(9000, 12, 31);

    public int Days => To.DayNumber - From.DayNumber + 1;

    public DateOnly PreviousFrom => From.AddDays(-Days);

    public DateOnly PreviousTo => From.AddDays(-1);

    /// <summary>The period asked for, or the last 30 days to today by default; null when it runs backwards, is too long or steps oddly.</summary>
    public static DashboardPeriod? Of(DateOnly? from, DateOnly? to, DashboardStep? by, DateOnly today)
    {
        var end = to ?? today;
        // Far from the calendar's ends, so the period before and the time zone's offsets stay dates.
        if (end < Earliest || end > Latest || (from is { } f && (f < Earliest || f > Latest)))
        {
            return null;
        }
        var start = from ?? end.AddDays(-29);
        var step = by ?? DashboardStep.Day;
        return start <= end && end.DayNumber - start.DayNumber < MaxDays && Enum.IsDefined(step) ? new DashboardPeriod(start, end, step) : null;
    }
}

/// <summary>
/// Reads the listening dashboards, per topic and across topics, for the API and the pages alike. Noise (what the
/// analysis calls spam, surely) is left out of every figure, as the inbox sets it aside. Counts are exact; the key
/// phrases are counted over the latest <see cref="TermSample"/> mentions of the period, since they are split here.
/// </summary>
public sealed class ListeningDashboard(TimeProvider clock)
{
    /// <summary>How many lines each ranking keeps.</summary>
    public const int TopCount = 10;

    /// <summary>The most mentions whose key phrases are read for the top terms (the latest of the period).</summary>
    public const int TermSample = 2_000;

    /// <summary>Today in the workspace's time zone: where the default period ends.</summary>
    public async Task<DateOnly> TodayAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        var zone = await ZoneAsync(db, workspaceId, ct);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime, zone));
    }

    /// <summary>A topic's dashboard, or null when the workspace has no such topic.</summary>
    public async Task<ListeningDashboardDto?> ForTopicAsync(RapportDbContext db, Guid workspaceId, Guid topicId, DashboardPeriod period, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var topic = await db.Set<Topic>().AsNoTracking().Where(t => t.Id == topicId && t.WorkspaceId == workspaceId)
            .Select(t => new { t.Id, t.Name }).FirstOrDefaultAsync(ct);
        return topic is null ? null : await ComputeAsync(db, workspaceId, topic.Id, topic.Name, period, ct);
    }

    /// <summary>The dashboard of every mention the workspace heard, whatever topic found it (or none).</summary>
    public Task<ListeningDashboardDto> AcrossTopicsAsync(RapportDbContext db, Guid workspaceId, DashboardPeriod period, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return ComputeAsync(db, workspaceId, null, null, period, ct);
    }

    /// <summary>
    /// Share of voice in the period: the brand's topics (or the one topic asked for) and the competitor topics, each with
    /// its mentions by sentiment and its part of all their mentions.
    /// </summary>
    public Task<List<ShareOfVoiceEntry>> ShareOfVoiceAsync(RapportDbContext db, Guid workspaceId, Guid? topicId, DashboardPeriod period, CancellationToken ct = default) =>
        ShareOfVoiceAsync(db, workspaceId, topicId, period, fromRawRows: false, ct);

    /// <summary>
    /// Share of voice from the daily roll-ups of each topic (<see cref="TopicDay"/>, decision 0077) for the whole UTC days of
    /// the period and from the links for the hours at either end (the workspace's midnight is rarely UTC's); or, with
    /// <paramref name="fromRawRows"/>, from the links alone, as the roll-ups are checked against.
    /// </summary>
    public static async Task<List<ShareOfVoiceEntry>> ShareOfVoiceAsync(RapportDbContext db, Guid workspaceId, Guid? topicId, DashboardPeriod period, bool fromRawRows,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(period);
        var zone = await ZoneAsync(db, workspaceId, ct);
        var (from, to) = (StartOf(period.From, zone), StartOf(period.To.AddDays(1), zone));
        var topics = await db.Set<Topic>().AsNoTracking()
            .Where(t => t.WorkspaceId == workspaceId && (t.Kind == TopicKind.Competitor || (topicId == null ? t.Kind == TopicKind.Brand : t.Id == topicId)))
            .Select(t => new { t.Id, t.Name, t.Kind }).ToListAsync(ct);
        var ids = topics.Select(t => t.Id).ToList();
        // From the links' index alone: no mention is read. Grouped by topic only (the index's first column), so the
        // database counts as it walks the index instead of sorting by sentiment first.
        var (firstDay, endDay, live) = Reports.OutcomeReports.Split(from, to, fromRawRows);
        var rows = (await db.Set<TopicDay>().Where(d => ids.Contains(d.TopicId) && d.Day >= firstDay && d.Day < endDay)
            .GroupBy(d => d.TopicId)
            .Select(g => new { g.Key, Count = g.Sum(d => d.Count), Positive = g.Sum(d => d.Sentiment == "Positive" ? d.Count : 0), Negative = g.Sum(d => d.Sentiment == "Negative" ? d.Count : 0) })
            .ToListAsync(ct)).Select(c => (c.Key, Count: (int)c.Count, Positive: (int)c.Positive, Negative: (int)c.Negative)).ToList();
        foreach (var (lo, hi) in live)
        {
            rows.AddRange((await db.Set<MentionTopic>().Where(t => ids.Contains(t.TopicId) && t.MentionCreatedAt >= lo && t.MentionCreatedAt < hi && !t.IsNoise)
                .GroupBy(t => t.TopicId)
                .Select(g => new { g.Key, Count = g.Count(), Positive = g.Count(t => t.Sentiment == "Positive"), Negative = g.Count(t => t.Sentiment == "Negative") })
                .ToListAsync(ct)).Select(c => (c.Key, c.Count, c.Positive, c.Negative)));
        }
        var counts = rows.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => (Count: g.Sum(r => r.Count), Positive: g.Sum(r => r.Positive), Negative: g.Sum(r => r.Negative)));
        var all = counts.Values.Sum(c => c.Count);
        return [.. topics.Select(t =>
            {
                var mine = counts.TryGetValue(t.Id, out var c) ? new SentimentCounts(c.Count, c.Positive, c.Count - c.Positive - c.Negative, c.Negative) : SentimentCounts.None;
                return new ShareOfVoiceEntry(t.Id, t.Name, t.Kind, mine, all == 0 ? 0 : mine.Mentions / (double)all);
            })
            .OrderByDescending(e => e.Counts.Mentions).ThenBy(e => e.Name, StringComparer.Ordinal)];
    }

    private async Task<ListeningDashboardDto> ComputeAsync(RapportDbContext db, Guid workspaceId, Guid? topicId, string? topicName, DashboardPeriod period, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(period);
        var zone = await ZoneAsync(db, workspaceId, ct);
        var from = StartOf(period.From, zone);
        var to = StartOf(period.To.AddDays(1), zone);
        var previousFrom = StartOf(period.PreviousFrom, zone);

        // Both periods' rows, read once from one index and counted here: into the workspace's days (SQL has no time zones
        // on SQLite) and, for this period, by author, language and source; one read instead of a query per ranking.
        var rows = await Scope(db, workspaceId, topicId, previousFrom, to)
            .Select(m => new { m.At, m.Sentiment, m.Language, m.ChannelId, m.AuthorHandle }).ToListAsync(ct);
        var step = period.By == DashboardStep.Week ? 7 : 1;
        var buckets = (period.Days + step - 1) / step;
        var now = new SentimentCounts[buckets];
        var before = new SentimentCounts[buckets];
        Array.Fill(now, SentimentCounts.None);
        Array.Fill(before, SentimentCounts.None);
        var byAuthor = new Dictionary<string, int>(StringComparer.Ordinal);
        var byLanguage = new Dictionary<string, int>(StringComparer.Ordinal);
        var bySource = new Dictionary<Guid, int>();
        foreach (var r in rows)
        {
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(r.At, DateTimeKind.Utc), zone));
            if (day >= period.From && day <= period.To)
            {
                var i = (day.DayNumber - period.From.DayNumber) / step;
                now[i] = now[i].Add(r.Sentiment, 1);
                if (r.AuthorHandle.Length > 0)
                {
                    byAuthor[r.AuthorHandle] = byAuthor.GetValueOrDefault(r.AuthorHandle) + 1;
                }
                byLanguage[r.Language] = byLanguage.GetValueOrDefault(r.Language) + 1;
                bySource[r.ChannelId] = bySource.GetValueOrDefault(r.ChannelId) + 1;
            }
            else if (day >= period.PreviousFrom && day <= period.PreviousTo)
            {
                var i = (day.DayNumber - period.PreviousFrom.DayNumber) / step;
                before[i] = before[i].Add(r.Sentiment, 1);
            }
        }
        var points = Enumerable.Range(0, buckets)
            .Select(i => new DashboardPoint(period.From.AddDays(i * step), now[i], period.PreviousFrom.AddDays(i * step), before[i])).ToList();
        var totals = Sum(now);
        var authors = Top(byAuthor, StringComparer.Ordinal);
        var languages = Top(byLanguage, StringComparer.Ordinal);
        var sources = Top(bySource, Comparer<Guid>.Default);

        var inPeriod = Scope(db, workspaceId, topicId, from, to);
        var handles = authors.Select(a => a.Key).ToList();
        // The names the top authors go by, from one of their mentions each (the handle is what the links carry).
        var authorNames = handles.Count == 0 ? [] : await inPeriod.Where(m => handles.Contains(m.AuthorHandle))
            .Join(db.Set<Mention>(), h => h.MentionId, m => m.Id, (h, m) => new { m.AuthorHandle, m.AuthorName })
            .GroupBy(a => a.AuthorHandle).Select(g => new { g.Key, Name = g.Max(a => a.AuthorName) }).ToDictionaryAsync(a => a.Key, a => a.Name, ct);
        var channelIds = sources.Select(s => s.Key).ToList();
        var channelNames = await db.Channels.AsNoTracking().Where(c => c.WorkspaceId == workspaceId && channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var phrases = await inPeriod.OrderByDescending(m => m.At).Take(TermSample)
            .Join(db.Set<Mention>(), h => h.MentionId, m => m.Id, (h, m) => m.KeyPhrases).Where(p => p != "").ToListAsync(ct);
        var terms = phrases.SelectMany(p => p.Split(", ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .GroupBy(p => p.ToLower(CultureInfo.InvariantCulture))
            .Select(g => new { g.Key, Count = g.Count() })
            .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal).Take(TopCount).ToList();

        double Share(int count) => totals.Mentions == 0 ? 0 : count / (double)totals.Mentions;
        return new ListeningDashboardDto(
            topicId, topicName, zone.Id, period.From, period.To, period.PreviousFrom, period.PreviousTo, period.By, totals, Sum(before), points,
            await ShareOfVoiceAsync(db, workspaceId, topicId, period, ct),
            [.. terms.Select(t => new TopEntry(t.Key, t.Key, t.Count, Share(t.Count)))],
            [.. authors.Select(a => new TopEntry(a.Key, authorNames.GetValueOrDefault(a.Key) is { Length: > 0 } name ? name : a.Key, a.Count, Share(a.Count)))],
            [.. languages.Select(l => new TopEntry(l.Key, l.Key, l.Count, Share(l.Count)))],
            [.. sources.Select(s => new TopEntry(s.Key.ToString(), channelNames.GetValueOrDefault(s.Key) ?? "", s.Count, Share(s.Count)))]);
    }

    /// <summary>What the dashboard reads of a mention: the same few fields whether it comes from a topic's links or the mentions.</summary>
    private sealed class Heard
    {
        public Guid MentionId { get; init; }
        public DateTime At { get; init; }
        public string Sentiment { get; init; } = "";
        public string Language { get; init; } = "";
        public Guid ChannelId { get; init; }
        public string AuthorHandle { get; init; } = "";
    }

    /// <summary>
    /// A topic's mentions from its links alone (their copies of the mention's fields, covered by one index), or every
    /// mention of the workspace; noise left out either way.
    /// </summary>
    private static IQueryable<Heard> Scope(RapportDbContext db, Guid workspaceId, Guid? topicId, DateTime from, DateTime to) => topicId is { } id
        ? db.Set<MentionTopic>().AsNoTracking().Where(t => t.TopicId == id && t.MentionCreatedAt >= from && t.MentionCreatedAt < to && !t.IsNoise)
            .Select(t => new Heard { MentionId = t.MentionId, At = t.MentionCreatedAt, Sentiment = t.Sentiment, Language = t.Language, ChannelId = t.ChannelId, AuthorHandle = t.AuthorHandle })
        : NotNoise(db.Set<Mention>().AsNoTracking().Where(m => m.WorkspaceId == workspaceId && m.CreatedAt >= from && m.CreatedAt < to))
            .Select(m => new Heard { MentionId = m.Id, At = m.CreatedAt, Sentiment = m.Sentiment, Language = m.Language, ChannelId = m.ChannelId, AuthorHandle = m.AuthorHandle });

    /// <summary>Leaves noise out (spam read with confidence), as every listening figure does.</summary>
    internal static IQueryable<Mention> NotNoise(IQueryable<Mention> mentions) =>
        mentions.Where(m => !(m.Intent == "Spam" && m.IntentConfidence >= MentionTopic.NoiseConfidence));

    private static List<(T Key, int Count)> Top<T>(Dictionary<T, int> counts, IComparer<T> order) where T : notnull =>
        [.. counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, order).Take(TopCount).Select(c => (c.Key, c.Value))];

    private static SentimentCounts Sum(IEnumerable<SentimentCounts> counts) =>
        counts.Aggregate(SentimentCounts.None, (a, b) => new SentimentCounts(a.Mentions + b.Mentions, a.Positive + b.Positive, a.Neutral + b.Neutral, a.Negative + b.Negative));

    /// <summary>The workspace's time zone (UTC when it names none this machine knows).</summary>
    internal static async Task<TimeZoneInfo> ZoneAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct)
    {
        var id = await db.Workspaces.AsNoTracking().Where(w => w.Id == workspaceId).Select(w => w.TimeZone).FirstOrDefaultAsync(ct);
        return id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
    }

    /// <summary>The UTC instant a day of the workspace begins (an hour later where the clocks skip midnight).</summary>
    public static DateTime StartOf(DateOnly day, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
