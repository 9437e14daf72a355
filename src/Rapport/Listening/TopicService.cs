using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis.Listening;
using Rapport.Api;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Listening;

public sealed record TopicRequest(
    [property: MaxLength(Topic.MaxNameLength)] string? Name, TopicKind? Kind, [property: MaxLength(TopicQuery.MaxLength)] string? Query, IReadOnlyList<string>? Languages);

public sealed record TopicDto(
    Guid Id, string Name, TopicKind Kind, string Query, IReadOnlyList<string> Languages, DateTime CreatedAt, DateTime UpdatedAt,
    int MentionsLast30Days, bool Rematching, int RematchDone, int RematchTotal, DateTime? RematchedAt);

public sealed record TopicPreviewRequest([property: MaxLength(TopicQuery.MaxLength)] string? Query, IReadOnlyList<string>? Languages);

/// <summary>A query's syntax error: why (a code for a translated message and the English words) and where.</summary>
public sealed record TopicQueryProblem(string Code, string Message, int Position);

/// <summary>What a query would find: how many of the last 30 days' mentions match (of how many read), and the latest few.</summary>
public sealed record TopicPreview(int Matching, int Scanned, bool Capped, IReadOnlyList<ListeningMentionDto> Examples, TopicQueryProblem? Error);

public sealed record ListeningMentionDto(
    Guid Id, Guid ChannelId, string ChannelName, string AuthorHandle, string AuthorName, string? Subject, string Text, DateTime CreatedAt,
    string Language, string Intent, string Sentiment, double SentimentScore, string Urgency, string Toxicity, string Themes, string KeyPhrases,
    IReadOnlyList<Guid> TopicIds, Guid? ConversationId, string Recommendation = "", string RecommendationEvidence = "");

/// <summary>What the mentions list is filtered by; every filter is optional.</summary>
public sealed record MentionFilter(Guid? TopicId = null, string? Language = null, string? Sentiment = null, Guid? ChannelId = null,
    DateTime? From = null, DateTime? To = null, string? Search = null, string? Cursor = null, int? Limit = null, Guid? MentionId = null, string? Recommendation = null,
    string? Theme = null);

/// <summary>What creating, changing or deleting a topic came to: the topic, or why not (the rules broken, or no such topic).</summary>
public sealed record TopicChange(Topic? Topic, IReadOnlyList<RuleViolation> Violations, TopicQueryProblem? QueryError = null)
{
    public static readonly TopicChange NotFound = new(null, []);

    public bool Saved => Topic is not null;
}

/// <summary>
/// The one front door to topics and mentions, for the API and the Listening pages alike: it checks a topic's rules (its
/// query above all), saves it with its audit entry, asks for its re-match, and reads mentions with their filters.
/// </summary>
public sealed class TopicService(AuditLog audit, TopicMatchers matchers, TimeProvider clock)
{
    /// <summary>How far back a preview reads.</summary>
    public static readonly TimeSpan PreviewWindow = TimeSpan.FromDays(30);

    /// <summary>The most mentions a preview reads (the latest), so a preview answers in bounded time on any workspace.</summary>
    public const int PreviewCap = 50_000;

    public const int MaxLanguages = 8;

    /// <summary>Checks a query's syntax without saving anything: null when it reads.</summary>
    public static TopicQueryProblem? Check(string? query) =>
        TopicQuery.TryParse(query, out _, out var error) ? null : new TopicQueryProblem(error!.Code, error.Message, error.Position);

