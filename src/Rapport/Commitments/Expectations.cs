using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Data;
using Rapport.Listening;

namespace Rapport.Commitments;

/// <summary>A theme people raise: a built-in societal theme (its id is the name, "Environment") or a theme topic (its id is the topic's).</summary>
public sealed record ExpectationThemeRef(string Id, string Name, bool BuiltIn);

/// <summary>A mention quoted as heard, its text kept as text.</summary>
public sealed record ExpectationQuote(Guid MentionId, DateTime CreatedAt, string AuthorName, string AuthorHandle, string Text, string Sentiment, string Language);

/// <summary>One theme in a period: its mentions by sentiment, the period before, its commitments and the latest quotes.</summary>
public sealed record ExpectationDto(
    string Id, string Name, bool BuiltIn, SentimentCounts Counts, SentimentCounts Previous, double? Change, int Commitments, bool HeardWithoutCommitment,
    IReadOnlyList<ExpectationQuote> Quotes);

/// <summary>What society expects of the brand in a period, theme by theme, for every mention or one topic's.</summary>
public sealed record ExpectationsDto(
    Guid? TopicId, string? TopicName, string TimeZone, DateOnly From, DateOnly To, DateOnly PreviousFrom, DateOnly PreviousTo, int Mentions,
    IReadOnlyList<ExpectationDto> Themes);

/// <summary>
/// The themes people raise about the brand: the understanding engine's built-in societal themes, stored on each
/// mention, and the workspace's own themes, written as topics of the kind Theme (matched at ingest and again when they
/// change, as every topic is). Noise is left out, as on the dashboards.
/// </summary>
public sealed class Expectations(TimeProvider clock)
{
    /// <summary>The latest quotes kept per theme.</summary>
    public const int QuotesPerTheme = 3;

    public static readonly IReadOnlyList<string> BuiltIn = Enum.GetNames<SocietalTheme>();

    public static bool IsBuiltIn(string? id) => id is not null && BuiltIn.Contains(id, StringComparer.Ordinal);

