using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.Sla;

/// <summary>The deadlines a conversation should have now.</summary>
public readonly record struct DueTimes(DateTime? FirstResponse, DateTime? NextResponse, DateTime? Resolution);

/// <summary>A workspace's business calendar and SLA policies, loaded together: everything needed to set due times.</summary>
public sealed class SlaSchedule(BusinessCalendar calendar, IReadOnlyList<SlaPolicy> policies, int warningLeadMinutes)
{
    public BusinessCalendar Calendar { get; } = calendar;
    public IReadOnlyList<SlaPolicy> Policies { get; } = policies;
    public TimeSpan WarningLead { get; } = TimeSpan.FromMinutes(warningLeadMinutes);

    /// <summary>The policy for a conversation: the most specific one that matches its priority and channel.</summary>
    public SlaPolicy? PolicyFor(Priority priority, Guid channelId) => Policies
        .Where(p => (p.Priority is null || p.Priority == priority) && (p.ChannelId is null || p.ChannelId == channelId))
        .OrderByDescending(p => (p.Priority is null ? 0 : 2) + (p.ChannelId is null ? 0 : 1))
        .ThenBy(p => p.Name, StringComparer.Ordinal)
        .FirstOrDefault();

    /// <summary>
    /// First response: from creation until the brand first answers. Next response: from the customer's latest message,
    /// once the brand has answered before, until it answers again. Resolution: from creation until resolved.
    /// Noise and resolved conversations have no deadline.
    /// </summary>
    public DueTimes DueTimesFor(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        if (conversation.IsNoise || conversation.Status == ConversationStatus.Resolved || PolicyFor(conversation.Priority, conversation.ChannelId) is not { } policy)
        {
            return default;
        }
        var waiting = conversation.LastInboundAt is { } inbound && (conversation.LastResponseAt is null || inbound > conversation.LastResponseAt);
        return new DueTimes(
            conversation.FirstResponseAt is null && policy.FirstResponseMinutes is { } first ? Calendar.Add(conversation.CreatedAt, TimeSpan.FromMinutes(first)) : null,
            conversation.FirstResponseAt is not null && waiting && policy.NextResponseMinutes is { } next
                ? Calendar.Add(conversation.LastInboundAt!.Value, TimeSpan.FromMinutes(next)) : null,
            policy.ResolutionMinutes is { } resolution ? Calendar.Add(conversation.CreatedAt, TimeSpan.FromMinutes(resolution)) : null);
    }

    /// <summary>Reads a workspace's schedule; a workspace without opening hours counts every hour.</summary>
    public static async Task<SlaSchedule> LoadAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var zone = await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.TimeZone).FirstOrDefaultAsync(ct);
        var spans = await db.BusinessHours.IgnoreQueryFilters().Where(s => s.WorkspaceId == workspaceId)
            .Select(s => new OpeningSpan(s.Day, s.OpensMinute, s.ClosesMinute)).ToListAsync(ct);
        var holidays = await db.Holidays.IgnoreQueryFilters().Where(h => h.WorkspaceId == workspaceId).Select(h => h.Date).ToListAsync(ct);
        var policies = await db.SlaPolicies.IgnoreQueryFilters().AsNoTracking().Where(p => p.WorkspaceId == workspaceId).ToListAsync(ct);
        var lead = await db.SlaSettings.IgnoreQueryFilters().Where(s => s.WorkspaceId == workspaceId).Select(s => (int?)s.WarningLeadMinutes).FirstOrDefaultAsync(ct);
        return new SlaSchedule(new BusinessCalendar(BusinessCalendar.Zone(zone), spans, holidays), policies, lead ?? SlaSettings.DefaultWarningLeadMinutes);
    }
}
