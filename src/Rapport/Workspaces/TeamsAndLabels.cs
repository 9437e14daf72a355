using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;

namespace Rapport.Workspaces;

/// <summary>
/// The one front door to a workspace's labels and teams, for the settings pages and the API alike: the rules of
/// <see cref="LabelRules"/> and <see cref="TeamRules"/>, the save, and its audit entry.
/// </summary>
public sealed class TeamsAndLabels(AuditLog audit)
{
    /// <summary>Creates a label (<paramref name="labelId"/> null), or renames or recolours one.</summary>
    public async Task<Change<Label>> SaveLabelAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid? labelId, string? name, string? color,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var label = labelId is { } id ? await db.Labels.FirstOrDefaultAsync(l => l.Id == id, ct) : new Label { WorkspaceId = actor.WorkspaceId, Name = "" };
        if (label is null)
        {
            return Change<Label>.NotFound;
        }
        if (await LabelRules.ApplyAsync(db, label, name, color, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (labelId is null)
        {
            db.Labels.Add(label);
        }
        audit.Add(db, labelId is null ? "label.created" : "label.updated", actor.WorkspaceId, actor.UserId, actorName, label.Name);
        await db.SaveChangesAsync(ct);
        return new(label, null);
    }

    /// <summary>Deletes a label; it comes off every conversation with it.</summary>
    public async Task<Change<Label>> DeleteLabelAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid labelId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var label = await db.Labels.FirstOrDefaultAsync(l => l.Id == labelId, ct);
        if (label is null)
        {
            return Change<Label>.NotFound;
        }
        db.Labels.Remove(label);
        audit.Add(db, "label.deleted", actor.WorkspaceId, actor.UserId, actorName, label.Name);
        await db.SaveChangesAsync(ct);
        return new(label, null);
    }

    /// <summary>Creates a team (<paramref name="teamId"/> null), or renames one and sets its members.</summary>
    public async Task<Change<Team>> SaveTeamAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid? teamId, string? name,
        IReadOnlyCollection<Guid>? memberIds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var team = teamId is { } id
            ? await db.Teams.Include(t => t.Members).FirstOrDefaultAsync(t => t.Id == id, ct)
            : new Team { WorkspaceId = actor.WorkspaceId, Name = "" };
        if (team is null)
        {
            return Change<Team>.NotFound;
        }
        if (await TeamRules.ApplyAsync(db, team, name, memberIds, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (teamId is null)
        {
            db.Teams.Add(team);
        }
        audit.Add(db, teamId is null ? "team.created" : "team.updated", actor.WorkspaceId, actor.UserId, actorName, team.Name);
        await db.SaveChangesAsync(ct);
        return new(team, null);
    }

    /// <summary>Deletes a team; its conversations stay, with no team.</summary>
    public async Task<Change<Team>> DeleteTeamAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid teamId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Id == teamId, ct);
        if (team is null)
        {
            return Change<Team>.NotFound;
        }
        await db.Conversations.Where(c => c.TeamId == teamId).ExecuteUpdateAsync(s => s.SetProperty(c => c.TeamId, (Guid?)null), ct);
        db.Teams.Remove(team);
        audit.Add(db, "team.deleted", actor.WorkspaceId, actor.UserId, actorName, team.Name);
        await db.SaveChangesAsync(ct);
        return new(team, null);
    }
}
