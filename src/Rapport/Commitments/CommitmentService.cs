using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Listening;
using Rapport.Workspaces;

namespace Rapport.Commitments;

/// <summary>A commitment to create, or what to change of one: what is left out (null) stays as it is.</summary>
public sealed record CommitmentRequest(
    [property: MaxLength(Commitment.MaxTitleLength)] string? TitleFr = null,
    [property: MaxLength(Commitment.MaxTitleLength)] string? TitleEn = null,
    [property: MaxLength(Commitment.MaxTextLength)] string? TextFr = null,
    [property: MaxLength(Commitment.MaxTextLength)] string? TextEn = null,
    [property: MaxLength(Commitment.MaxThemeLength)] string? Theme = null,
    [property: MaxLength(Commitment.MaxWordsLength)] string? Words = null,
    double? Baseline = null, double? Target = null,
    [property: MaxLength(Commitment.MaxUnitLength)] string? Unit = null,
    DateOnly? StartedOn = null, DateOnly? Deadline = null,
    [property: MaxLength(Commitment.MaxOwnerLength)] string? Owner = null,
    CommitmentStatus? Status = null, bool? Published = null);

/// <summary>A progress update: the day, the figure reached if any, what was done in French and English, and the evidence.</summary>
public sealed record CommitmentUpdateRequest(
    DateOnly? On = null, double? Value = null,
    [property: MaxLength(Commitment.MaxTextLength)] string? TextFr = null,
    [property: MaxLength(Commitment.MaxTextLength)] string? TextEn = null,
    [property: MaxLength(CommitmentUpdate.MaxEvidenceLength)] string? EvidenceUrl = null);

public sealed record CommitmentUpdateDto(Guid Id, DateOnly On, double? Value, string TextFr, string TextEn, string EvidenceUrl, DateTime CreatedAt);

/// <summary>One week of what people said about a commitment (its first day, the workspace's).</summary>
public sealed record HeardWeek(DateOnly Start, SentimentCounts Counts);

/// <summary>
/// What people say about a commitment: its theme's mentions holding its words, over the last 30 days against the 30
/// before, and week by week over the last <see cref="CommitmentService.HeardWeeks"/> weeks.
/// </summary>
public sealed record CommitmentHeard(SentimentCounts Last30Days, SentimentCounts Previous30Days, IReadOnlyList<HeardWeek> Weeks);

public sealed record CommitmentDto(
    Guid Id, string TitleFr, string TitleEn, string TextFr, string TextEn, string Theme, string ThemeName, bool ThemeBuiltIn, string Words,
    double? Baseline, double? Target, string Unit, double? Current, double? Progress, DateOnly StartedOn, DateOnly? Deadline, string Owner,
    CommitmentStatus Status, bool Published, bool Overdue, bool OffTrack, DateTime CreatedAt, DateTime UpdatedAt,
    IReadOnlyList<CommitmentUpdateDto> Updates, CommitmentHeard Heard);

public sealed record TransparencySettingsDto(bool PublicPage, string? Path = null);

/// <summary>Turns the public transparency page on or off.</summary>
public sealed record TransparencyRequest(bool PublicPage);

/// <summary>What a change came to: the commitment, or why not (the rules broken, or no such commitment).</summary>
public sealed record CommitmentChange(Commitment? Commitment, IReadOnlyList<RuleViolation> Violations)
{
    public static readonly CommitmentChange NotFound = new(null, []);

    public bool Saved => Commitment is not null;
}

/// <summary>What adding or deleting an update came to.</summary>
public sealed record CommitmentUpdateChange(CommitmentUpdate? Update, IReadOnlyList<RuleViolation> Violations)
{
    public static readonly CommitmentUpdateChange NotFound = new(null, []);

    public bool Saved => Update is not null;
}

/// <summary>
/// The one front door to commitments, their progress updates and the public page's switch, for the API and the pages
/// alike: it checks the rules, saves with the audit entry, and reads each commitment with its flags and what people say.
/// </summary>
public sealed class CommitmentService(AuditLog audit, TimeProvider clock)
{
    /// <summary>How many weeks of what people say a commitment shows.</summary>
    public const int HeardWeeks = 12;

    /// <summary>How far behind the straight line from baseline to target a commitment in progress may fall before it is off track.</summary>
    public const double OffTrackMargin = 0.15;

    /// <summary>The largest figure a baseline, target or update holds, either sign.</summary>
    public const double MaxFigure = 1e12;

