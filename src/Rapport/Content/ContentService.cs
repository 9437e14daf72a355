using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Rapport.Analysis.Review;
using Rapport.Channels;
using Rapport.Data;
using Rapport.KnowledgeBase;
using Rapport.Notifications;
using Rapport.Outbox;
using Rapport.Resources;
using Rapport.Workspaces;

namespace Rapport.Content;

public sealed record IdeaRequest(
    [property: MaxLength(Idea.MaxTitleLength)] string? Title, [property: MaxLength(Idea.MaxNotesLength)] string? Notes, IdeaStatus? Status = null);

/// <summary>Makes an idea of a group of unanswered questions, found again by its question (so its evidence is Rapport's own).</summary>
public sealed record IdeaFromQuestionRequest([property: MaxLength(2000)] string? Question);

/// <summary>
/// One real message behind an idea and where to read it: a customer's message (its conversation), or for an idea from
/// listening a mention (<see cref="ConversationId"/> empty, <see cref="Url"/> the mentions page).
/// </summary>
public sealed record EvidenceDto(Guid MessageId, Guid ConversationId, string? Url = null);

/// <summary>
/// An idea waiting in what listening heard: a theme raised with no commitment yet (<see cref="IdeaSource.Expectation"/>,
/// key: the theme's id) or a commitment due for an update (<see cref="IdeaSource.Commitment"/>, key: its id), with how
/// many mentions over the last 30 days and the latest of them.
/// </summary>
public sealed record ListeningIdeaDto(IdeaSource Source, string Key, string Title, string Reason, int Count, IReadOnlyList<EvidenceDto> Evidence);

/// <summary>Makes an idea of a listening suggestion, found again by its source and key (so its evidence is Rapport's own).</summary>
public sealed record IdeaFromListeningRequest(IdeaSource? Source, [property: MaxLength(64)] string? Key);

