using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Rapport.Audit;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Notifications;
using Rapport.Outbox;
using Rapport.Workspaces;

namespace Rapport.Automation;

/// <summary>
/// Runs a workspace's enabled rules for one trigger, in order, on a tracked conversation; the caller saves, so a message
/// and what the rules did with it land together. Rules change the conversation directly, never through
/// <see cref="ConversationActions.UpdateAsync"/>, so their own changes never trigger rules again.
/// Each rule that acts leaves an audit entry ("rule.applied").
/// </summary>
public sealed class AutomationEngine(Notifier notifier, OutboxSignal outbox, AuditLog audit, TimeProvider clock)
{
    public const string AuthorName = "Rapport";

    /// <summary>Runs the rules; <paramref name="message"/> is the customer message that triggered them, when there is one.</summary>
    public Task<int> RunAsync(RapportDbContext db, Conversation conversation, RuleTrigger trigger, Message? message, CancellationToken ct = default) =>
        RunAsync(db, conversation, [trigger], message, ct);

    /// <summary>
    /// Runs the rules of several triggers that one event fires (a first message both creates a conversation and is
    /// received), trigger after trigger in the order given, reading the rules once.
    /// </summary>
    public async Task<int> RunAsync(RapportDbContext db, Conversation conversation, IReadOnlyList<RuleTrigger> triggers, Message? message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        return await RunAsync(db, conversation, triggers, message, await EnabledRulesAsync(db, conversation.WorkspaceId, triggers, ct), ct);
    }

    /// <summary>
    /// A workspace's enabled rules for these triggers, tracked (a rule remembers whom it assigned last): read once
    /// for a batch of messages and handed to each <see cref="RunAsync(RapportDbContext, Conversation, IReadOnlyList{RuleTrigger}, Message?, IReadOnlyList{AutomationRule}, CancellationToken)"/>.
    /// </summary>
    public static async Task<IReadOnlyList<AutomationRule>> EnabledRulesAsync(RapportDbContext db, Guid workspaceId, IReadOnlyList<RuleTrigger> triggers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var wanted = triggers.ToList();
        return await db.AutomationRules.IgnoreQueryFilters()
            .Where(r => r.WorkspaceId == workspaceId && wanted.Contains(r.Trigger) && r.Enabled)
            .ToListAsync(ct);
    }

    /// <summary>Runs, for these triggers, the rules read beforehand by <see cref="EnabledRulesAsync"/>.</summary>
    public async Task<int> RunAsync(RapportDbContext db, Conversation conversation, IReadOnlyList<RuleTrigger> triggers, Message? message,
        IReadOnlyList<AutomationRule> enabledRules, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(enabledRules);
        var order = triggers.ToList();
        var rules = enabledRules
            .Where(r => order.Contains(r.Trigger))
            .OrderBy(r => order.IndexOf(r.Trigger)).ThenBy(r => r.Position).ThenBy(r => r.CreatedAt)
            .ToList();
        if (rules.Count == 0)
        {
            return 0;
        }
        var facts = await FactsAsync(db, conversation, message, ct);
        var applied = 0;
        foreach (var rule in rules.Where(r => Matches(r.Conditions, conversation, facts)))
        {
            var done = await ApplyAsync(db, rule, conversation, facts, ct);
            audit.Add(db, "rule.applied", conversation.WorkspaceId, null, $"{AuthorName}: {rule.Name}", conversation.Id.ToString(),
                $"{rule.Trigger}: {(done.Count == 0 ? "nothing to do" : string.Join(", ", done))}");
            applied++;
        }
        return applied;
    }

    /// <summary>What conditions look at, from the triggering message or else the latest customer message.</summary>
    internal sealed record Facts(string Text, string? Intent, string? Language, string? Sentiment, double NeedsAnswer, bool Vip, string? ExternalId);

