using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Listening.Alerts;

/// <summary>A mention that shows what an alert is about.</summary>
public sealed record AlertMessageDto(Guid Id, string AuthorName, string? Subject, string Text, string Sentiment, DateTime CreatedAt);

/// <summary>
/// An alert: what rose (Volume or NegativeShare) about which topic or theme, from when (StartedAt) to when (LastSeenAt;
/// EndedAt once over, null while it goes on), observed against expected over the episode (mentions, or a negative
/// share from 0 to 1), Summary saying it in words, the terms and mentions that drive it, MentionsLink to the Mentions
/// page filtered to it, and who acknowledged and resolved it, when.
/// </summary>
public sealed record AlertDto(Guid Id, AlertKind Kind, Guid? TopicId, string? Theme, string Name, DateTime StartedAt, DateTime LastSeenAt, DateTime? EndedAt,
    bool Ongoing, double Observed, double Expected, int Mentions, int NegativeMentions, double Score, string Summary, IReadOnlyList<string> Terms,
    IReadOnlyList<AlertMessageDto> Messages, string MentionsLink, AlertStatus Status, DateTime RaisedAt, DateTime? AcknowledgedAt, string? AcknowledgedBy,
    DateTime? ResolvedAt, string? ResolvedBy);

/// <summary>A topic's alert setting.</summary>
public sealed record AlertSensitivityRequest([property: System.ComponentModel.DataAnnotations.MaxLength(16)] string? Sensitivity);

public sealed record AlertSensitivityDto(Guid TopicId, string Name, AlertSensitivity Sensitivity);

/// <summary>What acknowledging or resolving came to.</summary>
public enum AlertChange
{
    Done,
    NotFound,
    AlreadyResolved,
}

/// <summary>
/// The one front door to alerts, for the API and the alerts page alike: it reads them, acknowledges and resolves them
/// (who and when, audited), and sets a topic's sensitivity. The scan (<see cref="AlertScan"/>) raises them.
/// </summary>
public sealed class AlertService(AuditLog audit, AlertWords words, TimeProvider clock)
{
    public const int MaxList = 200;

    /// <summary>The workspace's alerts, latest first: by status (Open, Acknowledged, Resolved), topic and kind.</summary>
    public async Task<List<AlertDto>> ListAsync(RapportDbContext db, string? timeZone, AlertStatus? status = null, Guid? topicId = null, AlertKind? kind = null,
        int limit = 50, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var query = db.Set<ListeningAlert>().AsNoTracking();
        if (status is { } s)
        {
            query = query.Where(a => a.Status == s);
        }
        if (topicId is { } t)
        {
            query = query.Where(a => a.TopicId == t);
        }
        if (kind is { } k)
        {
            query = query.Where(a => a.Kind == k);
        }
        var alerts = await query.OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id).Take(Math.Clamp(limit, 1, MaxList)).ToListAsync(ct);
        return await ToDtosAsync(db, alerts, timeZone, ct);
    }

    public async Task<AlertDto?> GetAsync(RapportDbContext db, Guid alertId, string? timeZone, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var alert = await db.Set<ListeningAlert>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == alertId, ct);
        return alert is null ? null : (await ToDtosAsync(db, [alert], timeZone, ct))[0];
    }

    /// <summary>Says someone has seen it: the first acknowledgement is kept.</summary>
    public Task<AlertChange> AcknowledgeAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid alertId, CancellationToken ct = default) =>
        ChangeAsync(db, actor, actorName, alertId, resolve: false, ct);

    /// <summary>Says it is dealt with (acknowledging it too when nobody had). The episode may go on: it is not raised again.</summary>
    public Task<AlertChange> ResolveAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid alertId, CancellationToken ct = default) =>
        ChangeAsync(db, actor, actorName, alertId, resolve: true, ct);

    private async Task<AlertChange> ChangeAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid alertId, bool resolve, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var alert = await db.Set<ListeningAlert>().FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null)
        {
            return AlertChange.NotFound;
        }
        if (alert.Status == AlertStatus.Resolved)
        {
            return resolve ? AlertChange.Done : AlertChange.AlreadyResolved;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var name = actorName ?? "";
        if (alert.AcknowledgedAt is null)
        {
            (alert.AcknowledgedAt, alert.AcknowledgedByUserId, alert.AcknowledgedBy) = (now, actor.UserId, name);
        }
        if (resolve)
        {
            (alert.ResolvedAt, alert.ResolvedByUserId, alert.ResolvedBy) = (now, actor.UserId, name);
        }
        alert.Status = resolve ? AlertStatus.Resolved : AlertStatus.Acknowledged;
        audit.Add(db, resolve ? "alert.resolved" : "alert.acknowledged", actor.WorkspaceId, actor.UserId, actorName, alert.ScopeName, alert.Kind.ToString());
        await db.SaveChangesAsync(ct);
        return AlertChange.Done;
    }

    /// <summary>Every topic with its sensitivity, by name.</summary>
    public async Task<List<AlertSensitivityDto>> SensitivitiesAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Set<Topic>().AsNoTracking().OrderBy(t => t.Name).Select(t => new AlertSensitivityDto(t.Id, t.Name, t.AlertSensitivity)).ToListAsync(ct);
    }

    /// <summary>Sets how readily a topic raises alerts: Low, Normal or High. Null when there is no such topic.</summary>
    public async Task<Change<AlertSensitivityDto>?> SetSensitivityAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid topicId, string? sensitivity,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var topic = await db.Set<Topic>().FirstOrDefaultAsync(t => t.Id == topicId, ct);
        if (topic is null)
        {
            return null;
        }
        if (!Enum.TryParse<AlertSensitivity>(sensitivity?.Trim(), ignoreCase: true, out var level) || !Enum.IsDefined(level) || int.TryParse(sensitivity, out _))
        {
            return new(null, new RuleViolation("sensitivity", "invalid", "The sensitivity is Low, Normal or High."));
        }
        if (topic.AlertSensitivity != level)
        {
            topic.AlertSensitivity = level;
            audit.Add(db, "topic.alert-sensitivity", actor.WorkspaceId, actor.UserId, actorName, topic.Name, level.ToString());
            await db.SaveChangesAsync(ct);
        }
        return new(new AlertSensitivityDto(topic.Id, topic.Name, level), null);
    }

    private async Task<List<AlertDto>> ToDtosAsync(RapportDbContext db, List<ListeningAlert> alerts, string? timeZone, CancellationToken ct)
    {
        var ids = alerts.SelectMany(a => a.MessageIds.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(Guid.Parse).Distinct().ToList();
        var messages = ids.Count == 0 ? [] : await db.Set<Mention>().AsNoTracking().Where(m => ids.Contains(m.Id))
            .Select(m => new AlertMessageDto(m.Id, m.AuthorName, m.Subject, m.Text, m.Sentiment, m.CreatedAt)).ToDictionaryAsync(m => m.Id, ct);
        return [.. alerts.Select(a => new AlertDto(a.Id, a.Kind, a.TopicId, a.TopicId is null ? a.Theme : null, words.Scope(a), a.StartedAt, a.LastSeenAt, a.EndedAt,
            a.EndedAt is null, a.Observed, a.Expected, a.Mentions, a.NegativeMentions, a.Score, words.Size(a, timeZone),
            a.Terms.Length == 0 ? [] : a.Terms.Split(','),
            [.. a.MessageIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).Where(messages.ContainsKey).Select(id => messages[id])],
            AlertLinks.Mentions(a), a.Status, a.RaisedAt, a.AcknowledgedAt, a.AcknowledgedBy, a.ResolvedAt, a.ResolvedBy))];
    }
}
