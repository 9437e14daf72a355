using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Api;
using Rapport.Channels;
using Rapport.Data;

namespace Rapport.Conversations.Inbox;

public enum InboxView
{
    /// <summary>Everything still to do in the workspace, noise aside.</summary>
    All,
    Mine,
    Unassigned,
    MyTeams,
    /// <summary>What the understanding engine thinks needs an answer and has none yet.</summary>
    NeedsAnswer,
    /// <summary>Set aside as noise (spam, bait): hidden from every other view, never deleted.</summary>
    Noise,
}

/// <summary>
/// What the inbox shows. Without a status it lists what is still to do (open and pending); a status, custom status
/// or the noise view also shows resolved and snoozed conversations.
/// </summary>
public sealed record InboxFilter
{
    public InboxView View { get; init; }
    public Guid? ChannelId { get; init; }
    public ConversationStatus? Status { get; init; }
    public Guid? CustomStatusId { get; init; }
    public Guid? LabelId { get; init; }
    public string? Language { get; init; }
    public string? Intent { get; init; }
    public SentimentLabel? Sentiment { get; init; }
    public Guid? AssigneeId { get; init; }
    /// <summary>Last activity on or after this time.</summary>
    public DateTime? From { get; init; }
    /// <summary>Last activity before this time.</summary>
    public DateTime? To { get; init; }
    /// <summary>Words to find in the messages (French and English stemming, accents ignored).</summary>
    public string? Search { get; init; }
}

/// <summary>One row of the inbox: enough to decide what to open, nothing rendered as HTML.</summary>
public sealed record InboxItemDto(
    Guid Id, string ContactName, Guid ChannelId, string ChannelName, ChannelKind ChannelKind, string? Subject, string Snippet,
    string? Language, string? Intent, double? Sentiment, double NeedsAnswer, int Urgency, ConversationStatus Status, Guid? CustomStatusId,
    string? CustomStatusName, Priority Priority, Guid? AssigneeId, string? AssigneeName, Guid? TeamId, bool IsNoise, int InboxRank,
    DateTime? ResponseDueAt, DateTime LastMessageAt, int Version);

public sealed record InboxCounts(int All, int Mine, int Unassigned, int MyTeams, int NeedsAnswer, int Noise)
{
    public int For(InboxView view) => view switch
    {
        InboxView.Mine => Mine,
        InboxView.Unassigned => Unassigned,
        InboxView.MyTeams => MyTeams,
        InboxView.NeedsAnswer => NeedsAnswer,
        InboxView.Noise => Noise,
        _ => All,
    };
}

/// <summary>The inbox's queries, for the API and the page alike: in <see cref="InboxRank"/> order, keyset-paged.</summary>
public static class InboxQuery
{
    /// <summary>The needs-an-answer probability from which a conversation is in the "needs an answer" view.</summary>
    public const double NeedsAnswerThreshold = 0.5;

    /// <summary>The sentiment score bounds of the understanding engine's labels (TextAnalyzer).</summary>
    private const double SentimentBound = 0.2;

    public const int SnippetLength = 160;

