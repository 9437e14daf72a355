using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Reports;

/// <summary>How a care report splits its figures.</summary>
public enum ReportGrouping
{
    Day,
    Week,
    Agent,
    Team,
    Channel,
}

/// <summary>Care figures for one group (or the whole period). Rates are 0–1; times are seconds; null where nothing was measured.</summary>
public sealed record CareMetrics(
    string Key,
    string Label,
    int Conversations,
    int NeededAnswer,
    int Answered,
    double? ResponseRate,
    int FirstResponses,
    double? FirstResponseMedian,
    double? FirstResponseP90,
    double? FirstResponseBusinessMedian,
    double? FirstResponseBusinessP90,
    double? AnsweredWithin1h,
    double? AnsweredWithin24h,
    int Resolved,
    double? ResolutionRate,
    double? ResolutionMedian,
    int Reopened,
    double? ReopenRate,
    double? Csat,
    int CsatAnswers,
    double? Effort,
    int EffortAnswers,
    int NegativeOpenings,
    int Recovered,
    double? RecoveryRate);

/// <summary>A care report: the whole period, then one line per group.</summary>
public sealed record CareReport(DateTime From, DateTime To, ReportGrouping Grouping, CareMetrics Total, List<CareMetrics> Groups);

/// <summary>
/// Care reports, computed from reporting events only. Counts, sums and averages are grouped in SQL over the
/// (WorkspaceId, Name, StartedAt) index; only first-response and resolution durations come back as rows, for exact
/// medians and 90th percentiles. Conversation figures (response, resolution, recovery rates) count conversations
/// created in the period, whenever they were answered; first responses count in the period the customer wrote.
/// Days and weeks are UTC calendar days and ISO weeks (Monday).
/// </summary>
public static class CareReports
{
    /// <summary>A conversation needs an answer when its opening message's needs-an-answer probability is at least this.</summary>
    public const double NeedsAnswerThreshold = 0.5;

