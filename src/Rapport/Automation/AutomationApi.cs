using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Automation;

public sealed record AutomationRuleDto(Guid Id, string Name, int Position, bool Enabled, RuleTrigger Trigger, RuleConditions Conditions, RuleActions Actions);
public sealed record AutomationRuleRequest([property: MaxLength(100)] string Name, int? Position, bool Enabled, RuleTrigger Trigger, RuleConditions? Conditions, RuleActions? Actions);

/// <summary>Checks and applies a rule edit, for the API and the settings page alike.</summary>
public static class AutomationRules
{
    public static async Task<RuleViolation?> ApplyAsync(RapportDbContext db, AutomationRule rule, AutomationRuleRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(request);
        var when = request.Conditions ?? new RuleConditions();
        var then = request.Actions ?? new RuleActions();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return new RuleViolation("name", "Validation.Rule.Name", "A name of 1 to 100 characters is required.");
        }
        if (!Enum.IsDefined(request.Trigger))
        {
            return new RuleViolation("trigger", "Validation.Rule.Trigger", "The trigger is MessageReceived, ConversationCreated, ConversationUpdated or SlaAboutToBreach.");
        }
        if (when.MinNeedsAnswer is < 0 or > 1)
        {
            return new RuleViolation("conditions.minNeedsAnswer", "Validation.Rule.Threshold", "The needs-an-answer threshold is between 0 and 1.");
        }
        if ((when.Keywords?.Count ?? 0) > AutomationRule.MaxKeywords || (when.Keywords ?? []).Any(k => string.IsNullOrWhiteSpace(k) || k.Length > 100))
        {
            return new RuleViolation("conditions.keywords", "Validation.Rule.Keywords", $"At most {AutomationRule.MaxKeywords} keywords of 1 to 100 characters.");
        }
        if (when.ChannelIds is { Count: > 0 } channels && await db.Channels.IgnoreQueryFilters().CountAsync(c => channels.Contains(c.Id) && c.WorkspaceId == rule.WorkspaceId, ct) != channels.Distinct().Count())
        {
            return new RuleViolation("conditions.channelIds", "Validation.UnknownChannel", "Unknown channel.");
        }
        if (then.Capacity is < 1 or > 10_000)
        {
            return new RuleViolation("actions.capacity", "Validation.Rule.Capacity", "The capacity is from 1 to 10,000 open conversations per member.");
        }
        if (then.AssignToTeamId is { } team && !await db.Teams.IgnoreQueryFilters().AnyAsync(t => t.Id == team && t.WorkspaceId == rule.WorkspaceId, ct))
        {
            return new RuleViolation("actions.assignToTeamId", "Validation.Rule.UnknownTeam", "Unknown team.");
        }
        var members = new[] { then.AssignToUserId }.OfType<Guid>().Concat(then.NotifyUserIds ?? []).Distinct().ToList();
        if (members.Count > 0 && await db.Memberships.IgnoreQueryFilters().CountAsync(m => members.Contains(m.UserId) && m.WorkspaceId == rule.WorkspaceId, ct) != members.Count)
        {
            return new RuleViolation("actions.assignToUserId", "Validation.Rule.UnknownMember", "Unknown member.");
        }
        if (then.LabelIds is { Count: > 0 } labels && await db.Labels.IgnoreQueryFilters().CountAsync(l => labels.Contains(l.Id) && l.WorkspaceId == rule.WorkspaceId, ct) != labels.Distinct().Count())
        {
            return new RuleViolation("actions.labelIds", "Validation.Rule.UnknownLabel", "Unknown label.");
        }
        if ((then.Priority is { } priority && !Enum.IsDefined(priority)) || (then.Status is { } status && (!Enum.IsDefined(status) || status == Conversations.ConversationStatus.Snoozed)))
        {
            return new RuleViolation("actions.status", "Validation.Rule.Status", "Unknown priority or status (a rule cannot snooze).");
        }
        if (then.ReplyText?.Length > AutomationRule.MaxReplyLength)
        {
            return new RuleViolation("actions.replyText", "Validation.Rule.Reply", $"A reply is at most {AutomationRule.MaxReplyLength} characters.");
        }
        rule.Name = request.Name.Trim();
        rule.Enabled = request.Enabled;
        rule.Trigger = request.Trigger;
        rule.Conditions = when with { Keywords = when.Keywords?.Select(k => k.Trim()).ToList() };
        rule.Actions = then with { ReplyText = string.IsNullOrWhiteSpace(then.ReplyText) ? null : then.ReplyText.Trim() };
        if (request.Position is { } position)
        {
            rule.Position = position;
        }
        else if (db.Entry(rule).State is EntityState.Detached or EntityState.Added)
        {
            rule.Position = (await db.AutomationRules.IgnoreQueryFilters().Where(r => r.WorkspaceId == rule.WorkspaceId).MaxAsync(r => (int?)r.Position, ct) ?? 0) + 1;
        }
        return null;
    }

    public static AutomationRuleDto ToDto(AutomationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new(rule.Id, rule.Name, rule.Position, rule.Enabled, rule.Trigger, rule.Conditions, rule.Actions);
    }
}