    /// <summary>Every theme of the context's workspace: the built-in ones, then the theme topics by name.</summary>
    public static async Task<List<ExpectationThemeRef>> ThemesAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var custom = await db.Set<Topic>().AsNoTracking().Where(t => t.Kind == TopicKind.Theme).OrderBy(t => t.Name)
            .Select(t => new { t.Id, t.Name }).ToListAsync(ct);
        return [.. BuiltIn.Select(b => new ExpectationThemeRef(b, b, true)), .. custom.Select(c => new ExpectationThemeRef(c.Id.ToString("D"), c.Name, false))];
    }

    /// <summary>The theme behind an id in the context's workspace, or null when it names none.</summary>
    public static async Task<ExpectationThemeRef?> FindAsync(RapportDbContext db, string? id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (IsBuiltIn(id))
        {
            return new ExpectationThemeRef(id!, id!, true);
        }
        if (!Guid.TryParse(id, out var topicId))
        {
            return null;
        }
        var topic = await db.Set<Topic>().AsNoTracking().Where(t => t.Id == topicId && t.Kind == TopicKind.Theme).Select(t => new { t.Id, t.Name }).FirstOrDefaultAsync(ct);
        return topic is null ? null : new ExpectationThemeRef(topic.Id.ToString("D"), topic.Name, false);
    }

    /// <summary>The workspace's mentions that raise a theme (noise left out), narrowed to those holding one of the words when some are given.</summary>
    public static IQueryable<Mention> Raising(RapportDbContext db, Guid workspaceId, string themeId, IReadOnlyList<string> foldedWords)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(foldedWords);
        var mentions = ListeningDashboard.NotNoise(db.Set<Mention>().AsNoTracking().Where(m => m.WorkspaceId == workspaceId));
        if (IsBuiltIn(themeId))
        {
            // Themes holds the names comma-separated; no name is part of another.
            mentions = mentions.Where(m => m.Themes.Contains(themeId));
        }
        else
        {
            var topicId = Guid.Parse(themeId);
            mentions = mentions.Where(m => db.Set<MentionTopic>().Any(t => t.TopicId == topicId && t.MentionId == m.Id));
        }
        return foldedWords.Count == 0 ? mentions : mentions.Where(AnyWord(foldedWords));
    }

    /// <summary>Words as a commitment keeps them ("emballage, packaging"), folded as the mentions' search text is.</summary>
    public static List<string> FoldWords(string? words) =>
        [.. (words ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Analysis.Text.TextFolding.Fold)
            .Where(w => w.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>The themes heard in a period, every mention or one topic's, each beside the period before.</summary>
    public async Task<ExpectationsDto?> ReadAsync(RapportDbContext db, Guid workspaceId, Guid? topicId, DashboardPeriod period, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(period);
        string? topicName = null;
        if (topicId is { } tid)
        {
            topicName = await db.Set<Topic>().AsNoTracking().Where(t => t.Id == tid && t.WorkspaceId == workspaceId).Select(t => t.Name).FirstOrDefaultAsync(ct);
            if (topicName is null)
            {
                return null;
            }
        }
        var zone = await ListeningDashboard.ZoneAsync(db, workspaceId, ct);
        var from = ListeningDashboard.StartOf(period.From, zone);
        var to = ListeningDashboard.StartOf(period.To.AddDays(1), zone);
        var previousFrom = ListeningDashboard.StartOf(period.PreviousFrom, zone);
        var themes = await ThemesAsync(db, ct);

        // Built-in themes: grouped by the stored list and sentiment, so the database returns a handful of rows whatever the volume.
        async Task<Dictionary<string, SentimentCounts>> BuiltInAsync(DateTime start, DateTime end)
        {
            var rows = await InScope(db, workspaceId, topicId).Where(m => m.CreatedAt >= start && m.CreatedAt < end && m.Themes != "")
                .GroupBy(m => new { m.Themes, m.Sentiment }).Select(g => new { g.Key.Themes, g.Key.Sentiment, Count = g.Count() }).ToListAsync(ct);
            var counts = new Dictionary<string, SentimentCounts>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                foreach (var theme in row.Themes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    counts[theme] = counts.GetValueOrDefault(theme, SentimentCounts.None).Add(row.Sentiment, row.Count);
                }
            }
            return counts;
        }

        var customIds = themes.Where(t => !t.BuiltIn).Select(t => Guid.Parse(t.Id)).ToList();
        async Task<Dictionary<string, SentimentCounts>> CustomAsync(DateTime start, DateTime end)
        {
            var links = db.Set<MentionTopic>().AsNoTracking()
                .Where(t => customIds.Contains(t.TopicId) && t.MentionCreatedAt >= start && t.MentionCreatedAt < end && !t.IsNoise);
            if (topicId is { } only)
            {
                links = links.Where(t => db.Set<MentionTopic>().Any(o => o.TopicId == only && o.MentionId == t.MentionId));
            }
            var rows = await links.GroupBy(t => new { t.TopicId, t.Sentiment }).Select(g => new { g.Key.TopicId, g.Key.Sentiment, Count = g.Count() }).ToListAsync(ct);
            var counts = new Dictionary<string, SentimentCounts>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var id = row.TopicId.ToString("D");
                counts[id] = counts.GetValueOrDefault(id, SentimentCounts.None).Add(row.Sentiment, row.Count);
            }
            return counts;
        }

        var now = await BuiltInAsync(from, to);
        var before = await BuiltInAsync(previousFrom, from);
        if (customIds.Count > 0)
        {
            foreach (var (k, v) in await CustomAsync(from, to))
            {
                now[k] = v;
            }
            foreach (var (k, v) in await CustomAsync(previousFrom, from))
            {
                before[k] = v;
            }
        }
        var mentions = await InScope(db, workspaceId, topicId).CountAsync(m => m.CreatedAt >= from && m.CreatedAt < to, ct);
        var committed = await db.Set<Commitment>().AsNoTracking().Where(c => c.WorkspaceId == workspaceId && c.Status != CommitmentStatus.Withdrawn)
            .GroupBy(c => c.Theme).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);

        var result = new List<ExpectationDto>();
        foreach (var theme in themes)
        {
            var counts = now.GetValueOrDefault(theme.Id, SentimentCounts.None);
            var previous = before.GetValueOrDefault(theme.Id, SentimentCounts.None);
            var quotes = counts.Mentions == 0 ? [] : await QuotesAsync(db, workspaceId, topicId, theme.Id, from, to, ct);
            var commitments = committed.GetValueOrDefault(theme.Id);
            result.Add(new ExpectationDto(theme.Id, theme.Name, theme.BuiltIn, counts, previous,
                previous.Mentions == 0 ? null : (counts.Mentions - previous.Mentions) / (double)previous.Mentions,
                commitments, counts.Mentions > 0 && commitments == 0, quotes));
        }
        return new ExpectationsDto(topicId, topicName, zone.Id, period.From, period.To, period.PreviousFrom, period.PreviousTo, mentions,
            [.. result.OrderByDescending(r => r.Counts.Mentions).ThenBy(r => r.BuiltIn ? 0 : 1).ThenBy(r => r.Name, StringComparer.Ordinal)]);
    }

    private static async Task<List<ExpectationQuote>> QuotesAsync(RapportDbContext db, Guid workspaceId, Guid? topicId, string themeId, DateTime from, DateTime to, CancellationToken ct)
    {
        var raising = Raising(db, workspaceId, themeId, []).Where(m => m.CreatedAt >= from && m.CreatedAt < to);
        if (topicId is { } only)
        {
            raising = raising.Where(m => db.Set<MentionTopic>().Any(t => t.TopicId == only && t.MentionId == m.Id));
        }
        return await raising.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(QuotesPerTheme)
            .Select(m => new ExpectationQuote(m.Id, m.CreatedAt, m.AuthorName, m.AuthorHandle, m.Text, m.Sentiment, m.Language)).ToListAsync(ct);
    }

    /// <summary>Today in the workspace's time zone.</summary>
    public async Task<DateOnly> TodayAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        var zone = await ListeningDashboard.ZoneAsync(db, workspaceId, ct);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime, zone));
    }

    private static IQueryable<Mention> InScope(RapportDbContext db, Guid workspaceId, Guid? topicId)
    {
        var mentions = ListeningDashboard.NotNoise(db.Set<Mention>().AsNoTracking().Where(m => m.WorkspaceId == workspaceId));
        return topicId is { } id ? mentions.Where(m => db.Set<MentionTopic>().Any(t => t.TopicId == id && t.MentionId == m.Id)) : mentions;
    }

    /// <summary>m.SearchText holds one of the words: one OR per word, each a parameter-free LIKE both databases run.</summary>
    private static Expression<Func<Mention, bool>> AnyWord(IReadOnlyList<string> words)
    {
        var m = Expression.Parameter(typeof(Mention), "m");
        var text = Expression.Property(m, nameof(Mention.SearchText));
        var contains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
        Expression? any = null;
        foreach (var word in words)
        {
            Expression one = Expression.Call(text, contains, Expression.Constant(word));
            any = any is null ? one : Expression.OrElse(any, one);
        }
        return Expression.Lambda<Func<Mention, bool>>(any ?? Expression.Constant(true), m);
    }
}