    /// <summary>Checks what a person typed; null when the filter can run.</summary>
    public static (string Field, string Message)? Validate(InboxFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!Enum.IsDefined(filter.View))
        {
            return ("view", "The view is All, Mine, Unassigned, MyTeams, NeedsAnswer or Noise.");
        }
        if (filter.Search is { Length: > FullTextSearch.MaxQueryLength })
        {
            return ("q", $"A search has at most {FullTextSearch.MaxQueryLength} characters.");
        }
        if (filter.From is { } from && filter.To is { } to && from >= to)
        {
            return ("to", "The end of the date range must come after its start.");
        }
        if (filter.Language is { Length: > 16 } || filter.Intent is { Length: > 32 })
        {
            return (filter.Language is { Length: > 16 } ? "language" : "intent", "Unknown value.");
        }
        return null;
    }

    public static async Task<Page<InboxItemDto>> ListAsync(
        RapportDbContext db, Guid workspaceId, Guid userId, InboxFilter filter, (int Rank, DateTime DueAt, Guid Id)? after, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var teams = filter.View == InboxView.MyTeams ? await TeamsAsync(db, userId, ct) : [];
        var query = View(Filtered(db, workspaceId, filter), filter.View, userId, teams);
        if (after is var (rank, dueAt, id))
        {
            query = query.Where(c => c.InboxRank < rank
                || (c.InboxRank == rank && (c.InboxDueAt > dueAt || (c.InboxDueAt == dueAt && c.Id.CompareTo(id) > 0))));
        }
        var rows = await query
            .OrderByDescending(c => c.InboxRank).ThenBy(c => c.InboxDueAt).ThenBy(c => c.Id)
            .Take(limit + 1)
            .Select(c => new
            {
                c.Id,
                Contact = c.Contact!.DisplayName,
                c.ChannelId,
                Channel = db.Channels.Where(ch => ch.Id == c.ChannelId).Select(ch => new { ch.Name, ch.Kind }).FirstOrDefault(),
                c.Subject,
                Snippet = db.Messages.Where(m => m.ConversationId == c.Id && m.Direction == MessageDirection.Inbound)
                    .OrderByDescending(m => m.CreatedAt).Select(m => m.Text.Substring(0, SnippetLength)).FirstOrDefault(),
                c.Language,
                c.Intent,
                c.Sentiment,
                c.NeedsAnswer,
                c.Urgency,
                c.Status,
                c.CustomStatusId,
                CustomStatus = db.CustomStatuses.Where(s => s.Id == c.CustomStatusId).Select(s => s.Name).FirstOrDefault(),
                c.Priority,
                c.AssigneeId,
                Assignee = db.Users.Where(u => u.Id == c.AssigneeId).Select(u => u.DisplayName).FirstOrDefault(),
                c.TeamId,
                c.IsNoise,
                c.InboxRank,
                c.InboxDueAt,
                c.FirstResponseDueAt,
                c.FirstResponseAt,
                c.NextResponseDueAt,
                c.LastMessageAt,
                c.Version,
            })
            .AsNoTracking()
            .ToListAsync(ct);
        var items = rows.Take(limit).Select(r => new InboxItemDto(
            r.Id, r.Contact, r.ChannelId, r.Channel?.Name ?? "", r.Channel?.Kind ?? ChannelKind.Api, r.Subject, r.Snippet ?? "", r.Language, r.Intent,
            r.Sentiment, r.NeedsAnswer, r.Urgency, r.Status, r.CustomStatusId, r.CustomStatus, r.Priority, r.AssigneeId, r.Assignee, r.TeamId,
            r.IsNoise, r.InboxRank, SlaDueAt(r.FirstResponseDueAt, r.FirstResponseAt, r.NextResponseDueAt), r.LastMessageAt, r.Version)).ToList();
        var last = rows.Count > limit ? rows[limit - 1] : null;
        return new Page<InboxItemDto>(items, last is null ? null : Cursor.Encode(last.InboxRank, last.InboxDueAt, last.Id));
    }

    /// <summary>How many conversations each view holds under the same filters and search.</summary>
    public static async Task<InboxCounts> CountsAsync(RapportDbContext db, Guid workspaceId, Guid userId, InboxFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var teams = await TeamsAsync(db, userId, ct);
        var counts = new Dictionary<InboxView, int>();
        foreach (var view in Enum.GetValues<InboxView>())
        {
            counts[view] = await View(Filtered(db, workspaceId, filter with { View = view }), view, userId, teams).CountAsync(ct);
        }
        return new InboxCounts(counts[InboxView.All], counts[InboxView.Mine], counts[InboxView.Unassigned], counts[InboxView.MyTeams],
            counts[InboxView.NeedsAnswer], counts[InboxView.Noise]);
    }

    /// <summary>The label of a conversation's sentiment score, with the understanding engine's bounds.</summary>
    public static SentimentLabel SentimentOf(double? score) =>
        score <= -SentimentBound ? SentimentLabel.Negative : score >= SentimentBound ? SentimentLabel.Positive : SentimentLabel.Neutral;

    /// <summary>The SLA time an answer is due by, when the conversation has one still open.</summary>
    public static DateTime? SlaDueAt(DateTime? firstResponseDueAt, DateTime? firstResponseAt, DateTime? nextResponseDueAt)
    {
        var first = firstResponseAt is null ? firstResponseDueAt : null;
        return first is { } f && (nextResponseDueAt is null || f < nextResponseDueAt) ? f : nextResponseDueAt;
    }

    private static Task<List<Guid>> TeamsAsync(RapportDbContext db, Guid userId, CancellationToken ct) =>
        db.Teams.Where(t => t.Members.Any(m => m.UserId == userId)).Select(t => t.Id).ToListAsync(ct);

    private static IQueryable<Conversation> View(IQueryable<Conversation> query, InboxView view, Guid userId, List<Guid> teams) => view switch
    {
        InboxView.Mine => query.Where(c => c.AssigneeId == userId),
        InboxView.Unassigned => query.Where(c => c.AssigneeId == null),
        InboxView.MyTeams => query.Where(c => c.TeamId != null && teams.Contains(c.TeamId.Value)),
        InboxView.NeedsAnswer => query.Where(c => c.NeedsAnswer >= NeedsAnswerThreshold),
        _ => query,
    };

    private static IQueryable<Conversation> Filtered(RapportDbContext db, Guid workspaceId, InboxFilter filter)
    {
        var noise = filter.View == InboxView.Noise;
        var query = db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.IsNoise == noise);
        if (filter.CustomStatusId is { } custom)
        {
            query = query.Where(c => c.CustomStatusId == custom);
        }
        else if (filter.Status is { } status)
        {
            query = query.Where(c => c.Status == status);
        }
        else if (!noise)
        {
            query = query.Where(c => c.InboxRank > InboxRank.Done);
        }
        if (filter.ChannelId is { } channel)
        {
            query = query.Where(c => c.ChannelId == channel);
        }
        if (filter.LabelId is { } label)
        {
            query = query.Where(c => c.Labels.Any(l => l.LabelId == label));
        }
        if (!string.IsNullOrWhiteSpace(filter.Language))
        {
            query = query.Where(c => c.Language == filter.Language);
        }
        if (!string.IsNullOrWhiteSpace(filter.Intent))
        {
            query = query.Where(c => c.Intent == filter.Intent);
        }
        query = filter.Sentiment switch
        {
            SentimentLabel.Negative => query.Where(c => c.Sentiment <= -SentimentBound),
            SentimentLabel.Positive => query.Where(c => c.Sentiment >= SentimentBound),
            SentimentLabel.Neutral => query.Where(c => c.Sentiment == null || (c.Sentiment > -SentimentBound && c.Sentiment < SentimentBound)),
            _ => query,
        };
        if (filter.AssigneeId is { } assignee)
        {
            query = query.Where(c => c.AssigneeId == assignee);
        }
        if (filter.From is { } from)
        {
            var start = Ingest.IngestService.AsUtc(from);
            query = query.Where(c => c.LastMessageAt >= start);
        }
        if (filter.To is { } to)
        {
            var end = Ingest.IngestService.AsUtc(to);
            query = query.Where(c => c.LastMessageAt < end);
        }
        if (filter.Search is { } search && FullTextSearch.Conversations(db, workspaceId, search) is { } matching)
        {
            query = query.Where(c => matching.Contains(c.Id));
        }
        return query;
    }
}