/// <summary>
/// The one front door to a workspace's automation rules, for the API and the rules page alike: the checks of
/// <see cref="AutomationRules"/>, the save, and its audit entry.
/// </summary>
public sealed class AutomationRuleService(Audit.AuditLog audit, TimeProvider clock)
{
    /// <summary>Creates a rule (<paramref name="ruleId"/> null: last unless a position is given), or changes one.</summary>
    public async Task<Change<AutomationRule>> SaveAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid? ruleId, AutomationRuleRequest request,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var rule = ruleId is { } id
            ? await db.AutomationRules.FirstOrDefaultAsync(r => r.Id == id, ct)
            : new AutomationRule { WorkspaceId = actor.WorkspaceId, Name = "", CreatedAt = clock.GetUtcNow().UtcDateTime };
        if (rule is null)
        {
            return Change<AutomationRule>.NotFound;
        }
        if (await AutomationRules.ApplyAsync(db, rule, request, ct) is { } violation)
        {
            return new(null, violation);
        }
        if (ruleId is null)
        {
            db.AutomationRules.Add(rule);
        }
        audit.Add(db, ruleId is null ? "rule.created" : "rule.updated", actor.WorkspaceId, actor.UserId, actorName, rule.Name);
        await db.SaveChangesAsync(ct);
        return new(rule, null);
    }

    /// <summary>Numbers the rules in the order given (the ones not named keep their place after them).</summary>
    public async Task ReorderAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, IReadOnlyList<Guid> order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(order);
        var rules = await db.AutomationRules.OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToListAsync(ct);
        var rank = new Dictionary<Guid, int>();
        for (var i = 0; i < order.Count; i++)
        {
            rank.TryAdd(order[i], i);
        }
        var ranked = rules.OrderBy(r => rank.GetValueOrDefault(r.Id, order.Count)).ToList();
        for (var i = 0; i < ranked.Count; i++)
        {
            ranked[i].Position = i + 1;
        }
        audit.Add(db, "rule.reordered", actor.WorkspaceId, actor.UserId, actorName, null);
        await db.SaveChangesAsync(ct);
    }

    public async Task<Change<AutomationRule>> DeleteAsync(RapportDbContext db, WorkspaceMember actor, string? actorName, Guid ruleId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var rule = await db.AutomationRules.FirstOrDefaultAsync(r => r.Id == ruleId, ct);
        if (rule is null)
        {
            return Change<AutomationRule>.NotFound;
        }
        db.AutomationRules.Remove(rule);
        audit.Add(db, "rule.deleted", actor.WorkspaceId, actor.UserId, actorName, rule.Name);
        await db.SaveChangesAsync(ct);
        return new(rule, null);
    }
}

public static class AutomationApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/rules", ListAsync).WithSummary("Automation rules, in the order they run.");
        workspace.MapPost("/rules", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Creates a rule (last unless a position is given).");
        workspace.MapPut("/rules/{ruleId:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithSummary("Changes a rule: conditions, actions, order, enabled.");
        workspace.MapDelete("/rules/{ruleId:guid}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a rule.");
    }

    private static async Task<Ok<List<AutomationRuleDto>>> ListAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.AutomationRules.AsNoTracking().OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToListAsync(ct)).Select(AutomationRules.ToDto).ToList());

    private static async Task<Results<Created<AutomationRuleDto>, ValidationProblem>> CreateAsync(
        Guid workspaceId, AutomationRuleRequest request, RapportDbContext db, AutomationRuleService rules, HttpContext http, CancellationToken ct)
    {
        var change = await rules.SaveAsync(db, http.Member(), http.User.Identity?.Name, null, request, ct);
        return change.Item is { } rule
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/rules/{rule.Id}", AutomationRules.ToDto(rule))
            : Problems.Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<AutomationRuleDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid ruleId, AutomationRuleRequest request, RapportDbContext db, AutomationRuleService rules, HttpContext http, CancellationToken ct)
    {
        var change = await rules.SaveAsync(db, http.Member(), http.User.Identity?.Name, ruleId, request, ct);
        return change switch
        {
            { Item: { } rule } => TypedResults.Ok(AutomationRules.ToDto(rule)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Rule"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid ruleId, RapportDbContext db, AutomationRuleService rules, HttpContext http, CancellationToken ct) =>
        (await rules.DeleteAsync(db, http.Member(), http.User.Identity?.Name, ruleId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Rule");
}