public sealed record IdeaDto(Guid Id, string Title, string Notes, IdeaSource Source, IdeaStatus Status, int EvidenceCount,
    IReadOnlyList<EvidenceDto> Evidence, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record VariantRequest(Guid ChannelId, [property: MaxLength(DraftVariant.MaxTextLength)] string? Text,
    [property: MaxLength(8)] string? Language = null, int MediaCount = 0, int MediaWithoutAltText = 0);

/// <summary>A draft's words. <c>version</c>, when given, must be the one the writer read: a change made meanwhile is not overwritten.</summary>
public sealed record DraftRequest([property: MaxLength(Draft.MaxTitleLength)] string? Title, Guid? IdeaId, IReadOnlyList<VariantRequest>? Variants, int? Version = null,
    [property: MaxLength(Links.TrackedLink.MaxTagLength)] string? Campaign = null);

/// <summary>When to publish, as a local time in the workspace's time zone.</summary>
public sealed record ScheduleRequest(DateTime LocalTime, int? Version = null);

public sealed record WorkflowRequest(int? Version = null);

public sealed record CommentRequest([property: MaxLength(DraftEvent.MaxTextLength)] string? Text);

public sealed record VariantDto(Guid Id, Guid ChannelId, string ChannelName, PostNetwork Network, string Text, string? Language, int MediaCount,
    int MediaWithoutAltText, Guid? OutboxItemId, string? ExternalId, string? PublishedUrl, string? Error, Guid? TrackedLinkId = null);

public sealed record DraftDto(Guid Id, Guid? IdeaId, string Title, Guid? AuthorUserId, string AuthorName, DraftStatus Status, DateTime? ScheduledAt,
    string? FailureReason, int UsefulnessScore, int Version, DateTime CreatedAt, DateTime UpdatedAt, DateTime? PublishedAt, IReadOnlyList<VariantDto> Variants,
    string? Campaign = null);

public sealed record DraftEventDto(Guid Id, Guid? UserId, string ActorName, DraftEventKind Kind, string? Text, DateTime At);

/// <summary>One finding worded in the reader's language, with its place in the text.</summary>
public sealed record FindingDto(DraftFindingKind Kind, int Line, int Start, int Length, string Text, string Explanation, int Points);

public sealed record ReviewDto(int Score, int Length, int? Limit, PostNetwork Network, IReadOnlyList<FindingDto> Findings);

public sealed record VariantReviewDto(Guid ChannelId, ReviewDto Review);

public sealed record DraftDetailsDto(DraftDto Draft, IReadOnlyList<DraftEventDto> History, IReadOnlyList<VariantReviewDto> Reviews, IdeaDto? Idea,
    IReadOnlyList<Links.LinkDto>? Links = null);

/// <summary>
/// A tracked link for a draft: the page it sends readers to, and the campaign it counts for (the draft's when not given).
/// <c>version</c>, when given, must be the one the writer read.
/// </summary>
public sealed record DraftLinkRequest([property: MaxLength(Links.TrackedLink.MaxUrlLength)] string? TargetUrl,
    [property: MaxLength(Links.TrackedLink.MaxTagLength)] string? Campaign = null, int? Version = null);

/// <summary>Any text to review, for teams that write elsewhere: the network it goes to and the day it goes out are optional.</summary>
public sealed record ReviewRequest([property: MaxLength(DraftVariant.MaxTextLength)] string? Text, PostNetwork? Network = null, DateOnly? PublishOn = null,
    int MediaCount = 0, int MediaWithoutAltText = 0, Guid? IdeaId = null);

public sealed record ContentSettingsDto(ApprovalRule ApprovalRule, [property: MaxLength(ContentSettings.MaxWordsToAvoidLength)] string? WordsToAvoid);

/// <summary>The brand's published post a conversation's replies answer: the post (outbox item), its network id and link, and its draft.</summary>
public sealed record RepliedPost(Guid PostId, string ExternalId, string? Url, Guid? DraftId, string? DraftTitle);

/// <summary>A calendar's day: the drafts it holds (scheduled or published that day, local time) and the world days it falls on.</summary>
public sealed record CalendarDayDto(DateOnly Day, IReadOnlyList<DraftDto> Drafts, IReadOnlyList<string> WorldDays);

/// <summary>
/// The one front door to the content studio, for its pages and its API alike: ideas (from members and from the questions
/// customers ask), drafts with a variant per publishing channel, their review, the approval workflow with its history
/// and notifications, scheduling in the workspace's time zone, and publishing through the outbox exactly once.
/// </summary>
public sealed class ContentService(
    Notifier notifier, UnansweredQuestions questions, OutboxService outbox, OutboxSignal signal, PastPosts pastPosts,
    IStringLocalizer<Strings> strings, Links.LinkService links, Commitments.Expectations expectations, Commitments.CommitmentService commitments,
    TimeProvider clock)
{
    public const int MaxVariants = 10;


    // ---------- Ideas ----------

    public async Task<List<IdeaDto>> IdeasAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var ideas = await db.Set<Idea>().AsNoTracking().OrderBy(i => i.Status).ThenByDescending(i => i.EvidenceCount).ThenByDescending(i => i.CreatedAt)
            .Take(500).ToListAsync(ct);
        var ids = ideas.SelectMany(i => i.EvidenceIds).Distinct().ToList();
        var conversations = await db.Messages.Where(m => ids.Contains(m.Id)).Select(m => new { m.Id, m.ConversationId }).ToDictionaryAsync(m => m.Id, m => m.ConversationId, ct);
        return [.. ideas.Select(i => ToDto(i, conversations))];
    }

    public async Task<IdeaDto?> IdeaAsync(RapportDbContext db, Guid ideaId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var idea = await db.Set<Idea>().AsNoTracking().FirstOrDefaultAsync(i => i.Id == ideaId, ct);
        if (idea is null)
        {
            return null;
        }
        var ids = idea.EvidenceIds.ToList();
        var conversations = await db.Messages.Where(m => ids.Contains(m.Id)).Select(m => new { m.Id, m.ConversationId }).ToDictionaryAsync(m => m.Id, m => m.ConversationId, ct);
        return ToDto(idea, conversations);
    }

    /// <summary>The questions customers keep asking that nothing answers yet: ideas waiting to be taken.</summary>
    public async Task<List<UnansweredQuestionGroup>> SuggestionsAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var taken = (await db.Set<Idea>().Where(i => i.Source == IdeaSource.QuestionGroup).Select(i => i.Title).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        return [.. (await questions.FindAsync(db, 20, ct)).Where(g => !taken.Contains(Trim(g.Question, Idea.MaxTitleLength)))];
    }

    public async Task<Change<Idea>> CreateIdeaAsync(RapportDbContext db, WorkspaceMember actor, IdeaRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var title = (request.Title ?? "").Trim();
        if (title.Length == 0 || title.Length > Idea.MaxTitleLength)
        {
            return new(null, Rule("title", "Content.Error.TitleRequired"));
        }
        var now = Now;
        var idea = new Idea
        {
            WorkspaceId = actor.WorkspaceId,
            Title = title,
            Notes = Trim(request.Notes ?? "", Idea.MaxNotesLength),
            Source = IdeaSource.Member,
            Status = request.Status ?? IdeaStatus.New,
            CreatedByUserId = actor.UserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(idea);
        await db.SaveChangesAsync(ct);
        return new(idea, null);
    }

    /// <summary>An idea from a group of unanswered questions: the group is found again here, so its messages and count are real.</summary>
    public async Task<Change<Idea>> CreateIdeaFromQuestionAsync(RapportDbContext db, WorkspaceMember actor, string? question, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var group = (await questions.FindAsync(db, 50, ct)).FirstOrDefault(g => g.Question == question);
        if (group is null)
        {
            return new(null, Rule("question", "Content.Error.NoSuchQuestion"));
        }
        var now = Now;
        var idea = new Idea
        {
            WorkspaceId = actor.WorkspaceId,
            Title = Trim(group.Question, Idea.MaxTitleLength),
            Notes = string.Join("\n", group.Examples.Select(e => Trim(e.Text, 300))),
            Source = IdeaSource.QuestionGroup,
            EvidenceMessageIds = string.Join(",", group.Examples.Take(Idea.MaxEvidence).Select(e => e.MessageId)),
            EvidenceCount = group.Count,
            Status = IdeaStatus.New,
            CreatedByUserId = actor.UserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(idea);
        await db.SaveChangesAsync(ct);
        return new(idea, null);
    }

    /// <summary>A commitment with no update for this long is due for one.</summary>
    public const int CommitmentUpdateDays = 30;

    /// <summary>
    /// What listening heard that no idea takes yet: the themes people raised over the last 30 days with no commitment of
    /// the brand on them, and the open commitments due for an update (overdue, off track, or no update for
    /// <see cref="CommitmentUpdateDays"/> days), each with its mentions' count and the latest of them. Worded in the reader's language.
    /// </summary>
    public async Task<List<ListeningIdeaDto>> ListeningSuggestionsAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var taken = (await db.Set<Idea>().Where(i => i.Source == IdeaSource.Expectation || i.Source == IdeaSource.Commitment)
            .Select(i => new { i.Source, i.SourceKey }).ToListAsync(ct)).Select(i => (i.Source, i.SourceKey)).ToHashSet();
        var today = await expectations.TodayAsync(db, workspaceId, ct);
        var period = Listening.DashboardPeriod.Of(null, null, null, today)!;
        var found = new List<ListeningIdeaDto>();
        if (await expectations.ReadAsync(db, workspaceId, null, period, ct) is { } heard)
        {
            foreach (var theme in heard.Themes.Where(t => t.HeardWithoutCommitment && !taken.Contains((IdeaSource.Expectation, t.Id))))
            {
                var name = theme.BuiltIn ? strings[$"Theme.{theme.Id}"].Value : theme.Name;
                found.Add(new ListeningIdeaDto(IdeaSource.Expectation, theme.Id, Trim(strings["Content.Idea.Expectation", name].Value, Idea.MaxTitleLength),
                    strings["Content.Idea.ExpectationReason"].Value, theme.Counts.Mentions,
                    [.. theme.Quotes.Select(q => MentionEvidence(q.MentionId))]));
            }
        }
        var french = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "fr";
        var since = Now.AddDays(-30);
        foreach (var c in await commitments.ListAsync(db, workspaceId, ct))
        {
            if (c.Status is not (Commitments.CommitmentStatus.Planned or Commitments.CommitmentStatus.InProgress) || taken.Contains((IdeaSource.Commitment, c.Id.ToString("D"))))
            {
                continue;
            }
            var lastUpdate = c.Updates.Count == 0 ? c.StartedOn : c.Updates.Max(u => u.On);
            var reason = c.Overdue ? "Content.Idea.CommitmentOverdue"
                : c.OffTrack ? "Content.Idea.CommitmentOffTrack"
                : today.DayNumber - lastUpdate.DayNumber >= CommitmentUpdateDays ? "Content.Idea.CommitmentNoUpdate"
                : null;
            if (reason is null)
            {
                continue;
            }
            var title = (french ? c.TitleFr : c.TitleEn) is { Length: > 0 } t ? t : c.TitleFr.Length > 0 ? c.TitleFr : c.TitleEn;
            var quotes = await Commitments.Expectations.Raising(db, workspaceId, c.Theme, Commitments.Expectations.FoldWords(c.Words))
                .Where(m => m.CreatedAt >= since)
                .OrderByDescending(m => m.CreatedAt).Take(Commitments.Expectations.QuotesPerTheme).Select(m => m.Id).ToListAsync(ct);
            found.Add(new ListeningIdeaDto(IdeaSource.Commitment, c.Id.ToString("D"), Trim(strings["Content.Idea.Commitment", title].Value, Idea.MaxTitleLength),
                strings[reason, CommitmentUpdateDays].Value, c.Heard.Last30Days.Mentions, [.. quotes.Select(MentionEvidence)]));
        }
        return [.. found.OrderByDescending(f => f.Count)];
    }

    private static EvidenceDto MentionEvidence(Guid mentionId) => new(mentionId, Guid.Empty, "/listening/mentions?mention=" + mentionId.ToString("D"));

    /// <summary>Makes an idea of a listening suggestion; it keeps the mentions behind it and their count.</summary>
    public async Task<Change<Idea>> CreateIdeaFromListeningAsync(RapportDbContext db, WorkspaceMember actor, IdeaFromListeningRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var suggestion = (await ListeningSuggestionsAsync(db, actor.WorkspaceId, ct)).FirstOrDefault(s => s.Source == request.Source && s.Key == request.Key);
        if (suggestion is null)
        {
            return new(null, Rule("key", "Content.Error.NoSuchListeningIdea"));
        }
        var now = Now;
        var idea = new Idea
        {
            WorkspaceId = actor.WorkspaceId,
            Title = suggestion.Title,
            Notes = Trim(suggestion.Reason, Idea.MaxNotesLength),
            Source = suggestion.Source,
            SourceKey = suggestion.Key,
            EvidenceMessageIds = string.Join(",", suggestion.Evidence.Take(Idea.MaxEvidence).Select(e => e.MessageId)),
            EvidenceCount = suggestion.Count,
            Status = IdeaStatus.New,
            CreatedByUserId = actor.UserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(idea);
        await db.SaveChangesAsync(ct);
        return new(idea, null);
    }

    public async Task<Change<Idea>> ChangeIdeaAsync(RapportDbContext db, Guid ideaId, IdeaRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        var idea = await db.Set<Idea>().FirstOrDefaultAsync(i => i.Id == ideaId, ct);
        if (idea is null)
        {
            return Change<Idea>.NotFound;
        }
        if (request.Title is not null)
        {
            var title = request.Title.Trim();
            if (title.Length == 0 || title.Length > Idea.MaxTitleLength)
            {
                return new(null, Rule("title", "Content.Error.TitleRequired"));
            }
            idea.Title = title;
        }
        if (request.Notes is not null)
        {
            idea.Notes = Trim(request.Notes, Idea.MaxNotesLength);
        }
        if (request.Status is { } status)
        {
            idea.Status = status;
        }
        idea.UpdatedAt = Now;
        await db.SaveChangesAsync(ct);
        return new(idea, null);
    }

    // ---------- Drafts ----------

    public async Task<List<DraftDto>> DraftsAsync(RapportDbContext db, DraftStatus? status = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var query = db.Set<Draft>().AsNoTracking().Include(d => d.Variants).AsQueryable();
        if (status is { } s)
        {
            query = query.Where(d => d.Status == s);
        }
        var drafts = await query.OrderByDescending(d => d.UpdatedAt).Take(500).ToListAsync(ct);
        var channels = await ChannelsAsync(db, ct);
        return [.. drafts.Select(d => ToDto(d, channels))];
    }

    public async Task<DraftDetailsDto?> DraftAsync(RapportDbContext db, Guid draftId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var draft = await db.Set<Draft>().AsNoTracking().Include(d => d.Variants).FirstOrDefaultAsync(d => d.Id == draftId, ct);
        if (draft is null)
        {
            return null;
        }
        var channels = await ChannelsAsync(db, ct);
        var history = await db.Set<DraftEvent>().AsNoTracking().Where(e => e.DraftId == draftId).OrderBy(e => e.At).ThenBy(e => e.Id)
            .Select(e => new DraftEventDto(e.Id, e.UserId, e.ActorName, e.Kind, e.Text, e.At)).ToListAsync(ct);
        var idea = draft.IdeaId is { } ideaId ? await IdeaAsync(db, ideaId, ct) : null;
        var reviews = new List<VariantReviewDto>();
        var context = await ReviewContextAsync(db, draft.WorkspaceId, ct);
        foreach (var v in draft.Variants)
        {
            reviews.Add(new VariantReviewDto(v.ChannelId, Word(Review(v, draft, channels, context, idea?.EvidenceCount ?? 0))));
        }
        var tracked = new List<Links.LinkDto>();
        foreach (var linkId in draft.Variants.Select(v => v.TrackedLinkId).OfType<Guid>())
        {
            if (await links.FindAsync(db, linkId, ct) is { } link)
            {
                tracked.Add(link);
            }
        }
        return new DraftDetailsDto(ToDto(draft, channels), history, reviews, idea, tracked);
    }

    public async Task<Change<Draft>> CreateDraftAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, DraftRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var now = Now;
        var draft = new Draft
        {
            WorkspaceId = actor.WorkspaceId,
            Title = "",
            AuthorUserId = actor.UserId,
            AuthorName = await NameAsync(db, actor, actorName, ct),
            Status = DraftStatus.Draft,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (await ApplyAsync(db, draft, request, ct) is { } violation)
        {
            return new(null, violation);
        }
        db.Add(draft);
        History(db, draft, actor, draft.AuthorName, DraftEventKind.Created);
        if (draft.IdeaId is { } ideaId && await db.Set<Idea>().FirstOrDefaultAsync(i => i.Id == ideaId, ct) is { Status: IdeaStatus.New or IdeaStatus.Planned } idea)
        {
            idea.Status = IdeaStatus.Drafted;
            idea.UpdatedAt = now;
        }
        await ScoreAsync(db, draft, ct);
        await db.SaveChangesAsync(ct);
        return new(draft, null);
    }

    /// <summary>Changes a draft's words. An approved or scheduled draft that changes goes back to review: approval was of other words.</summary>
    public async Task<Change<Draft>> EditDraftAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid draftId, DraftRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<Draft>.NotFound;
        }
        if (request.Version is { } version && version != draft.Version)
        {
            return new(null, Rule("version", "Content.Error.ChangedMeanwhile"));
        }
        if (draft.Status is DraftStatus.Publishing or DraftStatus.Published)
        {
            return new(null, Rule("status", "Content.Error.AlreadyPublished"));
        }
        var before = Fingerprint(draft);
        if (await ApplyAsync(db, draft, request, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (Fingerprint(draft) == before)
        {
            return new(draft, null);
        }
        var name = await NameAsync(db, actor, actorName, ct);
        History(db, draft, actor, name, DraftEventKind.Edited);
        await BackToReviewAsync(db, draft, actor, name, ct);
        draft.UpdatedAt = Now;
        draft.Version++;
        await ScoreAsync(db, draft, ct);
        return await SaveAsync(db, draft, ct);
    }

    /// <summary>A draft approved, scheduled or failed whose words changed goes back to review: approval was of other words.</summary>
    private async Task BackToReviewAsync(RapportDbContext db, Draft draft, WorkspaceMember actor, string name, CancellationToken ct)
    {
        if (draft.Status is DraftStatus.Approved or DraftStatus.Scheduled or DraftStatus.Failed)
        {
            draft.Status = DraftStatus.InReview;
            draft.ScheduledAt = null;
            draft.ApprovedByUserId = null;
            draft.FailureReason = null;
            History(db, draft, actor, name, DraftEventKind.BackToReview);
            await NotifyApproversAsync(db, draft, actor, "Stored.Content.Notice.BackToReview", ct);
        }
    }

    /// <summary>
    /// Gives each variant not yet published a tracked link (<c>/l/{code}</c>) to <see cref="DraftLinkRequest.TargetUrl"/>,
    /// tagged with the variant's network as UTM source, "social" as medium and the draft's campaign, and puts the short
    /// link in its text: in place of the variant's previous tracked link or of the target's address where the text has
    /// them, else at its end. The previous links go. Once published, the links count their clicks for the post. Changing
    /// the words of an approved draft sends it back to review, as any edit does.
    /// </summary>
    public async Task<Change<Draft>> AddTrackedLinkAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid draftId, DraftLinkRequest request,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<Draft>.NotFound;
        }
        if (request.Version is { } version && version != draft.Version)
        {
            return new(null, Rule("version", "Content.Error.ChangedMeanwhile"));
        }
        if (draft.Status is DraftStatus.Publishing or DraftStatus.Published)
        {
            return new(null, Rule("status", "Content.Error.AlreadyPublished"));
        }
        if (Links.LinkService.CheckTarget(request.TargetUrl) is not null)
        {
            return new(null, Rule("targetUrl", "Content.Error.LinkTarget"));
        }
        var campaign = request.Campaign is { } asked ? asked.Trim() : draft.Campaign;
        if (campaign is { Length: > Links.TrackedLink.MaxTagLength } || (campaign?.Any(char.IsControl) ?? false))
        {
            return new(null, Rule("campaign", "Content.Error.Campaign"));
        }
        campaign = string.IsNullOrEmpty(campaign) ? null : campaign;
        var variants = draft.Variants.Where(v => v.ExternalId is null && v.OutboxItemId is null).ToList();
        if (variants.Count == 0)
        {
            return new(null, Rule("variants", "Content.Error.NoVariantForLink"));
        }
        var target = request.TargetUrl!.Trim();
        var channels = await ChannelsAsync(db, ct);
        var name = await NameAsync(db, actor, actorName, ct);
        var linkActor = new Links.LinkActor(draft.WorkspaceId, actor.UserId, name);
        var oldIds = variants.Select(v => v.TrackedLinkId).OfType<Guid>().ToList();
        var oldCodes = await db.Set<Links.TrackedLink>().Where(l => oldIds.Contains(l.Id)).ToDictionaryAsync(l => l.Id, l => l.Code, ct);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var variant in variants)
        {
            var source = channels.TryGetValue(variant.ChannelId, out var channel)
                ? channel.Kind switch
                {
                    ChannelKind.Mastodon => "mastodon",
                    ChannelKind.Bluesky => "bluesky",
                    _ => Trim(channel.Name.Trim().ToLowerInvariant(), Links.TrackedLink.MaxTagLength),
                }
                : null;
            var (link, refused) = await links.CreateAsync(db, linkActor,
                new Links.CreateLinkRequest(target, source, "social", campaign, Campaign: campaign, ChannelId: variant.ChannelId), ct);
            if (link is null)
            {
                return new(null, refused!.Code == "Links.Rule.Target" ? Rule("targetUrl", "Content.Error.LinkTarget") : Rule("campaign", "Content.Error.Campaign"));
            }
            var text = variant.Text;
            var previous = variant.TrackedLinkId is { } old && oldCodes.TryGetValue(old, out var code) ? links.ShortUrl(code).AbsoluteUri : null;
            if (previous is not null && text.Contains(previous, StringComparison.Ordinal))
            {
                text = text.Replace(previous, link.ShortUrl, StringComparison.Ordinal);
            }
            else if (text.IndexOf(target, StringComparison.Ordinal) is var at and >= 0)
            {
                text = string.Concat(text.AsSpan(0, at), link.ShortUrl, text.AsSpan(at + target.Length));
            }
            else
            {
                text = text.TrimEnd() is { Length: > 0 } words ? words + "\n\n" + link.ShortUrl : link.ShortUrl;
            }
            if (text.Length > DraftVariant.MaxTextLength)
            {
                return new(null, Rule("variants", "Content.Error.TextTooLong"));
            }
            variant.Text = text;
            variant.TrackedLinkId = link.Id;
        }
        foreach (var old in oldIds)
        {
            await links.DeleteAsync(db, linkActor, old, ct);
        }
        draft.Campaign = campaign;
        History(db, draft, actor, name, DraftEventKind.LinkAdded, target);
        await BackToReviewAsync(db, draft, actor, name, ct);
        draft.UpdatedAt = Now;
        draft.Version++;
        await ScoreAsync(db, draft, ct);
        var saved = await SaveAsync(db, draft, ct);
        if (saved.Saved)
        {
            await transaction.CommitAsync(ct);
        }
        return saved;
    }

    public async Task<Change<Draft>> DeleteDraftAsync(RapportDbContext db, Guid draftId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<Draft>.NotFound;
        }
        if (draft.Status is DraftStatus.Publishing or DraftStatus.Published || draft.Variants.Any(v => v.OutboxItemId is not null))
        {
            return new(null, Rule("status", "Content.Error.AlreadyPublished"));
        }
        db.Remove(draft);
        await db.SaveChangesAsync(ct);
        return new(draft, null);
    }

    public async Task<Change<Draft>> SubmitAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid draftId, int? version = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<Draft>.NotFound;
        }
        if (version is { } v && v != draft.Version)
        {
            return new(null, Rule("version", "Content.Error.ChangedMeanwhile"));
        }
        if (draft.Status != DraftStatus.Draft)
        {
            return new(null, Rule("status", "Content.Error.NotADraft"));
        }
        if (!draft.Variants.Any(x => x.Text.Trim().Length > 0))
        {
            return new(null, Rule("variants", "Content.Error.NoText"));
        }
        // Never a silent block: findings are shown on the draft, and it goes to review with them.
        draft.Status = DraftStatus.InReview;
        draft.UpdatedAt = Now;
        draft.Version++;
        History(db, draft, actor, await NameAsync(db, actor, actorName, ct), DraftEventKind.Submitted);
        await NotifyApproversAsync(db, draft, actor, "Stored.Content.Notice.Submitted", ct);
        return await SaveAsync(db, draft, ct);
    }

    /// <summary>
    /// Approves a draft in review, when the workspace's rule lets this member. Two members approving at once make one
    /// approval: the draft's version changes with the first, and the second is told it was approved meanwhile.
    /// </summary>
    public async Task<Change<Draft>> ApproveAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid draftId, int? version = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<Draft>.NotFound;
        }
        if (version is { } v && v != draft.Version)
        {
            return new(null, Rule("version", "Content.Error.ChangedMeanwhile"));
        }
        if (draft.Status is DraftStatus.Approved or DraftStatus.Scheduled)
        {
            return new(null, Rule("status", "Content.Error.AlreadyApproved"));
        }
        if (draft.Status != DraftStatus.InReview)
        {
            return new(null, Rule("status", "Content.Error.NotInReview"));
        }
        var settings = await SettingsAsync(db, draft.WorkspaceId, ct);
        if (!MayApprove(settings.ApprovalRule, actor, draft))
        {
            return new(null, Rule("approver", settings.ApprovalRule == ApprovalRule.Admins ? "Content.Error.AdminsApprove" : "Content.Error.AnotherMemberApproves"));
        }
        draft.Status = DraftStatus.Approved;
        draft.ApprovedByUserId = actor.UserId;
        draft.UpdatedAt = Now;
        draft.Version++;
        History(db, draft, actor, await NameAsync(db, actor, actorName, ct), DraftEventKind.Approved);
        NotifyAuthor(db, draft, actor, "Stored.Content.Notice.Approved");
        var saved = await SaveAsync(db, draft, ct);
        return saved.Violation?.Code == "Content.Error.ChangedMeanwhile" ? new(null, Rule("status", "Content.Error.ApprovedMeanwhile")) : saved;
    }

    /// <summary>Whether the workspace's approval rule lets <paramref name="actor"/> approve <paramref name="draft"/>.</summary>
    public static bool MayApprove(ApprovalRule rule, WorkspaceMember actor, Draft draft)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(draft);
        return rule switch
        {
            ApprovalRule.AnotherMember => actor.Role >= Role.Agent && actor.UserId is not null && actor.UserId != draft.AuthorUserId,
            _ => actor.Role >= Role.Admin,
        };
    }

    /// <summary>
    /// Schedules an approved draft at a local time in the workspace's time zone. A time already past, or one the clocks
    /// skip when they go forward (a DST gap), is refused with the reason; an ambiguous time (clocks going back) is the later one.
    /// </summary>
    public async Task<Change<Draft>> ScheduleAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid draftId, DateTime localTime, int? version = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<Draft>.NotFound;
        }
        if (version is { } v && v != draft.Version)
        {
            return new(null, Rule("version", "Content.Error.ChangedMeanwhile"));
        }
        if (draft.Status is not (DraftStatus.Approved or DraftStatus.Scheduled))
        {
            return new(null, Rule("status", "Content.Error.NotApproved"));
        }
        var zone = await ZoneAsync(db, draft.WorkspaceId, ct);
        var local = DateTime.SpecifyKind(localTime, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            return new(null, Rule("localTime", "Content.Error.DstGap"));
        }
        var utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
        if (utc <= Now)
        {
            return new(null, Rule("localTime", "Content.Error.InThePast"));
        }
        draft.Status = DraftStatus.Scheduled;
        draft.ScheduledAt = utc;
        draft.UpdatedAt = Now;
        draft.Version++;
        History(db, draft, actor, await NameAsync(db, actor, actorName, ct), DraftEventKind.Scheduled,
            local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " (" + zone.Id + ")");
        return await SaveAsync(db, draft, ct);
    }

    /// <summary>Sends a failed draft's failed variants again, each from a fresh count of attempts; what was published stays published.</summary>
    public async Task<Change<Draft>> RetryAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid draftId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<Draft>.NotFound;
        }
        if (draft.Status != DraftStatus.Failed)
        {
            return new(null, Rule("status", "Content.Error.NotFailed"));
        }
        var now = Now;
        foreach (var variant in draft.Variants.Where(x => x.OutboxItemId is not null && x.ExternalId is null))
        {
            // Only an item the outbox gave up on is queued again: one that is still moving is left to finish.
            await db.OutboxItems.Where(o => o.Id == variant.OutboxItemId && o.Status == OutboxStatus.Failed).ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Status, OutboxStatus.Pending).SetProperty(o => o.Attempts, 0).SetProperty(o => o.NextAttemptAt, now)
                .SetProperty(o => o.LastError, (string?)null), ct);
            variant.Error = null;
        }
        draft.Status = DraftStatus.Publishing;
        draft.FailureReason = null;
        draft.UpdatedAt = now;
        draft.Version++;
        History(db, draft, actor, await NameAsync(db, actor, actorName, ct), DraftEventKind.Retried);
        var saved = await SaveAsync(db, draft, ct);
        signal.Notify();
        return saved;
    }

    public async Task<Change<DraftEvent>> CommentAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid draftId, string? text, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var draft = await LoadAsync(db, draftId, ct);
        if (draft is null)
        {
            return Change<DraftEvent>.NotFound;
        }
        var words = (text ?? "").Trim();
        if (words.Length == 0 || words.Length > DraftEvent.MaxTextLength)
        {
            return new(null, Rule("text", "Content.Error.CommentRequired"));
        }
        var comment = History(db, draft, actor, await NameAsync(db, actor, actorName, ct), DraftEventKind.Comment, words);
        NotifyAuthor(db, draft, actor, "Stored.Content.Notice.Comment");
        await db.SaveChangesAsync(ct);
        return new(comment, null);
    }

    // ---------- Publishing ----------

    /// <summary>
    /// The scheduler's job "publish-due-posts": every draft whose time has come is claimed with one conditional update
    /// (Scheduled → Publishing) and its variants are queued in the outbox in the same transaction, so across restarts and
    /// nodes a draft is queued once; the outbox then delivers each variant once. Drafts the outbox finished with are
    /// brought up to date (published with their links, or failed with the network's reason).
    /// </summary>
    public async Task<int> PublishDueAsync(RapportDbContextFactory databases, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var now = Now;
        List<Guid> due;
        await using (var db = databases.CreateDbContext())
        {
            due = await db.Set<Draft>().Where(d => d.Status == DraftStatus.Scheduled && d.ScheduledAt <= now).OrderBy(d => d.ScheduledAt)
                .Select(d => d.Id).Take(200).ToListAsync(ct);
        }
        var queued = 0;
        foreach (var id in due)
        {
            await using var db = databases.CreateDbContext();
            if (await QueueAsync(db, id, ct))
            {
                queued++;
            }
        }
        await using (var db = databases.CreateDbContext())
        {
            var publishing = await db.Set<Draft>().Where(d => d.Status == DraftStatus.Publishing).Select(d => d.Id).Take(500).ToListAsync(ct);
            foreach (var id in publishing)
            {
                db.ChangeTracker.Clear();
                await ReconcileAsync(db, id, null, ct);
            }
        }
        if (queued > 0)
        {
            signal.Notify();
        }
        return queued;
    }

    private async Task<bool> QueueAsync(RapportDbContext db, Guid draftId, CancellationToken ct)
    {
        var now = Now;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.Set<Draft>().Where(d => d.Id == draftId && d.Status == DraftStatus.Scheduled)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DraftStatus.Publishing).SetProperty(d => d.Version, d => d.Version + 1).SetProperty(d => d.UpdatedAt, now), ct);
        if (claimed == 0)
        {
            // Another run or node took it, or a member changed it meanwhile.
            return false;
        }
        var draft = await db.Set<Draft>().Include(d => d.Variants).FirstAsync(d => d.Id == draftId, ct);
        var channels = await db.Channels.Where(c => c.WorkspaceId == draft.WorkspaceId).ToDictionaryAsync(c => c.Id, ct);
        foreach (var variant in draft.Variants.Where(v => v.OutboxItemId is null && v.Text.Trim().Length > 0))
        {
            if (!channels.TryGetValue(variant.ChannelId, out var channel) || channel.Direction == ChannelDirection.Listening)
            {
                variant.Error = StoredText.English("Stored.Content.ChannelGone");
                continue;
            }
            var item = await outbox.EnqueuePostAsync(db, channel, draft.AuthorName, variant.Text, variant.Language, ct);
            variant.OutboxItemId = item.Id;
            if (variant.TrackedLinkId is { } linkId)
            {
                // The link's clicks count for the post from now on, in the same transaction as the claim.
                await db.Set<Links.TrackedLink>().Where(l => l.Id == linkId)
                    .ExecuteUpdateAsync(u => u.SetProperty(l => l.PostId, item.Id), ct);
            }
        }
        History(db, draft, null, "Rapport", DraftEventKind.Publishing);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Brings a publishing draft up to date with its outbox items: each sent variant keeps the network's id and link;
    /// all sent → Published; nothing left moving and one failed → Failed with the reason. <paramref name="justSent"/> is
    /// an item the caller has just recorded sent in this unit of work (not saved yet).
    /// </summary>
    internal async Task ReconcileAsync(RapportDbContext db, Guid draftId, OutboxItem? justSent, CancellationToken ct, bool saveItself = true)
    {
        var draft = await db.Set<Draft>().Include(d => d.Variants).FirstOrDefaultAsync(d => d.Id == draftId && d.Status == DraftStatus.Publishing, ct);
        if (draft is null)
        {
            return;
        }
        var itemIds = draft.Variants.Where(v => v.OutboxItemId is not null).Select(v => v.OutboxItemId!.Value).ToList();
        var items = await db.OutboxItems.AsNoTracking().Where(o => itemIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, ct);
        if (justSent is not null)
        {
            items[justSent.Id] = justSent;
        }
        var channels = await db.Channels.Where(c => c.WorkspaceId == draft.WorkspaceId).ToDictionaryAsync(c => c.Id, ct);
        var moving = false;
        var failures = new List<string>();
        foreach (var variant in draft.Variants)
        {
            if (variant.OutboxItemId is not { } itemId || !items.TryGetValue(itemId, out var item))
            {
                if (variant.Error is { } gone)
                {
                    failures.Add(gone);
                }
                continue;
            }
            switch (item.Status)
            {
                case OutboxStatus.Sent:
                    variant.ExternalId = item.ExternalId;
                    variant.PublishedUrl = channels.TryGetValue(variant.ChannelId, out var channel) ? LinkOf(channel, item.ExternalId) : null;
                    variant.Error = null;
                    break;
                case OutboxStatus.Failed or OutboxStatus.Cancelled:
                    variant.Error = item.LastError;
                    failures.Add((channels.TryGetValue(variant.ChannelId, out var c) ? c.Name + ": " : "") + item.LastError);
                    break;
                default:
                    moving = true;
                    break;
            }
        }
        if (moving)
        {
            if (saveItself)
            {
                await db.SaveChangesAsync(ct);
            }
            return;
        }
        var now = Now;
        if (failures.Count == 0)
        {
            draft.Status = DraftStatus.Published;
            draft.PublishedAt = now;
            History(db, draft, null, "Rapport", DraftEventKind.Published);
            NotifyAuthor(db, draft, null, "Stored.Content.Notice.Published");
        }
        else
        {
            draft.Status = DraftStatus.Failed;
            draft.FailureReason = Trim(string.Join("; ", failures), 2000);
            History(db, draft, null, "Rapport", DraftEventKind.Failed, draft.FailureReason);
            NotifyAuthor(db, draft, null, "Stored.Content.Notice.Failed");
        }
        draft.UpdatedAt = now;
        draft.Version++;
        if (!saveItself)
        {
            return;
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Brought up to date by the outbox's own save at the same moment: nothing left to do here.
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>The address of a published post on its network, when Rapport can tell it from the network's id.</summary>
    public static string? LinkOf(Channel channel, string? externalId)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (string.IsNullOrEmpty(externalId))
        {
            return null;
        }
        switch (channel.Kind)
        {
            case ChannelKind.Mastodon:
                var instance = JsonSerializer.Deserialize<Channels.Mastodon.MastodonChannelSettings>(channel.Settings, JsonOptions)?.InstanceUrl;
                return instance is { Length: > 0 } ? instance.TrimEnd('/') + "/web/statuses/" + Uri.EscapeDataString(externalId) : null;
            case ChannelKind.Bluesky:
                // at://did:plc:…/app.bsky.feed.post/rkey → https://bsky.app/profile/did:plc:…/post/rkey
                var parts = externalId.StartsWith("at://", StringComparison.Ordinal) ? externalId[5..].Split('/') : [];
                return parts.Length == 3 ? $"https://bsky.app/profile/{parts[0]}/post/{parts[2]}" : null;
            default:
                return null;
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The brand's published post a conversation answers, when the conversation is the thread of replies to one (ingest
    /// keys it by the post's network id): the post, its link, and the draft it came from if the studio made it.
    /// </summary>
    public static async Task<RepliedPost?> RepliedPostAsync(RapportDbContext db, Guid conversationId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var conversation = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId)
            .Select(c => new { c.ChannelId, c.ExternalThreadId }).FirstOrDefaultAsync(ct);
        if (conversation?.ExternalThreadId is not { } thread)
        {
            return null;
        }
        var post = await db.OutboxItems.AsNoTracking()
            .Where(o => o.ChannelId == conversation.ChannelId && o.ExternalId == thread && o.MessageId == null && o.EventDeliveryId == null)
            .Select(o => new { o.Id, o.ExternalId }).FirstOrDefaultAsync(ct);
        if (post is null)
        {
            return null;
        }
        var draft = await db.Set<DraftVariant>().AsNoTracking().Where(v => v.OutboxItemId == post.Id)
            .Join(db.Set<Draft>(), v => v.DraftId, d => d.Id, (v, d) => new { v.PublishedUrl, d.Id, d.Title }).FirstOrDefaultAsync(ct);
        var url = draft?.PublishedUrl;
        if (url is null && await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == conversation.ChannelId, ct) is { } channel)
        {
            url = LinkOf(channel, post.ExternalId);
        }
        return new RepliedPost(post.Id, post.ExternalId!, url, draft?.Id, draft?.Title);
    }

    // ---------- Review ----------

    public sealed record ReviewContext(NearDuplicateIndex PastPosts, IReadOnlyList<string> WordsToAvoid, TimeZoneInfo Zone);

    public async Task<ReviewContext> ReviewContextAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var settings = await SettingsAsync(db, workspaceId, ct);
        return new ReviewContext(await pastPosts.IndexAsync(db, workspaceId, ct), settings.WordsToAvoidList, await ZoneAsync(db, workspaceId, ct));
    }

    /// <summary>Reviews any text (for the review endpoint and the editor's live panel).</summary>
    public async Task<ReviewDto> ReviewTextAsync(RapportDbContext db, Guid workspaceId, ReviewRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        var context = await ReviewContextAsync(db, workspaceId, ct);
        var evidence = request.IdeaId is { } ideaId ? await db.Set<Idea>().Where(i => i.Id == ideaId).Select(i => i.EvidenceCount).FirstOrDefaultAsync(ct) : 0;
        var network = request.Network ?? PostNetwork.Other;
        return Word(DraftReviewer.Review(new DraftReviewInput(request.Text ?? "", network, request.PublishOn, request.MediaCount, request.MediaWithoutAltText,
            context.WordsToAvoid, evidence), context.PastPosts), network);
    }

    private DraftReviewResult Review(DraftVariant variant, Draft draft, IReadOnlyDictionary<Guid, Channel> channels, ReviewContext context, int evidence)
    {
        var network = channels.TryGetValue(variant.ChannelId, out var channel) ? NetworkOf(channel.Kind) : PostNetwork.Other;
        DateOnly? day = draft.ScheduledAt is { } at ? DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(at, context.Zone)) : null;
        // A published draft is among the past posts now: comparing it with itself would say nothing.
        var past = draft.Status is DraftStatus.Publishing or DraftStatus.Published or DraftStatus.Failed ? null : context.PastPosts;
        return DraftReviewer.Review(new DraftReviewInput(variant.Text, network, day, variant.MediaCount, variant.MediaWithoutAltText, context.WordsToAvoid, evidence), past);
    }

    /// <summary>The findings worded from the resources in the reader's language (the library's own words are English).</summary>
    public ReviewDto Word(DraftReviewResult result, PostNetwork network = PostNetwork.Other)
    {
        ArgumentNullException.ThrowIfNull(result);
        var findings = result.Findings.Select(f => new FindingDto(f.Kind, f.Line, f.Start, f.Length, f.Text,
            strings["Content.Finding." + f.Kind, [.. f.Args.Cast<object>()]].Value, f.Points)).ToList();
        return new ReviewDto(result.Score, result.Length, result.Limit, network, findings);
    }

    public static PostNetwork NetworkOf(ChannelKind kind) => kind switch
    {
        ChannelKind.Mastodon => PostNetwork.Mastodon,
        ChannelKind.Bluesky => PostNetwork.Bluesky,
        _ => PostNetwork.Other,
    };

    private async Task ScoreAsync(RapportDbContext db, Draft draft, CancellationToken ct)
    {
        var channels = await ChannelsAsync(db, ct);
        var context = await ReviewContextAsync(db, draft.WorkspaceId, ct);
        var evidence = draft.IdeaId is { } ideaId ? await db.Set<Idea>().Where(i => i.Id == ideaId).Select(i => i.EvidenceCount).FirstOrDefaultAsync(ct) : 0;
        draft.UsefulnessScore = draft.Variants.Count == 0 ? 0 : draft.Variants.Min(v => Review(v, draft, channels, context, evidence).Score);
    }

    // ---------- Settings and calendar ----------

    public static async Task<ContentSettings> SettingsAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Set<ContentSettings>().AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct)
            ?? new ContentSettings { WorkspaceId = workspaceId };
    }

    public static async Task<Change<ContentSettings>> SaveSettingsAsync(RapportDbContext db, Guid workspaceId, ContentSettingsDto request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        if ((request.WordsToAvoid?.Length ?? 0) > ContentSettings.MaxWordsToAvoidLength)
        {
            return new(null, Rule("wordsToAvoid", "Content.Error.WordsTooLong"));
        }
        var settings = await db.Set<ContentSettings>().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct);
        if (settings is null)
        {
            settings = new ContentSettings { WorkspaceId = workspaceId };
            db.Add(settings);
        }
        settings.ApprovalRule = request.ApprovalRule;
        settings.WordsToAvoid = (request.WordsToAvoid ?? "").Trim();
        await db.SaveChangesAsync(ct);
        return new(settings, null);
    }

    /// <summary>A month in the workspace's time zone: each day's scheduled and published drafts and its world days.</summary>
    public Task<List<CalendarDayDto>> CalendarAsync(RapportDbContext db, Guid workspaceId, int year, int month, CancellationToken ct = default)
    {
        var first = new DateOnly(year, month, 1);
        return DaysAsync(db, workspaceId, first, first.AddMonths(1).DayNumber - first.DayNumber, ct);
    }

    /// <summary>The week (Monday to Sunday, in the workspace's time zone) that holds <paramref name="day"/>.</summary>
    public Task<List<CalendarDayDto>> WeekAsync(RapportDbContext db, Guid workspaceId, DateOnly day, CancellationToken ct = default) =>
        DaysAsync(db, workspaceId, WeekStart(day), 7, ct);

    /// <summary>The Monday of <paramref name="day"/>'s week.</summary>
    public static DateOnly WeekStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>A calendar day with more posts than this is crowded: the audience hears the brand too often that day.</summary>
    public const int CrowdedDay = 2;

    /// <summary><paramref name="count"/> local days from <paramref name="first"/>: each day's scheduled and published drafts, in time order, and its world days.</summary>
    private async Task<List<CalendarDayDto>> DaysAsync(RapportDbContext db, Guid workspaceId, DateOnly first, int count, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var zone = await ZoneAsync(db, workspaceId, ct);
        var end = first.AddDays(count);
        var from = TimeZoneInfo.ConvertTimeToUtc(first.ToDateTime(TimeOnly.MinValue), zone);
        var to = TimeZoneInfo.ConvertTimeToUtc(end.ToDateTime(TimeOnly.MinValue), zone);
        var drafts = await db.Set<Draft>().AsNoTracking().Include(d => d.Variants)
            .Where(d => (d.ScheduledAt >= from && d.ScheduledAt < to) || (d.PublishedAt >= from && d.PublishedAt < to)).ToListAsync(ct);
        var channels = await ChannelsAsync(db, ct);
        var days = new List<CalendarDayDto>();
        for (var day = first; day < end; day = day.AddDays(1))
        {
            var onDay = drafts.Where(d => (d.PublishedAt ?? d.ScheduledAt) is { } at && DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(at, zone)) == day)
                .OrderBy(d => d.PublishedAt ?? d.ScheduledAt).Select(d => ToDto(d, channels)).ToList();
            var worldDays = CalendarEvents.All.Where(e => e.Date(day.Year) == day).Select(e => e.Name).ToList();
            days.Add(new CalendarDayDto(day, onDay, worldDays));
        }
        return days;
    }

    public static async Task<TimeZoneInfo> ZoneAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var id = await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.TimeZone).FirstOrDefaultAsync(ct);
        return Sla.BusinessCalendar.Zone(id ?? "UTC");
    }

    // ---------- Helpers ----------

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static RuleViolation Rule(string field, string code) => new(field, code, StoredText.English(code));

    private static string Trim(string s, int max) => s.Length > max ? s[..max] : s;

    private static string Fingerprint(Draft d) =>
        d.Title + "\u0001" + d.IdeaId + "\u0001" + d.Campaign + "\u0001" + string.Join("\u0002", d.Variants.OrderBy(v => v.ChannelId).Select(v => $"{v.ChannelId}|{v.Text}|{v.Language}|{v.MediaCount}|{v.MediaWithoutAltText}"));

    private static Task<Draft?> LoadAsync(RapportDbContext db, Guid draftId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<Draft>().Include(d => d.Variants).FirstOrDefaultAsync(d => d.Id == draftId, ct);
    }

    private static async Task<Change<Draft>> SaveAsync(RapportDbContext db, Draft draft, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return new(draft, null);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new(null, Rule("version", "Content.Error.ChangedMeanwhile"));
        }
    }

    private static async Task<Dictionary<Guid, Channel>> ChannelsAsync(RapportDbContext db, CancellationToken ct) =>
        await db.Channels.AsNoTracking().ToDictionaryAsync(c => c.Id, ct);

    private static async Task<string> NameAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, CancellationToken ct)
    {
        var name = actor.UserId is { } userId
            ? await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).FirstOrDefaultAsync(ct)
            : null;
        return Trim(string.IsNullOrWhiteSpace(name) ? actorName ?? "API" : name, 200);
    }

    /// <summary>Checks and copies a request onto the draft; a rule broken leaves the draft as it was read.</summary>
    private static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, Draft draft, DraftRequest request, CancellationToken ct)
    {
        var title = (request.Title ?? draft.Title).Trim();
        if (title.Length == 0 || title.Length > Draft.MaxTitleLength)
        {
            return Rule("title", "Content.Error.TitleRequired");
        }
        if (request.IdeaId is { } ideaId && !await db.Set<Idea>().AnyAsync(i => i.Id == ideaId, ct))
        {
            return Rule("ideaId", "Content.Error.NoSuchIdea");
        }
        if (request.Variants is { } variants)
        {
            if (variants.Count > MaxVariants || variants.Select(v => v.ChannelId).Distinct().Count() != variants.Count)
            {
                return Rule("variants", "Content.Error.OneVariantPerChannel");
            }
            var ids = variants.Select(v => v.ChannelId).ToList();
            var channels = await db.Channels.Where(c => ids.Contains(c.Id) && c.Direction != ChannelDirection.Listening).Select(c => c.Id).ToListAsync(ct);
            if (channels.Count != ids.Count)
            {
                return Rule("variants", "Content.Error.NoSuchChannel");
            }
            foreach (var v in variants)
            {
                if ((v.Text?.Length ?? 0) > DraftVariant.MaxTextLength)
                {
                    return Rule("variants", "Content.Error.TextTooLong");
                }
                if (v.Language is { } language && language is not ("fr" or "en"))
                {
                    return Rule("variants", "Content.Error.Language");
                }
                if (v.MediaCount is < 0 or > 10 || v.MediaWithoutAltText < 0 || v.MediaWithoutAltText > v.MediaCount)
                {
                    return Rule("variants", "Content.Error.Media");
                }
                var existing = draft.Variants.FirstOrDefault(x => x.ChannelId == v.ChannelId);
                if (existing?.ExternalId is not null && existing.Text != (v.Text ?? ""))
                {
                    return Rule("variants", "Content.Error.VariantPublished");
                }
            }
            if (draft.Variants.Any(x => x.ExternalId is not null && !ids.Contains(x.ChannelId)))
            {
                return Rule("variants", "Content.Error.VariantPublished");
            }
            foreach (var gone in draft.Variants.Where(x => !ids.Contains(x.ChannelId)).ToList())
            {
                draft.Variants.Remove(gone);
                db.Remove(gone);
            }
            foreach (var v in variants)
            {
                var variant = draft.Variants.FirstOrDefault(x => x.ChannelId == v.ChannelId);
                if (variant is null)
                {
                    variant = new DraftVariant { WorkspaceId = draft.WorkspaceId, DraftId = draft.Id, ChannelId = v.ChannelId };
                    draft.Variants.Add(variant);
                }
                variant.Text = Ingest.IngestService.Clean(v.Text ?? "");
                variant.Language = v.Language;
                variant.MediaCount = v.MediaCount;
                variant.MediaWithoutAltText = v.MediaWithoutAltText;
                if (variant.ExternalId is null && variant.OutboxItemId is not null)
                {
                    // Failed on its network and changed since: it is queued afresh when the draft is published again.
                    variant.OutboxItemId = null;
                    variant.Error = null;
                }
            }
        }
        if (request.Campaign is { } campaign && (campaign.Trim().Length > Links.TrackedLink.MaxTagLength || campaign.Any(char.IsControl)))
        {
            return Rule("campaign", "Content.Error.Campaign");
        }
        draft.Title = title;
        draft.IdeaId = request.IdeaId ?? draft.IdeaId;
        if (request.Campaign is not null)
        {
            draft.Campaign = request.Campaign.Trim() is { Length: > 0 } named ? named : null;
        }
        return null;
    }

    private DraftEvent History(RapportDbContext db, Draft draft, WorkspaceMember? actor, string name, DraftEventKind kind, string? text = null)
    {
        var e = new DraftEvent { WorkspaceId = draft.WorkspaceId, DraftId = draft.Id, UserId = actor?.UserId, ActorName = name, Kind = kind, Text = text, At = Now };
        db.Add(e);
        return e;
    }

    private async Task NotifyApproversAsync(RapportDbContext db, Draft draft, WorkspaceMember actor, string key, CancellationToken ct)
    {
        var settings = await SettingsAsync(db, draft.WorkspaceId, ct);
        var minimum = settings.ApprovalRule == ApprovalRule.AnotherMember ? Role.Agent : Role.Admin;
        var approvers = await db.Memberships.Where(m => m.WorkspaceId == draft.WorkspaceId && m.Role >= minimum).Select(m => m.UserId).ToListAsync(ct);
        var text = StoredText.English(key, draft.Title);
        foreach (var userId in approvers.Where(u => u != actor.UserId && (settings.ApprovalRule == ApprovalRule.Admins || u != draft.AuthorUserId)))
        {
            notifier.Add(db, draft.WorkspaceId, userId, "content", text);
        }
    }

    private void NotifyAuthor(RapportDbContext db, Draft draft, WorkspaceMember? actor, string key)
    {
        if (draft.AuthorUserId is not { } author || author == actor?.UserId)
        {
            return;
        }
        // Stored as plain text, read later: worded in English here; the workspace's language is not at hand in every caller.
        notifier.Add(db, draft.WorkspaceId, author, "content", StoredText.English(key, draft.Title));
    }

    private static IdeaDto ToDto(Idea i, IReadOnlyDictionary<Guid, Guid> conversations) =>
        new(i.Id, i.Title, i.Notes, i.Source, i.Status, i.EvidenceCount,
            i.Source is IdeaSource.Expectation or IdeaSource.Commitment
                ? [.. i.EvidenceIds.Select(MentionEvidence)]
                : [.. i.EvidenceIds.Where(conversations.ContainsKey).Select(id => new EvidenceDto(id, conversations[id], $"/conversations/{conversations[id]}"))],
            i.CreatedAt, i.UpdatedAt);

    public static DraftDto ToDto(Draft d, IReadOnlyDictionary<Guid, Channel> channels)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(channels);
        return new(d.Id, d.IdeaId, d.Title, d.AuthorUserId, d.AuthorName, d.Status, d.ScheduledAt, d.FailureReason, d.UsefulnessScore, d.Version,
            d.CreatedAt, d.UpdatedAt, d.PublishedAt,
            [.. d.Variants.OrderBy(v => v.ChannelId).Select(v => channels.TryGetValue(v.ChannelId, out var c)
                ? new VariantDto(v.Id, v.ChannelId, c.Name, NetworkOf(c.Kind), v.Text, v.Language, v.MediaCount, v.MediaWithoutAltText, v.OutboxItemId, v.ExternalId, v.PublishedUrl, v.Error, v.TrackedLinkId)
                : new VariantDto(v.Id, v.ChannelId, "", PostNetwork.Other, v.Text, v.Language, v.MediaCount, v.MediaWithoutAltText, v.OutboxItemId, v.ExternalId, v.PublishedUrl, v.Error, v.TrackedLinkId))],
            d.Campaign);
    }
}

