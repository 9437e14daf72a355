using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Outbox;

namespace Rapport.Reports;

/// <summary>An amount of money in one currency. Amounts in different currencies are never added together.</summary>
public sealed record Money(string Currency, decimal Amount)
{
    /// <summary>One amount per currency, side by side, as a page shows them (current culture); "—" for none.</summary>
    public static string Shown(IReadOnlyCollection<Money> amounts) => amounts.Count == 0 ? "—"
        : string.Join(" · ", amounts.Select(m => $"{m.Amount.ToString("N2", System.Globalization.CultureInfo.CurrentCulture)} {m.Currency}"));

    /// <summary>One amount per currency in a CSV cell, never summed across currencies: "1250.5 EUR; 80 USD".</summary>
    public static string InCsv(IEnumerable<Money> amounts) =>
        string.Join("; ", amounts.Select(m => m.Amount.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " " + m.Currency));
}

/// <summary>
/// The outcome figures of one channel (or the whole period), along AMEC's chain: outputs, out-takes, outcomes, impact.
/// A null figure was not measured; zero means measured and none.
/// </summary>
public sealed record OutcomeFigures(
    string Key,
    string Label,
    // Outputs: what the brand did.
    int PostsPublished,
    int RepliesDelivered,
    // Out-takes: what people saw and how they felt.
    long? Reach,
    long? Engagement,
    int PositiveMessages,
    int NeutralMessages,
    int NegativeMessages,
    // Outcomes: what people did or said because of it.
    int Clicks,
    int Conversions,
    double? Csat,
    int CsatAnswers,
    double? Effort,
    int EffortAnswers,
    double? Nps,
    int Promoters,
    int Passives,
    int Detractors,
    int Recommends,
    int AdvisesAgainst,
    int NegativeOpenings,
    int Recovered,
    int Complaints,
    int ComplaintsResolved,
    // Impact: what it was worth to the organisation.
    List<Money> Revenue,
    int ThreatenedToLeave,
    int Stayed,
    // Applause (likes of the period's posts): shown after engagement, never leading.
    long? Applause = null)
{
    /// <summary>Positive minus negative, as a share of every inbound message with a sentiment (-1 to 1).</summary>
    public double? NetSentiment => PositiveMessages + NeutralMessages + NegativeMessages is var all and > 0 ? (double)(PositiveMessages - NegativeMessages) / all : null;

    public double? RecoveryRate => NegativeOpenings == 0 ? null : (double)Recovered / NegativeOpenings;

    public double? ComplaintResolutionRate => Complaints == 0 ? null : (double)ComplaintsResolved / Complaints;
}

/// <summary>What one campaign (a tracked link's campaign) brought: its posts and replies, their clicks, conversions and revenue.</summary>
public sealed record CampaignOutcome(string Campaign, int PostsPublished, int RepliesDelivered, int Clicks, int Conversions, List<Money> Revenue,
    long? Reach = null, long? Engagement = null);

/// <summary>One period's outcome figures: the total, one line per channel, one per campaign.</summary>
public sealed record OutcomeSlice(DateTime From, DateTime To, OutcomeFigures Total, List<OutcomeFigures> Channels, List<CampaignOutcome> Campaigns);

/// <summary>The outcome report: a period and the previous period of the same length, side by side.</summary>
public sealed record OutcomeReport(OutcomeSlice Current, OutcomeSlice Previous);

/// <summary>
/// The outcome report (docs/reports.md, decision 0067): what the brand's posts and answers led to, laid out along AMEC's
/// integrated evaluation chain. Every figure is grouped in SQL by channel; only complaints and churn threats come back
/// as rows, to count distinct conversations and customers. Figures count in the period the thing happened: posts when
/// published, replies when written (delivered ones only), messages, clicks and conversions when they occurred, NPS and
/// recommendations when heard. CSAT, effort and sentiment recovery count by the conversation's creation, as the care
/// report does, so both reports show the same satisfaction for the same period.
/// </summary>
public static class OutcomeReports
{
    /// <summary>The longest period one report covers (the previous period doubles what is read).</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    /// <summary>Campaign of links and conversions that have none.</summary>
    public const string NoCampaign = "";

