using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Reports;

namespace Rapport.Sla;

/// <summary>
/// Keeps SLA due times and business-hours durations right whoever saves: ingest, an agent's action, a rule, an import.
/// Before each save it sets the due times of the conversations whose timing changed (created, answered, written to,
/// reprioritised, resolved, set aside) and the business-hours duration of each new reporting event that measures a wait.
/// Schedules are cached briefly per workspace; a save that changes SLA settings evicts its workspace at once.
/// </summary>
public sealed class SlaInterceptor : SaveChangesInterceptor
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private static readonly string[] TimingProperties =
    [
        nameof(Conversation.Priority), nameof(Conversation.Status), nameof(Conversation.ChannelId), nameof(Conversation.IsNoise),
        nameof(Conversation.CreatedAt), nameof(Conversation.FirstResponseAt), nameof(Conversation.LastResponseAt), nameof(Conversation.LastInboundAt),
    ];

    private readonly ConcurrentDictionary<Guid, (long LoadedAt, SlaSchedule Schedule)> schedules = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        ApplyAsync(eventData.Context, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        await ApplyAsync(eventData.Context, cancellationToken);
        return result;
    }

    /// <summary>Forgets a workspace's cached schedule (its settings changed).</summary>
    private void Evict(Guid workspaceId) => schedules.TryRemove(workspaceId, out _);

    private async ValueTask ApplyAsync(DbContext? context, CancellationToken ct)
    {
        if (context is not RapportDbContext db)
        {
            return;
        }
        // Entries() detects changes first, unless the caller turned that off and detected them itself (a batch of ingest).
        var conversations = new List<EntityEntry<Conversation>>();
        var events = new List<ReportingEvent>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            switch (entry.Entity)
            {
                case SlaPolicy or BusinessHoursSpan or Holiday or SlaSettings when entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted:
                    Evict(((IWorkspaceOwned)entry.Entity).WorkspaceId);
                    break;
                case Workspaces.Workspace workspace when entry.State == EntityState.Modified:
                    Evict(workspace.Id);
                    break;
                case Conversation when entry.State == EntityState.Added
                    || (entry.State == EntityState.Modified && TimingProperties.Any(p => entry.Property(p).IsModified)):
                    conversations.Add(db.Entry((Conversation)entry.Entity));
                    break;
                case ReportingEvent { DurationSeconds: not null, BusinessDurationSeconds: null } reportingEvent when entry.State == EntityState.Added:
                    events.Add(reportingEvent);
                    break;
            }
        }
        foreach (var entry in conversations)
        {
            var conversation = entry.Entity;
            var due = (await ScheduleAsync(db, conversation.WorkspaceId, ct)).DueTimesFor(conversation);
            Set(entry, nameof(Conversation.FirstResponseDueAt), due.FirstResponse);
            Set(entry, nameof(Conversation.NextResponseDueAt), due.NextResponse);
            Set(entry, nameof(Conversation.ResolutionDueAt), due.Resolution);
        }
        foreach (var reportingEvent in events)
        {
            var calendar = (await ScheduleAsync(db, reportingEvent.WorkspaceId, ct)).Calendar;
            reportingEvent.BusinessDurationSeconds = calendar.Between(reportingEvent.StartedAt, reportingEvent.EndedAt).TotalSeconds;
        }
    }

    private static void Set(EntityEntry<Conversation> entry, string property, DateTime? value)
    {
        var current = entry.Property<DateTime?>(property);
        if (current.CurrentValue != value)
        {
            current.CurrentValue = value;
        }
    }

    private async ValueTask<SlaSchedule> ScheduleAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct)
    {
        var now = Environment.TickCount64;
        if (schedules.TryGetValue(workspaceId, out var cached) && now - cached.LoadedAt < CacheFor.TotalMilliseconds)
        {
            return cached.Schedule;
        }
        var schedule = await SlaSchedule.LoadAsync(db, workspaceId, ct);
        schedules[workspaceId] = (now, schedule);
        return schedule;
    }
}