    public async Task<List<CommitmentDto>> ListAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var commitments = await db.Set<Commitment>().AsNoTracking().Where(c => c.WorkspaceId == workspaceId).ToListAsync(ct);
        return await ReadAsync(db, workspaceId, commitments, ct);
    }

    public async Task<CommitmentDto?> GetAsync(RapportDbContext db, Guid workspaceId, Guid commitmentId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var commitment = await db.Set<Commitment>().AsNoTracking().Where(c => c.WorkspaceId == workspaceId && c.Id == commitmentId).ToListAsync(ct);
        return (await ReadAsync(db, workspaceId, commitment, ct)).SingleOrDefault();
    }

    /// <summary>
    /// The published commitments only, for the public page (never a draft). <paramref name="withHeard"/> false leaves out
    /// what people say (the feed does not show it, and reading it costs a query per commitment).
    /// </summary>
    public async Task<List<CommitmentDto>> PublishedAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default, bool withHeard = true)
    {
        ArgumentNullException.ThrowIfNull(db);
        var commitments = await db.Set<Commitment>().AsNoTracking().Where(c => c.WorkspaceId == workspaceId && c.IsPublished).ToListAsync(ct);
        return await ReadAsync(db, workspaceId, commitments, ct, withHeard);
    }

    private async Task<List<CommitmentDto>> ReadAsync(RapportDbContext db, Guid workspaceId, List<Commitment> commitments, CancellationToken ct, bool withHeard = true)
    {
        var ids = commitments.Select(c => c.Id).ToList();
        var updates = (await db.Set<CommitmentUpdate>().AsNoTracking().Where(u => u.WorkspaceId == workspaceId && ids.Contains(u.CommitmentId)).ToListAsync(ct))
            .OrderByDescending(u => u.On).ThenByDescending(u => u.CreatedAt).ToLookup(u => u.CommitmentId);
        var themes = (await Expectations.ThemesAsync(db, ct)).ToDictionary(t => t.Id, StringComparer.Ordinal);
        var zone = await ListeningDashboard.ZoneAsync(db, workspaceId, ct);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(clock.GetUtcNow().UtcDateTime, zone));
        var list = new List<CommitmentDto>();
        foreach (var c in commitments)
        {
            var mine = updates[c.Id].ToList();
            var current = mine.FirstOrDefault(u => u.Value is not null)?.Value ?? c.Baseline;
            var progress = ProgressOf(c.Baseline, c.Target, current);
            var open = c.Status is CommitmentStatus.Planned or CommitmentStatus.InProgress;
            var overdue = open && c.Deadline is { } deadline && deadline < today;
            var offTrack = open && !overdue && IsOffTrack(c.StartedOn, c.Deadline, progress, today);
            var theme = themes.GetValueOrDefault(c.Theme);
            list.Add(new CommitmentDto(c.Id, c.TitleFr, c.TitleEn, c.TextFr, c.TextEn, c.Theme, theme?.Name ?? c.Theme, theme?.BuiltIn ?? false, c.Words,
                c.Baseline, c.Target, c.Unit, current, progress, c.StartedOn, c.Deadline, c.Owner, c.Status, c.IsPublished, overdue, offTrack, c.CreatedAt, c.UpdatedAt,
                [.. mine.Select(u => new CommitmentUpdateDto(u.Id, u.On, u.Value, u.TextFr, u.TextEn, u.EvidenceUrl, u.CreatedAt))],
                theme is null || !withHeard ? new CommitmentHeard(SentimentCounts.None, SentimentCounts.None, []) : await HeardAsync(db, workspaceId, c, zone, today, ct)));
        }
        return [.. list.OrderBy(c => c.Status is CommitmentStatus.Achieved or CommitmentStatus.Missed or CommitmentStatus.Withdrawn ? 1 : 0)
            .ThenBy(c => c.Deadline ?? DateOnly.MaxValue).ThenBy(c => c.TitleEn.Length > 0 ? c.TitleEn : c.TitleFr, StringComparer.Ordinal)];
    }

    /// <summary>The share of the way from baseline to target (0 to 1), or null without both figures and a current one.</summary>
    public static double? ProgressOf(double? baseline, double? target, double? current)
    {
        if (baseline is not { } b || target is not { } t || current is not { } c || t == b)
        {
            return null;
        }
        return Math.Clamp((c - b) / (t - b), 0, 1);
    }

    /// <summary>Behind the straight line from the start to the deadline by more than <see cref="OffTrackMargin"/>.</summary>
    public static bool IsOffTrack(DateOnly startedOn, DateOnly? deadline, double? progress, DateOnly today)
    {
        if (deadline is not { } end || progress is not { } done || end.DayNumber <= startedOn.DayNumber || today <= startedOn)
        {
            return false;
        }
        var expected = Math.Clamp((today.DayNumber - startedOn.DayNumber) / (double)(end.DayNumber - startedOn.DayNumber), 0, 1);
        return done < expected - OffTrackMargin;
    }

    private static async Task<CommitmentHeard> HeardAsync(RapportDbContext db, Guid workspaceId, Commitment c, TimeZoneInfo zone, DateOnly today, CancellationToken ct)
    {
        var weeksFrom = today.AddDays(1 - (HeardWeeks * 7));
        var earliest = today.AddDays(-59) < weeksFrom ? today.AddDays(-59) : weeksFrom;
        var from = ListeningDashboard.StartOf(earliest, zone);
        var to = ListeningDashboard.StartOf(today.AddDays(1), zone);
        var rows = await Expectations.Raising(db, workspaceId, c.Theme, Expectations.FoldWords(c.Words))
            .Where(m => m.CreatedAt >= from && m.CreatedAt < to).Select(m => new { m.CreatedAt, m.Sentiment }).ToListAsync(ct);
        var weeks = new SentimentCounts[HeardWeeks];
        Array.Fill(weeks, SentimentCounts.None);
        var last30 = SentimentCounts.None;
        var previous30 = SentimentCounts.None;
        foreach (var r in rows)
        {
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc), zone));
            var ago = today.DayNumber - day.DayNumber;
            if (ago is >= 0 and < 30)
            {
                last30 = last30.Add(r.Sentiment, 1);
            }
            else if (ago is >= 30 and < 60)
            {
                previous30 = previous30.Add(r.Sentiment, 1);
            }
            if (day >= weeksFrom && day <= today)
            {
                var i = (day.DayNumber - weeksFrom.DayNumber) / 7;
                weeks[i] = weeks[i].Add(r.Sentiment, 1);
            }
        }
        return new CommitmentHeard(last30, previous30, [.. weeks.Select((w, i) => new HeardWeek(weeksFrom.AddDays(i * 7), w))]);
    }

    public async Task<CommitmentChange> CreateAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, CommitmentRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var now = clock.GetUtcNow().UtcDateTime;
        var zone = await ListeningDashboard.ZoneAsync(db, actor.WorkspaceId, ct);
        var commitment = new Commitment
        {
            WorkspaceId = actor.WorkspaceId,
            CreatedAt = now,
            CreatedByUserId = actor.UserId,
            StartedOn = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, zone)),
        };
        var violations = await ApplyAsync(db, commitment, request, isNew: true, ct);
        if (violations.Count > 0)
        {
            return new(null, violations);
        }
        db.Set<Commitment>().Add(commitment);
        audit.Add(db, "commitment.created", actor.WorkspaceId, actor.UserId, actorName, TitleOf(commitment), commitment.Theme);
        await db.SaveChangesAsync(ct);
        return new(commitment, []);
    }

    public async Task<CommitmentChange> ChangeAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid commitmentId, CommitmentRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var commitment = await db.Set<Commitment>().FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.Id == commitmentId, ct);
        if (commitment is null)
        {
            return CommitmentChange.NotFound;
        }
        var violations = await ApplyAsync(db, commitment, request, isNew: false, ct);
        if (violations.Count > 0)
        {
            return new(null, violations);
        }
        audit.Add(db, "commitment.updated", actor.WorkspaceId, actor.UserId, actorName, TitleOf(commitment), $"{commitment.Status}, {(commitment.IsPublished ? "published" : "not published")}");
        await db.SaveChangesAsync(ct);
        return new(commitment, []);
    }

    public async Task<CommitmentChange> DeleteAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid commitmentId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var commitment = await db.Set<Commitment>().FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.Id == commitmentId, ct);
        if (commitment is null)
        {
            return CommitmentChange.NotFound;
        }
        db.Set<CommitmentUpdate>().RemoveRange(await db.Set<CommitmentUpdate>().Where(u => u.CommitmentId == commitmentId).ToListAsync(ct));
        db.Set<Commitment>().Remove(commitment);
        audit.Add(db, "commitment.deleted", actor.WorkspaceId, actor.UserId, actorName, TitleOf(commitment));
        await db.SaveChangesAsync(ct);
        return new(commitment, []);
    }

    public async Task<CommitmentUpdateChange> AddUpdateAsync(
        RapportDbContext db, WorkspaceMember actor, string? actorName, Guid commitmentId, CommitmentUpdateRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var commitment = await db.Set<Commitment>().FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.Id == commitmentId, ct);
        if (commitment is null)
        {
            return CommitmentUpdateChange.NotFound;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var zone = await ListeningDashboard.ZoneAsync(db, actor.WorkspaceId, ct);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, zone));
        var violations = new List<RuleViolation>();
        var textFr = request.TextFr?.Trim() ?? "";
        var textEn = request.TextEn?.Trim() ?? "";
        if ((textFr.Length == 0 && textEn.Length == 0) || textFr.Length > Commitment.MaxTextLength || textEn.Length > Commitment.MaxTextLength)
        {
            violations.Add(new("text", "Validation.Commitment.UpdateText", $"Say what was done, in French or English or both, in at most {Commitment.MaxTextLength} characters each."));
        }
        var on = request.On ?? today;
        if (on > today.AddDays(1) || on.Year < 2000)
        {
            violations.Add(new("on", "Validation.Commitment.UpdateDay", "An update speaks of a day that has come, from the year 2000 on."));
        }
        if (request.Value is { } v && !Figure(v))
        {
            violations.Add(new("value", "Validation.Commitment.Figure", $"Figures are numbers between -{MaxFigure:0} and {MaxFigure:0}."));
        }
        var evidence = request.EvidenceUrl?.Trim() ?? "";
        if (evidence.Length > 0 && !IsWebLink(evidence))
        {
            violations.Add(new("evidenceUrl", "Validation.Commitment.Evidence", $"The evidence is a web address starting with https:// or http://, of at most {CommitmentUpdate.MaxEvidenceLength} characters."));
        }
        if (violations.Count > 0)
        {
            return new(null, violations);
        }
        var update = new CommitmentUpdate
        {
            WorkspaceId = actor.WorkspaceId,
            CommitmentId = commitmentId,
            On = on,
            Value = request.Value,
            TextFr = textFr,
            TextEn = textEn,
            EvidenceUrl = evidence,
            CreatedAt = now,
            CreatedByUserId = actor.UserId,
        };
        db.Set<CommitmentUpdate>().Add(update);
        commitment.UpdatedAt = now;
        if (commitment.Status == CommitmentStatus.Planned)
        {
            commitment.Status = CommitmentStatus.InProgress;
        }
        audit.Add(db, "commitment.progress", actor.WorkspaceId, actor.UserId, actorName, TitleOf(commitment), request.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await db.SaveChangesAsync(ct);
        return new(update, []);
    }

    public async Task<CommitmentUpdateChange> DeleteUpdateAsync(
        RapportDbContext db, WorkspaceMember actor, string? actorName, Guid commitmentId, Guid updateId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var update = await db.Set<CommitmentUpdate>().FirstOrDefaultAsync(u => u.WorkspaceId == actor.WorkspaceId && u.CommitmentId == commitmentId && u.Id == updateId, ct);
        if (update is null)
        {
            return CommitmentUpdateChange.NotFound;
        }
        var title = await db.Set<Commitment>().Where(c => c.Id == commitmentId).Select(c => c.TitleEn != "" ? c.TitleEn : c.TitleFr).FirstOrDefaultAsync(ct);
        db.Set<CommitmentUpdate>().Remove(update);
        audit.Add(db, "commitment.progress_deleted", actor.WorkspaceId, actor.UserId, actorName, title, update.On.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await db.SaveChangesAsync(ct);
        return new(update, []);
    }

    /// <summary>The public page's switch for the context's workspace (off until turned on).</summary>
    public static async Task<TransparencySettingsDto> SettingsAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var on = await db.Set<TransparencySettings>().AsNoTracking().Where(s => s.WorkspaceId == workspaceId).Select(s => s.PublicPage).FirstOrDefaultAsync(ct);
        var slug = await db.Workspaces.AsNoTracking().Where(w => w.Id == workspaceId).Select(w => w.Slug).FirstOrDefaultAsync(ct);
        return new TransparencySettingsDto(on, slug is null ? null : PublicPath(slug));
    }

    public static string PublicPath(string slug) => "/transparency/" + Uri.EscapeDataString(slug);

    public async Task<TransparencySettingsDto> SetPublicPageAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, bool on, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var settings = await db.Set<TransparencySettings>().FirstOrDefaultAsync(s => s.WorkspaceId == actor.WorkspaceId, ct);
        if (settings is null)
        {
            settings = new TransparencySettings { WorkspaceId = actor.WorkspaceId };
            db.Set<TransparencySettings>().Add(settings);
        }
        if (settings.PublicPage != on || db.Entry(settings).State == EntityState.Added)
        {
            settings.PublicPage = on;
            settings.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            audit.Add(db, on ? "transparency.on" : "transparency.off", actor.WorkspaceId, actor.UserId, actorName);
            await db.SaveChangesAsync(ct);
        }
        return await SettingsAsync(db, actor.WorkspaceId, ct);
    }

    private async Task<List<RuleViolation>> ApplyAsync(RapportDbContext db, Commitment c, CommitmentRequest r, bool isNew, CancellationToken ct)
    {
        var violations = new List<RuleViolation>();
        var titleFr = r.TitleFr?.Trim() ?? c.TitleFr;
        var titleEn = r.TitleEn?.Trim() ?? c.TitleEn;
        if ((titleFr.Length == 0 && titleEn.Length == 0) || titleFr.Length > Commitment.MaxTitleLength || titleEn.Length > Commitment.MaxTitleLength)
        {
            violations.Add(new("title", "Validation.Commitment.Title", $"A title in French or English or both is required, of at most {Commitment.MaxTitleLength} characters each."));
        }
        var textFr = r.TextFr?.Trim() ?? c.TextFr;
        var textEn = r.TextEn?.Trim() ?? c.TextEn;
        if (textFr.Length > Commitment.MaxTextLength || textEn.Length > Commitment.MaxTextLength)
        {
            violations.Add(new("text", "Validation.Commitment.Text", $"The text is at most {Commitment.MaxTextLength} characters in each language."));
        }
        var theme = r.Theme?.Trim() ?? c.Theme;
        if (isNew || r.Theme is not null)
        {
            if (await Expectations.FindAsync(db, theme, ct) is not { } found)
            {
                violations.Add(new("theme", "Validation.Commitment.Theme",
                    $"The theme is one of {string.Join(", ", Expectations.BuiltIn)}, or the id of one of the workspace's theme topics."));
            }
            else
            {
                theme = found.Id;
            }
        }
        var words = r.Words is null ? c.Words : string.Join(", ", r.Words.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var wordList = words.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length > Commitment.MaxWordsLength || wordList.Length > Commitment.MaxWords || wordList.Any(w => w.Length < 2))
        {
            violations.Add(new("words", "Validation.Commitment.Words", $"At most {Commitment.MaxWords} words or phrases, comma-separated, of 2 characters or more."));
        }
        var baseline = r.Baseline ?? c.Baseline;
        var target = r.Target ?? c.Target;
        if ((baseline is { } b && !Figure(b)) || (target is { } t && !Figure(t)))
        {
            violations.Add(new("target", "Validation.Commitment.Figure", $"Figures are numbers between -{MaxFigure:0} and {MaxFigure:0}."));
        }
        var unit = r.Unit?.Trim() ?? c.Unit;
        if (unit.Length > Commitment.MaxUnitLength)
        {
            violations.Add(new("unit", "Validation.Commitment.Unit", $"The unit is at most {Commitment.MaxUnitLength} characters."));
        }
        var owner = r.Owner?.Trim() ?? c.Owner;
        if (owner.Length > Commitment.MaxOwnerLength)
        {
            violations.Add(new("owner", "Validation.Commitment.Owner", $"The owner is at most {Commitment.MaxOwnerLength} characters."));
        }
        var startedOn = r.StartedOn ?? c.StartedOn;
        var deadline = r.Deadline ?? c.Deadline;
        if (startedOn.Year < 2000 || startedOn.Year > 2200 || (deadline is { } d && (d < startedOn || d.Year > 2200)))
        {
            violations.Add(new("deadline", "Validation.Commitment.Deadline", "The deadline comes on or after the day the commitment was made, both between the years 2000 and 2200."));
        }
        var status = r.Status ?? c.Status;
        if (!Enum.IsDefined(status))
        {
            violations.Add(new("status", "Validation.Commitment.Status", "The status is Planned, InProgress, Achieved, Missed or Withdrawn."));
        }
        if (violations.Count > 0)
        {
            return violations;
        }
        (c.TitleFr, c.TitleEn, c.TextFr, c.TextEn, c.Theme, c.Words) = (titleFr, titleEn, textFr, textEn, theme, words);
        (c.Baseline, c.Target, c.Unit, c.Owner, c.StartedOn, c.Deadline, c.Status) = (baseline, target, unit, owner, startedOn, deadline, status);
        c.IsPublished = r.Published ?? c.IsPublished;
        c.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        return violations;
    }

    private static bool Figure(double value) => double.IsFinite(value) && Math.Abs(value) <= MaxFigure;

    private static bool IsWebLink(string url) =>
        url.Length <= CommitmentUpdate.MaxEvidenceLength && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.Host.Length > 0;

    private static string TitleOf(Commitment c) => c.TitleEn.Length > 0 ? c.TitleEn : c.TitleFr;
}