    public static async Task<CareReport> ComputeAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, ReportGrouping grouping, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var parts = grouping switch
        {
            ReportGrouping.Agent => await GatherAsync(db, workspaceId, from, to, e => e.ActorUserId, ct),
            ReportGrouping.Team => await GatherAsync(db, workspaceId, from, to, e => e.TeamId, ct),
            ReportGrouping.Channel => await GatherAsync(db, workspaceId, from, to, e => e.ChannelId, ct),
            _ => await GatherAsync(db, workspaceId, from, to, e => e.StartedAt.Date, ct),
        };
        if (grouping == ReportGrouping.Week)
        {
            parts = parts.GroupBy(p => WeekOf(p.Key)).Select(g => g.Aggregate(new Partial(g.Key), (a, b) => a.Add(b))).ToList();
        }
        var labels = await LabelsAsync(db, workspaceId, grouping, parts.Select(p => p.Key), ct);
        var groups = parts.OrderBy(p => grouping is ReportGrouping.Day or ReportGrouping.Week ? p.Key : labels.GetValueOrDefault(p.Key, p.Key), StringComparer.Ordinal)
            .Select(p => p.ToMetrics(labels.GetValueOrDefault(p.Key, p.Key))).ToList();
        var total = parts.Aggregate(new Partial("total"), (a, b) => a.Add(b)).ToMetrics("Total");
        return new CareReport(from, to, grouping, total, groups);
    }

    /// <summary>Everything the figures need, per group key, in seven grouped queries and two duration reads.</summary>
    private static async Task<List<Partial>> GatherAsync<TKey>(
        RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, Expression<Func<ReportingEvent, TKey>> key, CancellationToken ct)
    {
        var events = db.ReportingEvents.IgnoreQueryFilters().AsNoTracking().Where(e => e.WorkspaceId == workspaceId && e.StartedAt >= from && e.StartedAt < to);
        IQueryable<ReportingEvent> Named(string name) => events.Where(e => e.Name == name);
        var all = db.ReportingEvents.IgnoreQueryFilters();
        var byKey = new Dictionary<string, Partial>(StringComparer.Ordinal);
        Partial For(object? k) => byKey.TryGetValue(Format(k), out var p) ? p : byKey[Format(k)] = new Partial(Format(k));

        foreach (var row in await Named(ReportingEventNames.ConversationCreated).GroupBy(key).Select(g => new
        {
            g.Key,
            Count = g.Count(),
            Needed = g.Count(e => e.Value >= NeedsAnswerThreshold),
            Answered = g.Count(e => e.Value >= NeedsAnswerThreshold
                && all.Any(f => f.ConversationId == e.ConversationId && f.Name == ReportingEventNames.FirstResponse)),
            Resolved = g.Count(e => all.Any(f => f.ConversationId == e.ConversationId && f.Name == ReportingEventNames.ConversationResolved)),
        }).ToListAsync(ct))
        {
            var p = For(row.Key);
            (p.Conversations, p.Needed, p.Answered, p.ResolvedConversations) = (row.Count, row.Needed, row.Answered, row.Resolved);
        }
        var durations = WithKey(key);
        foreach (var row in await Named(ReportingEventNames.FirstResponse).Select(durations).ToListAsync(ct))
        {
            var p = For(row.Key);
            p.FirstResponse.Add(row.DurationSeconds ?? 0);
            p.FirstResponseBusiness.Add(row.BusinessDurationSeconds ?? row.DurationSeconds ?? 0);
        }
        foreach (var row in await Named(ReportingEventNames.ConversationResolved).Select(durations).ToListAsync(ct))
        {
            var p = For(row.Key);
            p.Resolution.Add(row.DurationSeconds ?? 0);
            p.ResolvedIds.Add(row.ConversationId ?? Guid.Empty);
        }
        foreach (var row in await Named(ReportingEventNames.ConversationReopened).GroupBy(key).Select(g => new { g.Key, Count = g.Select(e => e.ConversationId).Distinct().Count() }).ToListAsync(ct))
        {
            For(row.Key).Reopened = row.Count;
        }
        foreach (var (name, csat) in new[] { (ReportingEventNames.SurveyCsat, true), (ReportingEventNames.SurveyEffort, false) })
        {
            foreach (var row in await Named(name).GroupBy(key).Select(g => new { g.Key, Count = g.Count(), Sum = g.Sum(e => e.Value ?? 0) }).ToListAsync(ct))
            {
                var p = For(row.Key);
                if (csat)
                {
                    (p.CsatCount, p.CsatSum) = (row.Count, row.Sum);
                }
                else
                {
                    (p.EffortCount, p.EffortSum) = (row.Count, row.Sum);
                }
            }
        }
        foreach (var row in await Named(ReportingEventNames.SentimentAtOpening).Where(e => e.Value < 0).GroupBy(key).Select(g => new
        {
            g.Key,
            Count = g.Count(),
            Recovered = g.Count(e => all.Any(f => f.ConversationId == e.ConversationId && f.Name == ReportingEventNames.SentimentAtResolution && f.Value >= 0)),
        }).ToListAsync(ct))
        {
            var p = For(row.Key);
            (p.NegativeOpenings, p.Recovered) = (row.Count, row.Recovered);
        }
        return [.. byKey.Values];
    }

    private sealed class KeyedDuration<TKey>
    {
        public TKey Key { get; init; } = default!;
        public double? DurationSeconds { get; init; }
        public double? BusinessDurationSeconds { get; init; }
        public Guid? ConversationId { get; init; }
    }

    /// <summary>A projection of an event's durations with the group key inlined, so the key is computed in SQL.</summary>
    private static Expression<Func<ReportingEvent, KeyedDuration<TKey>>> WithKey<TKey>(Expression<Func<ReportingEvent, TKey>> key)
    {
        var e = key.Parameters[0];
        var row = typeof(KeyedDuration<TKey>);
        return Expression.Lambda<Func<ReportingEvent, KeyedDuration<TKey>>>(
            Expression.MemberInit(Expression.New(row),
                Expression.Bind(row.GetProperty(nameof(KeyedDuration<TKey>.Key))!, key.Body),
                Expression.Bind(row.GetProperty(nameof(KeyedDuration<TKey>.DurationSeconds))!, Expression.Property(e, nameof(ReportingEvent.DurationSeconds))),
                Expression.Bind(row.GetProperty(nameof(KeyedDuration<TKey>.BusinessDurationSeconds))!, Expression.Property(e, nameof(ReportingEvent.BusinessDurationSeconds))),
                Expression.Bind(row.GetProperty(nameof(KeyedDuration<TKey>.ConversationId))!, Expression.Property(e, nameof(ReportingEvent.ConversationId)))),
            e);
    }

    private static string Format(object? key) => key switch
    {
        null => "",
        DateTime day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => key.ToString() ?? "",
    };

    private static string WeekOf(string day)
    {
        var date = DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return date.AddDays(-(((int)date.DayOfWeek + 6) % 7)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static async Task<Dictionary<string, string>> LabelsAsync(RapportDbContext db, Guid workspaceId, ReportGrouping grouping, IEnumerable<string> keys, CancellationToken ct)
    {
        var ids = keys.Select(k => Guid.TryParse(k, out var id) ? id : (Guid?)null).OfType<Guid>().ToList();
        var labels = grouping switch
        {
            ReportGrouping.Agent => await db.Users.Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id.ToString(), u => u.DisplayName ?? u.Email ?? "", ct),
            ReportGrouping.Team => await db.Teams.IgnoreQueryFilters().Where(t => t.WorkspaceId == workspaceId && ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id.ToString(), t => t.Name, ct),
            ReportGrouping.Channel => await db.Channels.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id.ToString(), c => c.Name, ct),
            _ => [],
        };
        labels[""] = grouping switch
        {
            ReportGrouping.Agent => "(no agent)",
            ReportGrouping.Team => "(no team)",
            _ => "(none)",
        };
        return labels;
    }

    /// <summary>Additive figures of one group: weeks add up their days, the total adds up every group.</summary>
    private sealed class Partial(string key)
    {
        public string Key { get; } = key;
        public int Conversations { get; set; }
        public int Needed { get; set; }
        public int Answered { get; set; }
        public int ResolvedConversations { get; set; }
        public List<double> FirstResponse { get; } = [];
        public List<double> FirstResponseBusiness { get; } = [];
        public List<double> Resolution { get; } = [];
        public HashSet<Guid> ResolvedIds { get; } = [];
        public int Reopened { get; set; }
        public int CsatCount { get; set; }
        public double CsatSum { get; set; }
        public int EffortCount { get; set; }
        public double EffortSum { get; set; }
        public int NegativeOpenings { get; set; }
        public int Recovered { get; set; }

        public Partial Add(Partial other)
        {
            Conversations += other.Conversations;
            Needed += other.Needed;
            Answered += other.Answered;
            ResolvedConversations += other.ResolvedConversations;
            FirstResponse.AddRange(other.FirstResponse);
            FirstResponseBusiness.AddRange(other.FirstResponseBusiness);
            Resolution.AddRange(other.Resolution);
            ResolvedIds.UnionWith(other.ResolvedIds);
            Reopened += other.Reopened;
            CsatCount += other.CsatCount;
            CsatSum += other.CsatSum;
            EffortCount += other.EffortCount;
            EffortSum += other.EffortSum;
            NegativeOpenings += other.NegativeOpenings;
            Recovered += other.Recovered;
            return this;
        }

        public CareMetrics ToMetrics(string label)
        {
            FirstResponse.Sort();
            FirstResponseBusiness.Sort();
            Resolution.Sort();
            return new(Key, label, Conversations, Needed, Answered, Rate(Answered, Needed), FirstResponse.Count,
                Percentile(FirstResponse, 0.5), Percentile(FirstResponse, 0.9), Percentile(FirstResponseBusiness, 0.5), Percentile(FirstResponseBusiness, 0.9),
                Rate(FirstResponse.Count(d => d <= 3600), FirstResponse.Count), Rate(FirstResponse.Count(d => d <= 86_400), FirstResponse.Count),
                ResolvedConversations, Rate(ResolvedConversations, Conversations), Percentile(Resolution, 0.5),
                Reopened, Rate(Reopened, ResolvedIds.Count),
                CsatCount == 0 ? null : CsatSum / CsatCount, CsatCount, EffortCount == 0 ? null : EffortSum / EffortCount, EffortCount,
                NegativeOpenings, Recovered, Rate(Recovered, NegativeOpenings));
        }

        private static double? Rate(int part, int whole) => whole == 0 ? null : (double)part / whole;
    }

    /// <summary>The nearest-rank percentile of sorted values: the smallest value with at least p of the values at or below it.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return null;
        }
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