/// <summary>
/// The brand's published posts per workspace as a near-copy index, kept in memory and brought up to date from the
/// outbox's sent posts at each review (only what was sent since), so a review does not re-read every past post.
/// </summary>
public sealed class PastPosts
{
    /// <summary>The latest posts a workspace's index starts from.</summary>
    public const int MaxPosts = 100_000;

    private sealed class Entry
    {
        public NearDuplicateIndex Index { get; } = new();
        public HashSet<Guid> Seen { get; } = [];
        public DateTime Since { get; set; } = DateTime.MinValue;
        public SemaphoreSlim Gate { get; } = new(1, 1);
    }

    private readonly ConcurrentDictionary<Guid, Entry> entries = new();

    public async Task<NearDuplicateIndex> IndexAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var entry = entries.GetOrAdd(workspaceId, _ => new Entry());
        await entry.Gate.WaitAsync(ct);
        try
        {
            var since = entry.Since;
            var sent = await db.OutboxItems.AsNoTracking()
                .Where(o => o.WorkspaceId == workspaceId && o.MessageId == null && o.EventDeliveryId == null && o.Status == OutboxStatus.Sent && o.SentAt >= since)
                .OrderByDescending(o => o.SentAt).Take(MaxPosts).ToListAsync(ct);
            foreach (var item in sent.Where(i => entry.Seen.Add(i.Id)))
            {
                entry.Index.Add(item.Id.ToString(), PostPayload.Of(item).Text);
            }
            if (sent.Count > 0)
            {
                entry.Since = sent.Max(i => i.SentAt!.Value);
            }
            return entry.Index;
        }
        finally
        {
            entry.Gate.Release();
        }
    }
}
