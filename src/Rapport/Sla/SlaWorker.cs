using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Rapport.Automation;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Notifications;
using Rapport.Reports;
using Rapport.Resources;

namespace Rapport.Sla;

/// <summary>How often SLA deadlines are checked. Bound from "Rapport:Sla".</summary>
public sealed class SlaOptions
{
    public const string Section = "Rapport:Sla";

    /// <summary>How often the scheduler's job "sla-scan" looks for deadlines coming or passed. Default: 1 minute; zero turns it off.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deadlines handled per target and round. Default: 500.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;
}

/// <summary>
/// Warns the assignee (or the team) when a deadline comes within the workspace's lead time, and records a breach event
/// when it passes, each once per deadline (the <see cref="SlaAlert"/> row is unique). A warning also runs the rules whose
/// trigger is "SLA about to breach". Notices are written in the workspace's language, with times in its time zone:
/// a notification is stored as plain text, read later by whoever it is for. Runs as the scheduler's job "sla-scan".
/// </summary>
public sealed partial class SlaWorker(
    RapportDbContextFactory databases, IServiceScopeFactory scopes, Notifier notifier, IStringLocalizer<Strings> strings, IOptions<SlaOptions> options,
    TimeProvider clock, ILogger<SlaWorker> logger)
{
    private readonly SlaOptions settings = options.Value;

    private sealed record Deadline(Guid ConversationId, Guid WorkspaceId, SlaTarget Target, DateTime DueAt);

    /// <summary>One round: warns about and breaches the deadlines due. Returns how many warnings and breaches it recorded.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<Deadline> deadlines;
        Dictionary<Guid, TimeSpan> leads;
        await using (var db = databases.CreateDbContext())
        {
            leads = await db.SlaSettings.ToDictionaryAsync(s => s.WorkspaceId, s => TimeSpan.FromMinutes(s.WarningLeadMinutes), ct);
            var longest = leads.Values.Append(TimeSpan.FromMinutes(SlaSettings.DefaultWarningLeadMinutes)).Max();
            var horizon = now + longest;
            var open = db.Conversations.Where(c => c.Status != ConversationStatus.Resolved && !c.IsNoise);
            // Only deadlines with something left to do: not breached yet, and not warned unless now due.
            deadlines =
            [
                .. await open.Where(c => c.FirstResponseDueAt <= horizon && !db.SlaAlerts.Any(a => a.ConversationId == c.Id && a.Target == SlaTarget.FirstResponse
                        && a.DueAt == c.FirstResponseDueAt && (a.BreachedAt != null || (a.WarnedAt != null && c.FirstResponseDueAt > now))))
                    .OrderBy(c => c.FirstResponseDueAt).Take(settings.BatchSize)
                    .Select(c => new Deadline(c.Id, c.WorkspaceId, SlaTarget.FirstResponse, c.FirstResponseDueAt!.Value)).ToListAsync(ct),
                .. await open.Where(c => c.NextResponseDueAt <= horizon && !db.SlaAlerts.Any(a => a.ConversationId == c.Id && a.Target == SlaTarget.NextResponse
                        && a.DueAt == c.NextResponseDueAt && (a.BreachedAt != null || (a.WarnedAt != null && c.NextResponseDueAt > now))))
                    .OrderBy(c => c.NextResponseDueAt).Take(settings.BatchSize)
                    .Select(c => new Deadline(c.Id, c.WorkspaceId, SlaTarget.NextResponse, c.NextResponseDueAt!.Value)).ToListAsync(ct),
                .. await open.Where(c => c.ResolutionDueAt <= horizon && !db.SlaAlerts.Any(a => a.ConversationId == c.Id && a.Target == SlaTarget.Resolution
                        && a.DueAt == c.ResolutionDueAt && (a.BreachedAt != null || (a.WarnedAt != null && c.ResolutionDueAt > now))))
                    .OrderBy(c => c.ResolutionDueAt).Take(settings.BatchSize)
                    .Select(c => new Deadline(c.Id, c.WorkspaceId, SlaTarget.Resolution, c.ResolutionDueAt!.Value)).ToListAsync(ct),
            ];
        }
        var recorded = 0;
        foreach (var deadline in deadlines)
        {
            var lead = leads.TryGetValue(deadline.WorkspaceId, out var own) ? own : TimeSpan.FromMinutes(SlaSettings.DefaultWarningLeadMinutes);
            if (deadline.DueAt - lead > now)
            {
                continue; // Not within this workspace's lead time yet.
            }
            try
            {
                recorded += await HandleAsync(deadline, now, ct) ? 1 : 0;
            }
            catch (DbUpdateException e)
            {
                // Another node recorded this deadline at the same moment (unique row): it is handled once.
                LogAlreadyHandled(logger, deadline.ConversationId, e);
            }
        }
        return recorded;
    }

    private async Task<bool> HandleAsync(Deadline deadline, DateTime now, CancellationToken ct)
    {
        await using var db = databases.CreateDbContext();
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == deadline.ConversationId, ct);
        if (conversation is null)
        {
            return false;
        }
        var alert = await db.SlaAlerts.FirstOrDefaultAsync(a => a.ConversationId == deadline.ConversationId && a.Target == deadline.Target && a.DueAt == deadline.DueAt, ct);
        if (alert is null)
        {
            alert = new SlaAlert { WorkspaceId = deadline.WorkspaceId, ConversationId = deadline.ConversationId, Target = deadline.Target, DueAt = deadline.DueAt };
            db.SlaAlerts.Add(alert);
        }
        string kind;
        if (deadline.DueAt > now)
        {
            if (alert.WarnedAt is not null)
            {
                return false;
            }
            alert.WarnedAt = now;
            kind = "sla.warning";
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AutomationEngine>().RunAsync(db, conversation, RuleTrigger.SlaAboutToBreach, null, ct);
        }
        else
        {
            if (alert.BreachedAt is not null)
            {
                return false;
            }
            alert.BreachedAt = now;
            kind = "sla.breach";
            db.ReportingEvents.Add(new ReportingEvent
            {
                WorkspaceId = conversation.WorkspaceId,
                Name = ReportingEventNames.SlaBreached,
                ConversationId = conversation.Id,
                ChannelId = conversation.ChannelId,
                ActorUserId = conversation.AssigneeId,
                TeamId = conversation.TeamId,
                StartedAt = deadline.DueAt,
                EndedAt = now,
                Value = (int)deadline.Target,
            });
        }
        var text = await NoticeAsync(db, conversation, deadline, kind == "sla.warning", ct);
        foreach (var userId in await Notifications.Notifier.HandlersAsync(db, conversation, everyoneWhenUnrouted: false, ct))
        {
            notifier.Add(db, conversation.WorkspaceId, userId, kind, text, conversation.Id);
        }
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>"First response due 10/06/2026 10:00 (Europe/Paris): subject", in the workspace's language.</summary>
    private async Task<string> NoticeAsync(RapportDbContext db, Conversation conversation, Deadline deadline, bool warning, CancellationToken ct)
    {
        var workspace = await db.Workspaces.Where(w => w.Id == conversation.WorkspaceId).Select(w => new { w.DefaultCulture, w.TimeZone }).FirstAsync(ct);
        var culture = CultureInfo.GetCultureInfo(workspace.DefaultCulture is "fr" ? "fr" : "en");
        var zone = BusinessCalendar.Zone(workspace.TimeZone);
        var due = TimeZoneInfo.ConvertTimeFromUtc(deadline.DueAt, zone).ToString("g", culture) + $" ({zone.Id})";
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            return strings[warning ? "Sla.Notice.Warning" : "Sla.Notice.Breach", strings[$"Sla.Target.{deadline.Target}"], due,
                conversation.Subject ?? strings["Sla.Notice.AConversation"]];
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An SLA deadline of conversation {Conversation} was already recorded by another worker.")]
    private static partial void LogAlreadyHandled(ILogger logger, Guid conversation, Exception e);
}