    public async Task<List<TopicDto>> ListAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var since = clock.GetUtcNow().UtcDateTime - PreviewWindow;
        var counts = await db.Set<MentionTopic>().Where(m => m.MentionCreatedAt >= since).GroupBy(m => m.TopicId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var topics = await db.Set<Topic>().AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct);
        return [.. topics.Select(t => ToDto(t, counts.GetValueOrDefault(t.Id)))];
    }

    public async Task<TopicDto?> GetAsync(RapportDbContext db, Guid topicId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var topic = await db.Set<Topic>().AsNoTracking().FirstOrDefaultAsync(t => t.Id == topicId, ct);
        if (topic is null)
        {
            return null;
        }
        var since = clock.GetUtcNow().UtcDateTime - PreviewWindow;
        return ToDto(topic, await db.Set<MentionTopic>().CountAsync(m => m.TopicId == topicId && m.MentionCreatedAt >= since, ct));
    }

    public async Task<TopicChange> CreateAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, TopicRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var now = clock.GetUtcNow().UtcDateTime;
        var topic = new Topic { WorkspaceId = actor.WorkspaceId, Name = "", Query = "", CreatedAt = now, CreatedByUserId = actor.UserId };
        var refused = await ApplyAsync(db, topic, request with { Kind = request.Kind ?? TopicKind.Brand }, ct);
        if (refused is not null)
        {
            return refused;
        }
        db.Set<Topic>().Add(topic);
        audit.Add(db, "topic.created", actor.WorkspaceId, actor.UserId, actorName, topic.Name, topic.Query);
        await db.SaveChangesAsync(ct);
        matchers.Forget(actor.WorkspaceId);
        return new(topic, []);
    }

    /// <summary>Changes what the request names and keeps the rest; a new query or languages re-match the last days' mentions.</summary>
    public async Task<TopicChange> ChangeAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid topicId, TopicRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var topic = await db.Set<Topic>().FirstOrDefaultAsync(t => t.Id == topicId, ct);
        if (topic is null)
        {
            return TopicChange.NotFound;
        }
        var refused = await ApplyAsync(db, topic, request, ct);
        if (refused is not null)
        {
            return refused;
        }
        audit.Add(db, "topic.updated", actor.WorkspaceId, actor.UserId, actorName, topic.Name, topic.Query);
        await db.SaveChangesAsync(ct);
        matchers.Forget(actor.WorkspaceId);
        return new(topic, []);
    }

    public async Task<TopicChange> DeleteAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid topicId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var topic = await db.Set<Topic>().FirstOrDefaultAsync(t => t.Id == topicId, ct);
        if (topic is null)
        {
            return TopicChange.NotFound;
        }
        // The matches go with it (a cascade): the mentions stay, heard by the workspace's other topics or by none.
        await db.Set<MentionTopic>().Where(m => m.TopicId == topicId).ExecuteDeleteAsync(ct);
        db.Set<Topic>().Remove(topic);
        audit.Add(db, "topic.deleted", actor.WorkspaceId, actor.UserId, actorName, topic.Name);
        await db.SaveChangesAsync(ct);
        matchers.Forget(actor.WorkspaceId);
        return new(topic, []);
    }

    private async Task<TopicChange?> ApplyAsync(RapportDbContext db, Topic topic, TopicRequest request, CancellationToken ct)
    {
        var violations = new List<RuleViolation>();
        TopicQueryProblem? queryError = null;
        var name = request.Name?.Trim();
        if (request.Name is not null || db.Entry(topic).State == EntityState.Detached)
        {
            if (string.IsNullOrEmpty(name) || name.Length > Topic.MaxNameLength)
            {
                violations.Add(new("name", "Validation.Topic.Name", $"A name of 1 to {Topic.MaxNameLength} characters is required."));
            }
            else if (await db.Set<Topic>().IgnoreQueryFilters().AnyAsync(t => t.WorkspaceId == topic.WorkspaceId && t.Name == name && t.Id != topic.Id, ct))
            {
                violations.Add(new("name", "Validation.Topic.NameTaken", "Another topic already has this name."));
            }
        }
        if (request.Kind is { } kind && !Enum.IsDefined(kind))
        {
            violations.Add(new("kind", "Validation.Topic.Kind", "The kind is Brand, Product, Competitor, Campaign or Theme."));
        }
        if (request.Query is not null || db.Entry(topic).State == EntityState.Detached)
        {
            queryError = Check(request.Query);
            if (queryError is not null)
            {
                violations.Add(new("query", "Validation.Topic.Query", $"{queryError.Message} (at character {queryError.Position + 1})"));
            }
        }
        var languages = request.Languages?.Select(l => l.Trim().ToLowerInvariant()).Where(l => l.Length > 0).Distinct().ToList();
        if (languages is not null && (languages.Count > MaxLanguages || languages.Any(l => l.Length is < 2 or > 8 || !l.All(char.IsAsciiLetterLower))))
        {
            violations.Add(new("languages", "Validation.Topic.Languages", "Languages are codes such as fr and en, at most 8."));
        }
        if (violations.Count > 0)
        {
            return new(null, violations, queryError);
        }
        var rematch = db.Entry(topic).State == EntityState.Detached;
        if (name is not null)
        {
            topic.Name = name;
        }
        if (request.Kind is { } k)
        {
            topic.Kind = k;
        }
        if (request.Query is not null && request.Query.Trim() != topic.Query)
        {
            topic.Query = request.Query.Trim();
            rematch = true;
        }
        if (languages is not null && string.Join(',', languages) != topic.Languages)
        {
            topic.Languages = string.Join(',', languages);
            rematch = true;
        }
        topic.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        if (rematch)
        {
            topic.RematchPending = true;
            topic.RematchDone = 0;
            topic.RematchTotal = 0;
        }
        return null;
    }

    /// <summary>
    /// How many of the last 30 days' mentions a query would find (reading at most the latest <see cref="PreviewCap"/>), and
    /// the latest few it finds, before the topic is saved. A query that does not read answers its error.
    /// </summary>
    public async Task<TopicPreview> PreviewAsync(RapportDbContext db, string? query, IReadOnlyList<string>? languages, int examples = 5, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!TopicQuery.TryParse(query, out var parsed, out var error))
        {
            return new TopicPreview(0, 0, false, [], new TopicQueryProblem(error!.Code, error.Message, error.Position));
        }
        var matcher = TopicMatcher.Compile([new TopicDefinition(parsed!, languages is { Count: > 0 } ? languages : null)]);
        var since = clock.GetUtcNow().UtcDateTime - PreviewWindow;
        var channels = await db.Channels.AsNoTracking().Select(c => new { c.Id, c.Kind, c.Name }).ToDictionaryAsync(c => c.Id, c => TopicMatchers.SourcesOf(c.Kind, c.Name), ct);
        var recent = await db.Set<Mention>().AsNoTracking().Where(m => m.CreatedAt >= since)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(PreviewCap + 1)
            .Select(m => new { m.Id, m.ChannelId, m.Subject, m.Text, m.Language })
            .ToListAsync(ct);
        var capped = recent.Count > PreviewCap;
        var matching = 0;
        var found = new List<Guid>();
        foreach (var m in recent.Take(PreviewCap))
        {
            var text = string.IsNullOrEmpty(m.Subject) ? m.Text : m.Subject + "\n" + m.Text;
            if (matcher.Match(text, m.Language, channels.GetValueOrDefault(m.ChannelId)).Count > 0)
            {
                matching++;
                if (found.Count < examples)
                {
                    found.Add(m.Id);
                }
            }
        }
        var shown = await ReadAsync(db, db.Set<Mention>().AsNoTracking().Where(m => found.Contains(m.Id)), ct);
        return new TopicPreview(matching, Math.Min(recent.Count, PreviewCap), capped, [.. shown.OrderByDescending(m => m.CreatedAt)], null);
    }

    /// <summary>Mentions, latest first, by the filters given; a page at a time.</summary>
    public async Task<Page<ListeningMentionDto>> SearchAsync(RapportDbContext db, MentionFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var query = db.Set<Mention>().AsNoTracking();
        if (filter.MentionId is { } mentionId)
        {
            query = query.Where(m => m.Id == mentionId);
        }
        if (filter.TopicId is { } topicId)
        {
            query = query.Where(m => db.Set<MentionTopic>().Any(t => t.TopicId == topicId && t.MentionId == m.Id));
        }
        if (!string.IsNullOrWhiteSpace(filter.Language))
        {
            var language = filter.Language.Trim().ToLowerInvariant();
            query = query.Where(m => m.Language == language);
        }
        if (!string.IsNullOrWhiteSpace(filter.Sentiment))
        {
            var sentiment = filter.Sentiment.Trim();
            query = query.Where(m => m.Sentiment == sentiment);
        }
        if (filter.ChannelId is { } channelId)
        {
            query = query.Where(m => m.ChannelId == channelId);
        }
        if (!string.IsNullOrWhiteSpace(filter.Recommendation))
        {
            // "Recommends" and "AdvisesAgainst" each include the mixed mentions, which say both.
            var stance = filter.Recommendation.Trim();
            query = query.Where(m => m.Recommendation == stance || m.Recommendation == nameof(Analysis.Recommendations.RecommendationStance.Mixed));
        }
        if (!string.IsNullOrWhiteSpace(filter.Theme))
        {
            // One of the comma-separated values of Themes, whole (an alert's link to its theme's mentions).
            var theme = "," + filter.Theme.Trim() + ",";
            query = query.Where(m => ("," + m.Themes + ",").Contains(theme));
        }
        if (filter.From is { } from)
        {
            var f = Ingest.IngestService.AsUtc(from);
            query = query.Where(m => m.CreatedAt >= f);
        }
        if (filter.To is { } to)
        {
            var t = Ingest.IngestService.AsUtc(to);
            query = query.Where(m => m.CreatedAt < t);
        }
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            // Case- and accent-insensitive on both databases: the words are folded as the mentions' SearchText is
            // ("eleve" finds "élevé"); a word's other forms are what topics are for. A mention stored before SearchText
            // existed (empty until `rapport reprocess`) is still found by its text, without the accents.
            var words = filter.Search.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(8).ToList();
            foreach (var word in words)
            {
                var folded = Analysis.Text.TextFolding.Fold(word);
                var lower = word.ToLowerInvariant();
                query = query.Where(m => m.SearchText.Contains(folded)
                    || (m.SearchText == "" && (m.Text.ToLower().Contains(lower) || (m.Subject != null && m.Subject.ToLower().Contains(lower)) || m.AuthorName.ToLower().Contains(lower))));
            }
        }
        if (Cursor.TryDecode(filter.Cursor, out var at, out var id))
        {
            query = query.Where(m => m.CreatedAt < at || (m.CreatedAt == at && m.Id.CompareTo(id) < 0));
        }
        var limit = Cursor.Limit(filter.Limit);
        var page = await ReadAsync(db, query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(limit + 1), ct);
        var next = page.Count > limit ? Cursor.Encode(page[limit - 1].CreatedAt, page[limit - 1].Id) : null;
        return new Page<ListeningMentionDto>([.. page.Take(limit)], next);
    }

    public async Task<ListeningMentionDto?> GetMentionAsync(RapportDbContext db, Guid mentionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return (await ReadAsync(db, db.Set<Mention>().AsNoTracking().Where(m => m.Id == mentionId), ct)).SingleOrDefault();
    }

    private static async Task<List<ListeningMentionDto>> ReadAsync(RapportDbContext db, IQueryable<Mention> query, CancellationToken ct)
    {
        var mentions = await query.ToListAsync(ct);
        var ids = mentions.Select(m => m.Id).ToList();
        var topics = (await db.Set<MentionTopic>().AsNoTracking().Where(t => ids.Contains(t.MentionId)).Select(t => new { t.MentionId, t.TopicId }).ToListAsync(ct))
            .ToLookup(t => t.MentionId, t => t.TopicId);
        var channelIds = mentions.Select(m => m.ChannelId).Distinct().ToList();
        var channels = await db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return [.. mentions.Select(m => new ListeningMentionDto(m.Id, m.ChannelId, channels.GetValueOrDefault(m.ChannelId) ?? "", m.AuthorHandle, m.AuthorName, m.Subject, m.Text,
            m.CreatedAt, m.Language, m.Intent, m.Sentiment, m.SentimentScore, m.Urgency, m.Toxicity, m.Themes, m.KeyPhrases, [.. topics[m.Id]], m.ConversationId,
            m.Recommendation, m.RecommendationEvidence))];
    }

    public static TopicDto ToDto(Topic topic, int mentions)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return new(topic.Id, topic.Name, topic.Kind, topic.Query, topic.LanguageList, topic.CreatedAt, topic.UpdatedAt, mentions,
            topic.RematchPending, topic.RematchDone, topic.RematchTotal, topic.RematchedAt);
    }
}