    /// <summary>Null when the period is fine, else why not, in words an API caller can act on.</summary>
    public static string? CheckPeriod(DateTime from, DateTime to) =>
        from >= to ? "The period must end after it starts."
        : to - from > MaxPeriod ? $"The period covers at most {MaxPeriod.TotalDays} days."
        : from.Year < 2000 || to.Year > 2200 ? "The period's dates are out of range."
        : null;

    public static Task<OutcomeReport> ComputeAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, CancellationToken ct = default) =>
        ComputeAsync(db, workspaceId, from, to, fromRawRows: false, ct);

    /// <summary>
    /// The report, from the daily roll-ups for the whole UTC days of each period and from the rows themselves for the rest
    /// (the partial days at either end: today so far, a time zone's offset); or, with <paramref name="fromRawRows"/>,
    /// from the rows alone, as the roll-ups are checked against.
    /// </summary>
    public static async Task<OutcomeReport> ComputeAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to, bool fromRawRows, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (CheckPeriod(from, to) is { } problem)
        {
            throw new ArgumentException(problem, nameof(to));
        }
        var length = to - from;
        var channels = await db.Channels.IgnoreQueryFilters().AsNoTracking().Where(c => c.WorkspaceId == workspaceId)
            .ToDictionaryAsync(c => c.Id.ToString(), c => c.Name, ct);
        var links = await db.Set<Links.TrackedLink>().IgnoreQueryFilters().AsNoTracking().Where(l => l.WorkspaceId == workspaceId)
            .Select(l => new LinkInfo(l.Id, l.ChannelId, l.Campaign ?? l.UtmCampaign, l.PostId, l.ReplyMessageId)).ToDictionaryAsync(l => l.Id, ct);
        var current = await SliceAsync(db, workspaceId, from, to, channels, links, fromRawRows, ct);
        var previous = await SliceAsync(db, workspaceId, from - length, from, channels, links, fromRawRows, ct);
        return new OutcomeReport(current, previous);
    }

    /// <summary>An inbound message of the period with its analysis: what the figures read of it.</summary>
    private sealed class Analysed
    {
        public Guid ChannelId { get; init; }
        public Guid ConversationId { get; init; }
        public Guid? AuthorContactId { get; init; }
        public string Sentiment { get; init; } = "";
        public string Intent { get; init; } = "";
        public string Urgency { get; init; } = "";
        public string Recommendation { get; init; } = "";
    }

    private sealed record LinkInfo(Guid Id, Guid? ChannelId, string? Campaign, Guid? PostId, Guid? ReplyMessageId);

    /// <summary>One measured post's latest out-takes.</summary>
    private sealed record PostOutTakes(Guid PostId, Guid ChannelId, long? Reach, long Engagement, long Likes);

    /// <summary>Adds two figures that may be unmeasured: null only when neither was measured.</summary>
    private static long? Plus(long? a, long? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);

    /// <summary>
    /// The whole UTC days of [from, to) that the roll-ups answer for, and the parts before and after them that the rows
    /// answer for (the whole period when it holds no whole day, or when the rows are asked for).
    /// </summary>
    internal static (DateOnly First, DateOnly End, List<(DateTime From, DateTime To)> Live) Split(DateTime from, DateTime to, bool fromRawRows)
    {
        var first = DateOnly.FromDateTime(from);
        if (from.TimeOfDay != TimeSpan.Zero)
        {
            first = first.AddDays(1);
        }
        var end = DateOnly.FromDateTime(to);
        if (fromRawRows || first >= end)
        {
            return (first, first, [(from, to)]);
        }
        var (wholeFrom, wholeTo) = (first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), end.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
        List<(DateTime, DateTime)> live = [];
        if (from < wholeFrom)
        {
            live.Add((from, wholeFrom));
        }
        if (wholeTo < to)
        {
            live.Add((wholeTo, to));
        }
        return (first, end, live);
    }

    private static async Task<OutcomeSlice> SliceAsync(RapportDbContext db, Guid workspaceId, DateTime from, DateTime to,
        Dictionary<string, string> channelNames, Dictionary<Guid, LinkInfo> links, bool fromRawRows, CancellationToken ct)
    {
        var byChannel = new Dictionary<string, Partial>(StringComparer.Ordinal);
        Partial For(Guid? channel) => byChannel.TryGetValue(channel?.ToString() ?? "", out var p) ? p : byChannel[channel?.ToString() ?? ""] = new Partial(channel?.ToString() ?? "");
        var byCampaign = new Dictionary<string, CampaignPartial>(StringComparer.Ordinal);
        CampaignPartial Campaign(string? name) => byCampaign.TryGetValue(name ?? NoCampaign, out var c) ? c : byCampaign[name ?? NoCampaign] = new CampaignPartial(name ?? NoCampaign);

        // Outputs. A post is an outbox item with no message (a reply has one) and no webhook delivery, sent in the period.
        var posts = db.OutboxItems.IgnoreQueryFilters().AsNoTracking().Where(o => o.WorkspaceId == workspaceId && o.MessageId == null
            && o.EventDeliveryId == null && o.Status == OutboxStatus.Sent && o.SentAt >= from && o.SentAt < to);
        foreach (var row in await posts.GroupBy(o => o.ChannelId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
        {
            For(row.Key).Posts = row.Count;
        }
        // Only replies that reached the customer count: queued, failed, scheduled and cancelled ones are not an output.
        IQueryable<Message> ReplyRows(DateTime lo, DateTime hi) => db.Messages.IgnoreQueryFilters().AsNoTracking().Where(m => m.WorkspaceId == workspaceId
            && m.Direction == MessageDirection.Outbound && m.CreatedAt >= lo && m.CreatedAt < hi && m.DeliveryStatus == DeliveryStatus.Sent);
        var replies = ReplyRows(from, to);
        // The high-volume additive figures (replies, inbound messages by sentiment and stance, clicks) come from the daily
        // roll-ups for the whole days (decision 0077), and from the rows for the partial days at either end.
        var (firstDay, endDay, live) = Split(from, to, fromRawRows);
        var rolled = await db.Set<OutcomeDay>().IgnoreQueryFilters().AsNoTracking()
            .Where(d => d.WorkspaceId == workspaceId && d.Day >= firstDay && d.Day < endDay)
            .GroupBy(d => new { d.Figure, d.ChannelId, d.LinkId }).Select(g => new { g.Key.Figure, g.Key.ChannelId, g.Key.LinkId, Count = g.Sum(d => d.Count) })
            .ToListAsync(ct);
        var replyRows = rolled.Where(r => r.Figure == OutcomeDay.Reply).Select(r => (Key: r.ChannelId, Count: (int)r.Count)).ToList();
        foreach (var (lo, hi) in live)
        {
            replyRows.AddRange((await ReplyRows(lo, hi).GroupBy(m => m.ChannelId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct))
                .Select(r => (r.Key, r.Count)));
        }
        foreach (var row in replyRows)
        {
            For(row.Key).Replies += row.Count;
        }
        // Out-takes of the period's posts: their latest figures as the networks counted them (decision 0071). Reach only where
        // the network gives it (partners); engagement is shares, replies, quotes and saves; likes are applause, apart.
        var measured = await posts.Join(db.Set<Performance.PostPerformance>().IgnoreQueryFilters().Where(p => p.MeasuredAt != null), o => o.Id, p => p.PostId,
                (o, p) => new PostOutTakes(p.PostId, o.ChannelId, p.Reach, (p.Shares ?? 0) + (p.Replies ?? 0) + (p.Quotes ?? 0) + (p.Saves ?? 0), p.Likes ?? 0))
            .ToListAsync(ct);
        foreach (var post in measured)
        {
            For(post.ChannelId).Measure(post);
        }
        var outTakes = measured.ToDictionary(m => m.PostId);
        var linkedPosts = links.Values.Where(l => l.PostId is not null).Select(l => l.PostId!.Value).Distinct().ToList();
        if (linkedPosts.Count > 0)
        {
            // The period's posts are few (thousands at most), the workspace's linked posts many: intersected here.
            var published = (await posts.Select(o => o.Id).ToListAsync(ct)).ToHashSet();
            published.IntersectWith(linkedPosts);
            foreach (var group in links.Values.Where(l => l.PostId is { } id && published.Contains(id)).GroupBy(l => l.Campaign))
            {
                var campaign = Campaign(group.Key);
                foreach (var postId in group.Select(l => l.PostId!.Value).Distinct())
                {
                    campaign.Posts++;
                    if (outTakes.TryGetValue(postId, out var post))
                    {
                        campaign.Measure(post);
                    }
                }
            }
        }
        var linkedReplies = links.Values.Where(l => l.ReplyMessageId is not null).Select(l => l.ReplyMessageId!.Value).Distinct().ToList();
        if (linkedReplies.Count > 0)
        {
            var delivered = (await replies.Where(m => linkedReplies.Contains(m.Id)).Select(m => m.Id).ToListAsync(ct)).ToHashSet();
            foreach (var group in links.Values.Where(l => l.ReplyMessageId is { } id && delivered.Contains(id)).GroupBy(l => l.Campaign))
            {
                Campaign(group.Key).Replies += group.Select(l => l.ReplyMessageId).Distinct().Count();
            }
        }

        // Out-takes. Sentiment is the understanding engine's label of each inbound message.
        IQueryable<Analysed> Inbound(DateTime lo, DateTime hi) => db.Messages.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.WorkspaceId == workspaceId && m.Direction == MessageDirection.Inbound && m.CreatedAt >= lo && m.CreatedAt < hi)
            .Join(db.MessageAnalyses.IgnoreQueryFilters(), m => m.Id, a => a.MessageId, (m, a) => new Analysed
            {
                ChannelId = m.ChannelId,
                ConversationId = m.ConversationId,
                AuthorContactId = m.AuthorContactId,
                Sentiment = a.Sentiment,
                Intent = a.Intent,
                Urgency = a.Urgency,
                Recommendation = a.Recommendation,
            });
        var inbound = Inbound(from, to);
        var sentimentRows = rolled.Where(r => r.Figure.StartsWith(OutcomeDay.InboundPrefix, StringComparison.Ordinal))
            .Select(r => (ChannelId: r.ChannelId, Sentiment: r.Figure[OutcomeDay.InboundPrefix.Length..], Count: (int)r.Count)).ToList();
        var stanceRows = rolled.Where(r => r.Figure.StartsWith(OutcomeDay.StancePrefix, StringComparison.Ordinal))
            .Select(r => (ChannelId: r.ChannelId, Stance: r.Figure[OutcomeDay.StancePrefix.Length..], Count: (int)r.Count)).ToList();
        foreach (var (lo, hi) in live)
        {
            sentimentRows.AddRange((await Inbound(lo, hi).GroupBy(m => new { m.ChannelId, m.Sentiment })
                .Select(g => new { g.Key.ChannelId, g.Key.Sentiment, Count = g.Count() }).ToListAsync(ct)).Select(r => (r.ChannelId, r.Sentiment, r.Count)));
            stanceRows.AddRange((await Inbound(lo, hi).Where(m => m.Recommendation != "").GroupBy(m => new { m.ChannelId, m.Recommendation })
                .Select(g => new { g.Key.ChannelId, g.Key.Recommendation, Count = g.Count() }).ToListAsync(ct)).Select(r => (r.ChannelId, r.Recommendation, r.Count)));
        }
        foreach (var row in sentimentRows)
        {
            var p = For(row.ChannelId);
            switch (row.Sentiment)
            {
                case nameof(Analysis.SentimentLabel.Positive):
                    p.Positive += row.Count;
                    break;
                case nameof(Analysis.SentimentLabel.Negative):
                    p.Negative += row.Count;
                    break;
                default:
                    p.Neutral += row.Count;
                    break;
            }
        }

        // Outcomes and impact from what customers wrote: complaints (resolved since?) and threats to leave (and stayed?).
        var events = db.ReportingEvents.IgnoreQueryFilters();
        var complaint = nameof(Analysis.Intent.Complaint);
        var churn = nameof(Analysis.UrgencySignal.ChurnThreat);
        // One row per conversation and author (not per message) before the events are looked up: a conversation's
        // resolution is the same for each of its messages, and a busy quarter has tens of thousands of such messages.
        var flagged = await inbound.Where(m => m.Intent == complaint || m.Urgency.Contains(churn))
            .GroupBy(m => new { m.ConversationId, m.ChannelId, m.AuthorContactId })
            .Select(g => new
            {
                g.Key.ConversationId,
                g.Key.ChannelId,
                g.Key.AuthorContactId,
                Complaint = g.Max(m => m.Intent == complaint ? 1 : 0),
                Churn = g.Max(m => m.Urgency.Contains(churn) ? 1 : 0),
            })
            .Select(m => new
            {
                m.ChannelId,
                m.ConversationId,
                m.AuthorContactId,
                Complaint = m.Complaint == 1,
                Churn = m.Churn == 1,
                Resolved = events.Any(e => e.ConversationId == m.ConversationId && e.Name == ReportingEventNames.ConversationResolved),
                // How the customer felt when it was last resolved: not negative means they did not leave angry.
                Ending = events.Where(e => e.ConversationId == m.ConversationId && e.Name == ReportingEventNames.SentimentAtResolution)
                .OrderByDescending(e => e.EndedAt).Select(e => e.Value).FirstOrDefault(),
            }).ToListAsync(ct);
        foreach (var group in flagged.Where(f => f.Complaint).GroupBy(f => f.ConversationId))
        {
            var p = For(group.First().ChannelId);
            p.Complaints++;
            p.ComplaintsResolved += group.First().Resolved ? 1 : 0;
        }
        foreach (var group in flagged.Where(f => f.Churn).GroupBy(f => f.AuthorContactId ?? f.ConversationId))
        {
            var p = For(group.First().ChannelId);
            p.Threatened++;
            p.Stayed += group.Any(f => f.Resolved && f.Ending >= 0) ? 1 : 0;
        }

        // Clicks as the redirect stored them: robots and repeated clicks are counters on the link, never rows. Read link by
        // link over the (LinkId, At) index, which holds all the query needs: the link's workspace scopes its clicks.
        var clicks = rolled.Where(r => r.Figure == OutcomeDay.Click).Select(r => (Key: r.LinkId, Count: (int)r.Count)).ToList();
        foreach (var (lo, hi) in live)
        {
            clicks.AddRange((await db.Set<Links.TrackedLink>().IgnoreQueryFilters().AsNoTracking().Where(l => l.WorkspaceId == workspaceId)
                .Join(db.Set<Links.LinkClick>().IgnoreQueryFilters().Where(c => c.At >= lo && c.At < hi), l => l.Id, c => c.LinkId, (l, c) => c.LinkId)
                .GroupBy(id => id).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct)).Select(r => (r.Key, r.Count)));
        }
        // A click counts for a link of this workspace only (a link removed takes its clicks with it).
        foreach (var row in clicks.Where(c => links.ContainsKey(c.Key)))
        {
            var link = links.GetValueOrDefault(row.Key);
            For(link?.ChannelId).Clicks += row.Count;
            Campaign(link?.Campaign).Clicks += row.Count;
        }
        // Conversions as attributed when they arrived; revenue per currency.
        var conversions = await db.Set<Conversions.Conversion>().IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.WorkspaceId == workspaceId && c.OccurredAt >= from && c.OccurredAt < to)
            .GroupBy(c => new { c.ChannelId, c.Campaign, c.Currency })
            .Select(g => new { g.Key.ChannelId, g.Key.Campaign, g.Key.Currency, Count = g.Count(), Sum = g.Sum(c => c.Value) }).ToListAsync(ct);
        foreach (var row in conversions)
        {
            var p = For(row.ChannelId);
            p.Conversions += row.Count;
            p.Revenue[row.Currency] = p.Revenue.GetValueOrDefault(row.Currency) + row.Sum;
            var c = Campaign(row.Campaign);
            c.Conversions += row.Count;
            c.Revenue[row.Currency] = c.Revenue.GetValueOrDefault(row.Currency) + row.Sum;
        }

        // Satisfaction, as the care report counts it: by the conversation's creation.
        var started = events.AsNoTracking().Where(e => e.WorkspaceId == workspaceId && e.StartedAt >= from && e.StartedAt < to);
        foreach (var row in await started.Where(e => e.Name == ReportingEventNames.SurveyCsat || e.Name == ReportingEventNames.SurveyEffort)
            .GroupBy(e => new { e.ChannelId, e.Name }).Select(g => new { g.Key.ChannelId, g.Key.Name, Count = g.Count(), Sum = g.Sum(e => e.Value ?? 0) }).ToListAsync(ct))
        {
            var p = For(row.ChannelId);
            if (row.Name == ReportingEventNames.SurveyCsat)
            {
                (p.CsatCount, p.CsatSum) = (p.CsatCount + row.Count, p.CsatSum + row.Sum);
            }
            else
            {
                (p.EffortCount, p.EffortSum) = (p.EffortCount + row.Count, p.EffortSum + row.Sum);
            }
        }
        foreach (var row in await started.Where(e => e.Name == ReportingEventNames.SentimentAtOpening && e.Value < 0).GroupBy(e => e.ChannelId).Select(g => new
        {
            g.Key,
            Count = g.Count(),
            Recovered = g.Count(e => events.Any(f => f.ConversationId == e.ConversationId && f.Name == ReportingEventNames.SentimentAtResolution && f.Value >= 0)),
        }).ToListAsync(ct))
        {
            var p = For(row.Key);
            (p.NegativeOpenings, p.Recovered) = (p.NegativeOpenings + row.Count, p.Recovered + row.Recovered);
        }
        // NPS and recommendations count when they were heard.
        var heard = events.AsNoTracking().Where(e => e.WorkspaceId == workspaceId && e.EndedAt >= from && e.EndedAt < to);
        foreach (var row in await heard.Where(e => e.Name == ReportingEventNames.SurveyRecommend).GroupBy(e => e.ChannelId).Select(g => new
        {
            g.Key,
            Promoters = g.Count(e => e.Value >= 9),
            Passives = g.Count(e => e.Value >= 7 && e.Value < 9),
            Detractors = g.Count(e => e.Value < 7),
        }).ToListAsync(ct))
        {
            var p = For(row.Key);
            (p.Promoters, p.Passives, p.Detractors) = (p.Promoters + row.Promoters, p.Passives + row.Passives, p.Detractors + row.Detractors);
        }
        // Recommendations as the understanding engine read them, stored beside each message and mention (decision 0069).
        // Customers' messages from the roll-ups and the partial days; mentions about the brand from the rows.
        foreach (var row in stanceRows)
        {
            var p = For(row.ChannelId);
            p.Recommends += HeardRecommendations.Recommends(row.Stance) ? row.Count : 0;
            p.AdvisesAgainst += HeardRecommendations.AdvisesAgainst(row.Stance) ? row.Count : 0;
        }
        foreach (var (channelId, heardThere) in await HeardRecommendations.ByChannelAsync(db, workspaceId, from, to, includeMessages: false, ct))
        {
            var p = For(channelId);
            (p.Recommends, p.AdvisesAgainst) = (p.Recommends + heardThere.Recommends, p.AdvisesAgainst + heardThere.AdvisesAgainst);
        }

        var rows = byChannel.Values.Select(p => p.ToFigures(p.Key.Length == 0 ? "" : channelNames.GetValueOrDefault(p.Key, p.Key)))
            .OrderBy(f => f.Key.Length == 0).ThenBy(f => f.Label, StringComparer.CurrentCulture).ToList();
        var total = byChannel.Values.Aggregate(new Partial("total"), (a, b) => a.Add(b)).ToFigures("Total");
        var campaigns = byCampaign.Values.Select(c => c.ToOutcome()).OrderBy(c => c.Campaign.Length == 0).ThenBy(c => c.Campaign, StringComparer.CurrentCulture).ToList();
        return new OutcomeSlice(from, to, total, rows, campaigns);
    }

    private static List<Money> Amounts(Dictionary<string, decimal> revenue) =>
        [.. revenue.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new Money(r.Key, r.Value))];

    /// <summary>Additive figures of one channel; the total adds up every channel.</summary>
    private sealed class Partial(string key)
    {
        public string Key { get; } = key;
        public int Posts { get; set; }
        public int Replies { get; set; }
        public int Positive { get; set; }
        public int Neutral { get; set; }
        public int Negative { get; set; }
        public int Clicks { get; set; }
        public int Conversions { get; set; }
        public Dictionary<string, decimal> Revenue { get; } = new(StringComparer.Ordinal);
        public int CsatCount { get; set; }
        public double CsatSum { get; set; }
        public int EffortCount { get; set; }
        public double EffortSum { get; set; }
        public int Promoters { get; set; }
        public int Passives { get; set; }
        public int Detractors { get; set; }
        public int Recommends { get; set; }
        public int AdvisesAgainst { get; set; }
        public int NegativeOpenings { get; set; }
        public int Recovered { get; set; }
        public int Complaints { get; set; }
        public int ComplaintsResolved { get; set; }
        public int Threatened { get; set; }
        public int Stayed { get; set; }
        public long? Reach { get; set; }
        public long? Engagement { get; set; }
        public long? Likes { get; set; }

        public void Measure(PostOutTakes post) =>
            (Reach, Engagement, Likes) = (Plus(Reach, post.Reach), Plus(Engagement, post.Engagement), Plus(Likes, post.Likes));

        public Partial Add(Partial o)
        {
            (Reach, Engagement, Likes) = (Plus(Reach, o.Reach), Plus(Engagement, o.Engagement), Plus(Likes, o.Likes));
            (Posts, Replies, Positive, Neutral, Negative) = (Posts + o.Posts, Replies + o.Replies, Positive + o.Positive, Neutral + o.Neutral, Negative + o.Negative);
            (Clicks, Conversions) = (Clicks + o.Clicks, Conversions + o.Conversions);
            foreach (var (currency, amount) in o.Revenue)
            {
                Revenue[currency] = Revenue.GetValueOrDefault(currency) + amount;
            }
            (CsatCount, CsatSum, EffortCount, EffortSum) = (CsatCount + o.CsatCount, CsatSum + o.CsatSum, EffortCount + o.EffortCount, EffortSum + o.EffortSum);
            (Promoters, Passives, Detractors) = (Promoters + o.Promoters, Passives + o.Passives, Detractors + o.Detractors);
            (Recommends, AdvisesAgainst) = (Recommends + o.Recommends, AdvisesAgainst + o.AdvisesAgainst);
            (NegativeOpenings, Recovered) = (NegativeOpenings + o.NegativeOpenings, Recovered + o.Recovered);
            (Complaints, ComplaintsResolved, Threatened, Stayed) = (Complaints + o.Complaints, ComplaintsResolved + o.ComplaintsResolved, Threatened + o.Threatened, Stayed + o.Stayed);
            return this;
        }

        public OutcomeFigures ToFigures(string label)
        {
            var answers = Promoters + Passives + Detractors;
            // NPS: the share of promoters (9–10) minus the share of detractors (0–6), in points from -100 to 100.
            double? nps = answers == 0 ? null : Math.Round(100.0 * (Promoters - Detractors) / answers, 1);
            return new(Key, label, Posts, Replies, Reach, Engagement, Positive, Neutral, Negative, Clicks, Conversions,
                CsatCount == 0 ? null : CsatSum / CsatCount, CsatCount, EffortCount == 0 ? null : EffortSum / EffortCount, EffortCount,
                nps, Promoters, Passives, Detractors, Recommends, AdvisesAgainst, NegativeOpenings, Recovered, Complaints, ComplaintsResolved,
                Amounts(Revenue), Threatened, Stayed, Likes);
        }
    }

    private sealed class CampaignPartial(string campaign)
    {
        public string Campaign { get; } = campaign;
        public int Posts { get; set; }
        public int Replies { get; set; }
        public int Clicks { get; set; }
        public int Conversions { get; set; }
        public Dictionary<string, decimal> Revenue { get; } = new(StringComparer.Ordinal);
        public long? Reach { get; set; }
        public long? Engagement { get; set; }

        public void Measure(PostOutTakes post) => (Reach, Engagement) = (Plus(Reach, post.Reach), Plus(Engagement, post.Engagement));

        public CampaignOutcome ToOutcome() => new(Campaign, Posts, Replies, Clicks, Conversions, Amounts(Revenue), Reach, Engagement);
    }
}