    private static async Task<Facts> FactsAsync(RapportDbContext db, Conversation conversation, Message? message, CancellationToken ct)
    {
        if (message is null)
        {
            message = await db.Messages.IgnoreQueryFilters().Include(m => m.Analysis)
                .Where(m => m.ConversationId == conversation.Id && m.Direction == MessageDirection.Inbound)
                .OrderByDescending(m => m.CreatedAt).FirstOrDefaultAsync(ct);
        }
        var vip = conversation.Contact?.IsVip
            ?? await db.Contacts.IgnoreQueryFilters().Where(c => c.Id == conversation.ContactId).Select(c => c.IsVip).FirstOrDefaultAsync(ct);
        return new Facts(message?.Text ?? "", message?.Analysis?.Intent, message?.Analysis?.Language ?? conversation.Language, message?.Analysis?.Sentiment,
            Math.Max(conversation.NeedsAnswer, message?.Analysis?.NeedsAnswer ?? 0), vip, message?.ExternalId);
    }

    internal static bool Matches(RuleConditions when, Conversation conversation, Facts facts)
    {
        if (when.ChannelIds is { Count: > 0 } channels && !channels.Contains(conversation.ChannelId))
        {
            return false;
        }
        if (when.Intents is { Count: > 0 } intents && !intents.Contains(facts.Intent ?? "", StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }
        if (when.Languages is { Count: > 0 } languages && !languages.Contains(facts.Language ?? "", StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }
        if (when.Sentiments is { Count: > 0 } sentiments && !sentiments.Contains(facts.Sentiment ?? "", StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }
        if (when.MinNeedsAnswer is { } threshold && facts.NeedsAnswer < threshold)
        {
            return false;
        }
        if (when.VipOnly && !facts.Vip)
        {
            return false;
        }
        var compare = CultureInfo.InvariantCulture.CompareInfo;
        return when.Keywords is not { Count: > 0 } keywords
            || keywords.Any(k => k.Length > 0 && compare.IndexOf(facts.Text, k, CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace) >= 0);
    }

    private async Task<List<string>> ApplyAsync(RapportDbContext db, AutomationRule rule, Conversation conversation, Facts facts, CancellationToken ct)
    {
        var then = rule.Actions;
        var done = new List<string>();
        var now = clock.GetUtcNow().UtcDateTime;
        if (then.AssignToTeamId is { } teamId && await db.Teams.IgnoreQueryFilters().AnyAsync(t => t.Id == teamId && t.WorkspaceId == rule.WorkspaceId, ct))
        {
            conversation.TeamId = teamId;
            var members = await db.TeamMembers.Where(m => m.TeamId == teamId)
                .Join(db.Memberships.IgnoreQueryFilters().Where(m => m.WorkspaceId == rule.WorkspaceId && m.Role != Role.Analyst), t => t.UserId, m => m.UserId, (t, m) => t.UserId)
                .OrderBy(id => id).ToListAsync(ct);
            // Round-robin: start after the member this rule assigned last, skip whoever is at capacity.
            var start = rule.LastAssigneeId is { } last && members.IndexOf(last) is var index and >= 0 ? index + 1 : 0;
            Guid? chosen = null;
            for (var i = 0; i < members.Count && chosen is null; i++)
            {
                var candidate = members[(start + i) % members.Count];
                if (await HasRoomAsync(db, rule.WorkspaceId, candidate, then.Capacity, ct))
                {
                    chosen = candidate;
                }
            }
            done.Add($"team {teamId}");
            if (chosen is { } assignee)
            {
                Assign(db, conversation, assignee, now, $"{rule.Name}: {conversation.Subject ?? Excerpt(facts.Text)}");
                rule.LastAssigneeId = assignee;
                done.Add($"assigned {assignee}");
            }
            else
            {
                done.Add("every member at capacity: left for the team");
            }
        }
        else if (then.AssignToUserId is { } userId
            && await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.WorkspaceId == rule.WorkspaceId && m.UserId == userId && m.Role != Role.Analyst, ct))
        {
            if (await HasRoomAsync(db, rule.WorkspaceId, userId, then.Capacity, ct))
            {
                Assign(db, conversation, userId, now, $"{rule.Name}: {conversation.Subject ?? Excerpt(facts.Text)}");
                done.Add($"assigned {userId}");
            }
            else
            {
                done.Add($"{userId} at capacity: not assigned");
            }
        }
        foreach (var labelId in then.LabelIds ?? [])
        {
            if (await db.Labels.IgnoreQueryFilters().AnyAsync(l => l.Id == labelId && l.WorkspaceId == rule.WorkspaceId, ct)
                && !conversation.Labels.Any(l => l.LabelId == labelId)
                && !(db.Entry(conversation).State != Microsoft.EntityFrameworkCore.EntityState.Added
                    && await db.ConversationLabels.AnyAsync(l => l.ConversationId == conversation.Id && l.LabelId == labelId, ct)))
            {
                // Added to the context, not only to the conversation's labels: ingest does not look for what was added to a new conversation.
                db.ConversationLabels.Add(new ConversationLabel { ConversationId = conversation.Id, LabelId = labelId });
                done.Add($"label {labelId}");
            }
        }
        if (then.Priority is { } priority && priority != conversation.Priority)
        {
            conversation.Priority = priority;
            done.Add($"priority {priority}");
        }
        if (then.Status is { } status && status != conversation.Status && status != ConversationStatus.Snoozed)
        {
            ConversationActions.SetStatus(db, conversation, status, null, now);
            done.Add($"status {status}");
        }
        if (then.SetAsideAsNoise && !conversation.IsNoise)
        {
            conversation.IsNoise = true;
            done.Add("set aside as noise");
        }
        if (then.ReplyText is { Length: > 0 } reply)
        {
            // An automatic acknowledgement goes out like an agent's reply, but is not the brand's response: the
            // conversation still waits for a person, and response times are not flattered.
            var message = ConversationActions.RecordAutomatedReply(db, conversation, AuthorName, reply, now);
            message.InReplyToExternalId = facts.ExternalId;
            db.OutboxItems.Add(OutboxService.NewReplyItem(conversation, message, facts.ExternalId, AuthorName, now));
            outbox.Notify();
            done.Add("reply queued");
        }
        foreach (var userId in then.NotifyUserIds ?? [])
        {
            if (await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.WorkspaceId == rule.WorkspaceId && m.UserId == userId, ct))
            {
                notifier.Add(db, conversation.WorkspaceId, userId, "rule.notify", $"{rule.Name}: {conversation.Subject ?? Excerpt(facts.Text)}", conversation.Id);
                done.Add($"notified {userId}");
            }
        }
        return done;
    }

    // notice: the data of the assignee's notification (the rule, the conversation); the bell says what happened.
    private void Assign(RapportDbContext db, Conversation conversation, Guid assignee, DateTime now, string notice)
    {
        if (conversation.AssigneeId == assignee)
        {
            return;
        }
        conversation.AssigneeId = assignee;
        db.ReportingEvents.Add(ConversationActions.Event(conversation, Reports.ReportingEventNames.AssigneeChanged, null, now, now));
        notifier.Add(db, conversation.WorkspaceId, assignee, "conversation.assigned", notice, conversation.Id);
    }

    /// <summary>
    /// Whether a member holds fewer open conversations than the capacity (resolved and noise do not count): what is
    /// stored, corrected by the conversations not saved yet (assigned earlier in the same batch of messages).
    /// </summary>
    private static async Task<bool> HasRoomAsync(RapportDbContext db, Guid workspaceId, Guid userId, int? capacity, CancellationToken ct)
    {
        if (capacity is not { } limit)
        {
            return true;
        }
        var held = await db.Conversations.IgnoreQueryFilters().CountAsync(c => c.WorkspaceId == workspaceId && c.AssigneeId == userId
            && c.Status != ConversationStatus.Resolved && !c.IsNoise, ct);
        foreach (var entry in db.ChangeTracker.Entries<Conversation>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                var stored = entry.State == EntityState.Modified && Holds(entry.OriginalValues.ToObject() as Conversation, workspaceId, userId);
                held += (Holds(entry.Entity, workspaceId, userId) ? 1 : 0) - (stored ? 1 : 0);
            }
        }
        return held < limit;
    }

    private static bool Holds(Conversation? c, Guid workspaceId, Guid userId) =>
        c is not null && c.WorkspaceId == workspaceId && c.AssigneeId == userId && c.Status != ConversationStatus.Resolved && !c.IsNoise;

    private static string Excerpt(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
