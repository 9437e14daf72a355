using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Channels;

/// <summary>What connecting, changing or disconnecting a channel came to: the channel, or why not (every rule broken, or no such channel).</summary>
public sealed record ChannelChange(Channel? Channel, IReadOnlyList<RuleViolation> Violations)
{
    public static readonly ChannelChange NotFound = new(null, []);

    public bool Saved => Channel is not null;
}

/// <summary>
/// Connects and changes channels for the API and the settings page alike, so both check the same rules, encrypt secrets
/// the same way and leave the same audit trail. Secrets are write-only: a value replaces the stored one, an empty value
/// removes it, a secret not named is kept.
/// </summary>
public sealed class ChannelChanges(ChannelSecrets secrets, AuditLog audit, TimeProvider clock)
{
    /// <summary>Adds a channel to <paramref name="actor"/>'s workspace; its settings must be complete for its kind.</summary>
    public async Task<ChannelChange> ConnectAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, ChannelRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if (ChannelRules.CheckKind(request.Kind) is { } violation)
        {
            return new(null, [violation]);
        }
        var channel = new Channel { WorkspaceId = actor.WorkspaceId, Name = "", Kind = request.Kind!.Value, CreatedAt = clock.GetUtcNow().UtcDateTime };
        // A new channel's settings are checked even when none were sent: a feed without its address connects to nothing.
        var violations = Apply(channel, request with { Name = request.Name ?? "" }, checkSettings: true);
        if (violations.Count > 0)
        {
            return new(null, violations);
        }
        db.Channels.Add(channel);
        audit.Add(db, "channel.created", actor.WorkspaceId, actor.UserId, actorName, channel.Name, channel.Kind.ToString());
        await db.SaveChangesAsync(ct);
        return new(channel, []);
    }

    /// <summary>Changes what the request names (name, direction, settings, secrets, paused) and keeps the rest.</summary>
    public async Task<ChannelChange> ChangeAsync(
        RapportDbContext db, WorkspaceMember actor, string? actorName, Guid channelId, ChannelRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return ChannelChange.NotFound;
        }
        if (ChannelRules.CheckKindChange(channel.Kind, request.Kind) is { } violation)
        {
            return new(null, [violation]);
        }
        var violations = Apply(channel, request, checkSettings: request.Settings is not null);
        if (violations.Count > 0)
        {
            return new(null, violations);
        }
        audit.Add(db, "channel.updated", actor.WorkspaceId, actor.UserId, actorName, channel.Name, What(request));
        await db.SaveChangesAsync(ct);
        return new(channel, []);
    }

    /// <summary>
    /// Removes a channel connected by mistake. One that has carried a message or a post is refused (pausing it keeps
    /// its conversations, reports and audit whole), as is one a service level policy still targets.
    /// </summary>
    public async Task<ChannelChange> DisconnectAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid channelId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        if (channel is null)
        {
            return ChannelChange.NotFound;
        }
        if (await db.Messages.AnyAsync(m => m.ChannelId == channelId, ct) || await db.OutboxItems.AnyAsync(o => o.ChannelId == channelId, ct))
        {
            return new(null, [new RuleViolation("channel", "Validation.ChannelHasMessages",
                "A channel that has carried messages or posts can be paused but not disconnected.")]);
        }
        if (await db.SlaPolicies.AnyAsync(p => p.ChannelId == channelId, ct))
        {
            return new(null, [new RuleViolation("channel", "Validation.ChannelHasSlaPolicy",
                "A service level policy applies to this channel: change or delete the policy first.")]);
        }
        // What a channel without messages can still have left: refused webhook deliveries' ids and failed imports.
        db.WebhookReceipts.RemoveRange(await db.WebhookReceipts.Where(r => r.ChannelId == channelId).ToListAsync(ct));
        db.ImportRuns.RemoveRange(await db.ImportRuns.Where(r => r.ChannelId == channelId).ToListAsync(ct));
        db.Channels.Remove(channel);
        audit.Add(db, "channel.deleted", actor.WorkspaceId, actor.UserId, actorName, channel.Name);
        await db.SaveChangesAsync(ct);
        return new(channel, []);
    }

    private List<RuleViolation> Apply(Channel channel, ChannelRequest request, bool checkSettings)
    {
        var settings = request.Settings?.GetRawText() ?? channel.Settings;
        List<RuleViolation> violations = [];
        if (request.Name is not null && ChannelRules.CheckName(request.Name) is { } name)
        {
            violations.Add(name);
        }
        if (request.Direction is { } direction && ChannelRules.CheckDirection(direction) is { } badDirection)
        {
            violations.Add(badDirection);
        }
        if (request.Settings is { } sent && ChannelRules.CheckSettings(sent) is { } notAnObject)
        {
            violations.Add(notAnObject);
        }
        else if (checkSettings)
        {
            violations.AddRange(ChannelSettingsRules.Check(channel.Kind, settings));
        }
        if (ChannelRules.CheckSecrets(request.Secrets) is { } badSecrets)
        {
            violations.Add(badSecrets);
        }
        else if (checkSettings || request.Secrets is not null)
        {
            violations.AddRange(ChannelSettingsRules.CheckSecrets(channel.Kind, secrets.Merged(channel.ProtectedSecrets, request.Secrets).Keys,
                request.Direction ?? channel.Direction));
        }
        if (violations.Count > 0)
        {
            return violations;
        }
        channel.Name = request.Name?.Trim() ?? channel.Name;
        channel.Direction = request.Direction ?? channel.Direction;
        channel.Settings = ChannelRules.OwnSettings(channel.Kind, channel.Settings, settings);
        if (request.Secrets is { } changes)
        {
            channel.ProtectedSecrets = secrets.Merge(channel.ProtectedSecrets, changes);
        }
        channel.Paused = request.Paused ?? channel.Paused;
        return violations;
    }

    /// <summary>What the audit log says changed.</summary>
    private static string What(ChannelRequest request) =>
        request is { Name: null, Direction: null, Settings: null, Secrets: null, Paused: { } paused }
            ? paused ? "paused" : "resumed"
            : request.Secrets is { Count: > 0 } ? "settings and secrets" : "settings";
}
