using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Sla;

public sealed record SlaPolicyDto([property: MaxLength(100)] string Name, Priority? Priority, Guid? ChannelId, int? FirstResponseMinutes, int? NextResponseMinutes, int? ResolutionMinutes);
public sealed record OpeningSpanDto(DayOfWeek Day, int OpensMinute, int ClosesMinute);
public sealed record HolidayDto(DateOnly Date, [property: MaxLength(100)] string Name);

/// <summary>A workspace's whole SLA setup, read and replaced as one: policies, weekly hours, holidays and warning lead.</summary>
public sealed record SlaSetupDto([property: MaxLength(UserInput.MaxTimeZoneLength)] string TimeZone, int WarningLeadMinutes, List<SlaPolicyDto> Policies, List<OpeningSpanDto> Hours, List<HolidayDto> Holidays);

/// <summary>Reads, checks and saves a workspace's SLA setup, for the API and the settings page alike.</summary>
public static class SlaSetup
{
    public const int MaxTargetMinutes = 365 * 24 * 60;
    public const int MaxItems = 400;

    public static async Task<SlaSetupDto> ReadAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var zone = await db.Workspaces.Where(w => w.Id == workspaceId).Select(w => w.TimeZone).FirstAsync(ct);
        var lead = await db.SlaSettings.IgnoreQueryFilters().Where(s => s.WorkspaceId == workspaceId).Select(s => (int?)s.WarningLeadMinutes).FirstOrDefaultAsync(ct);
        var policies = await db.SlaPolicies.IgnoreQueryFilters().Where(p => p.WorkspaceId == workspaceId).OrderBy(p => p.Name)
            .Select(p => new SlaPolicyDto(p.Name, p.Priority, p.ChannelId, p.FirstResponseMinutes, p.NextResponseMinutes, p.ResolutionMinutes)).ToListAsync(ct);
        var hours = (await db.BusinessHours.IgnoreQueryFilters().Where(s => s.WorkspaceId == workspaceId)
            .Select(s => new OpeningSpanDto(s.Day, s.OpensMinute, s.ClosesMinute)).ToListAsync(ct))
            .OrderBy(s => ((int)s.Day + 6) % 7).ThenBy(s => s.OpensMinute).ToList();
        var holidays = await db.Holidays.IgnoreQueryFilters().Where(h => h.WorkspaceId == workspaceId).OrderBy(h => h.Date)
            .Select(h => new HolidayDto(h.Date, h.Name)).ToListAsync(ct);
        return new SlaSetupDto(zone, lead ?? SlaSettings.DefaultWarningLeadMinutes, policies, hours, holidays);
    }

    /// <summary>The first thing wrong with a setup, or null; the code names the message in the interface's strings.</summary>
    public static async Task<RuleViolation?> CheckAsync(RapportDbContext db, Guid workspaceId, SlaSetupDto setup, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.WarningLeadMinutes is < 0 or > 7 * 24 * 60)
        {
            return new RuleViolation("warningLeadMinutes", "Validation.Sla.WarningLead", "The warning lead is between 0 minutes and 7 days.");
        }
        if ((setup.Policies?.Count ?? 0) > MaxItems || (setup.Hours?.Count ?? 0) > MaxItems || (setup.Holidays?.Count ?? 0) > MaxItems)
        {
            return new RuleViolation("policies", "Validation.Sla.TooMany", $"At most {MaxItems} policies, opening spans and holidays.");
        }
        foreach (var policy in setup.Policies ?? [])
        {
            if (string.IsNullOrWhiteSpace(policy.Name) || policy.Name.Length > 100)
            {
                return new RuleViolation("policies", "Validation.Sla.PolicyName", "Each policy needs a name of 1 to 100 characters.");
            }
            if (policy.Priority is { } priority && !Enum.IsDefined(priority))
            {
                return new RuleViolation("policies", "Validation.Sla.Priority", "The priority is Low, Normal, High or Urgent.");
            }
            if (new[] { policy.FirstResponseMinutes, policy.NextResponseMinutes, policy.ResolutionMinutes }.Any(m => m is < 1 or > MaxTargetMinutes))
            {
                return new RuleViolation("policies", "Validation.Sla.Target", "Targets are from 1 minute to 365 days of business time.");
            }
            if (policy.ChannelId is { } channel && !await db.Channels.IgnoreQueryFilters().AnyAsync(c => c.Id == channel && c.WorkspaceId == workspaceId, ct))
            {
                return new RuleViolation("policies", "Validation.UnknownChannel", "Unknown channel.");
            }
        }
        if ((setup.Policies ?? []).GroupBy(p => (p.Priority, p.ChannelId)).Any(g => g.Count() > 1))
        {
            return new RuleViolation("policies", "Validation.Sla.DuplicatePolicy", "Two policies cover the same priority and channel.");
        }
        foreach (var span in setup.Hours ?? [])
        {
            if (!Enum.IsDefined(span.Day) || span.OpensMinute < 0 || span.ClosesMinute > 1440 || span.OpensMinute >= span.ClosesMinute)
            {
                return new RuleViolation("hours", "Validation.Sla.Span", "Each opening span opens before it closes, within one day.");
            }
        }
        foreach (var day in (setup.Hours ?? []).GroupBy(s => s.Day))
        {
            var spans = day.OrderBy(s => s.OpensMinute).ToList();
            if (spans.Zip(spans.Skip(1)).Any(p => p.Second.OpensMinute < p.First.ClosesMinute))
            {
                return new RuleViolation("hours", "Validation.Sla.Overlap", "Opening spans of one day must not overlap.");
            }
        }
        if ((setup.Holidays ?? []).Any(h => string.IsNullOrWhiteSpace(h.Name) || h.Name.Length > 100))
        {
            return new RuleViolation("holidays", "Validation.Sla.HolidayName", "Each holiday needs a name of 1 to 100 characters.");
        }
        if ((setup.Holidays ?? []).GroupBy(h => h.Date).Any(g => g.Count() > 1))
        {
            return new RuleViolation("holidays", "Validation.Sla.HolidayTwice", "A date is listed twice.");
        }
        return null;
    }

    /// <summary>Replaces the setup; the due times of open conversations follow as each is next saved.</summary>
    public static async Task SaveAsync(RapportDbContext db, Guid workspaceId, SlaSetupDto setup, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(setup);
        db.SlaPolicies.RemoveRange(await db.SlaPolicies.IgnoreQueryFilters().Where(p => p.WorkspaceId == workspaceId).ToListAsync(ct));
        db.BusinessHours.RemoveRange(await db.BusinessHours.IgnoreQueryFilters().Where(p => p.WorkspaceId == workspaceId).ToListAsync(ct));
        db.Holidays.RemoveRange(await db.Holidays.IgnoreQueryFilters().Where(p => p.WorkspaceId == workspaceId).ToListAsync(ct));
        db.SlaPolicies.AddRange((setup.Policies ?? []).Select(p => new SlaPolicy
        {
            WorkspaceId = workspaceId,
            Name = p.Name.Trim(),
            Priority = p.Priority,
            ChannelId = p.ChannelId,
            FirstResponseMinutes = p.FirstResponseMinutes,
            NextResponseMinutes = p.NextResponseMinutes,
            ResolutionMinutes = p.ResolutionMinutes,
        }));
        db.BusinessHours.AddRange((setup.Hours ?? []).Select(s => new BusinessHoursSpan { WorkspaceId = workspaceId, Day = s.Day, OpensMinute = s.OpensMinute, ClosesMinute = s.ClosesMinute }));
        db.Holidays.AddRange((setup.Holidays ?? []).Select(h => new Holiday { WorkspaceId = workspaceId, Date = h.Date, Name = h.Name.Trim() }));
        var settings = await db.SlaSettings.IgnoreQueryFilters().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct);
        if (settings is null)
        {
            settings = new SlaSettings { WorkspaceId = workspaceId };
            db.SlaSettings.Add(settings);
        }
        settings.WarningLeadMinutes = setup.WarningLeadMinutes;
        await db.SaveChangesAsync(ct);
    }
}

public static class SlaApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/sla", GetAsync).WithSummary("The SLA setup: policies, business hours, holidays, warning lead.");
        workspace.MapPut("/sla", PutAsync).RequireAuthorization(Policies.Admin).WithSummary("Replaces the SLA setup.");
    }

    private static async Task<Ok<SlaSetupDto>> GetAsync(Guid workspaceId, RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await SlaSetup.ReadAsync(db, workspaceId, ct));

    private static async Task<Results<Ok<SlaSetupDto>, ValidationProblem>> PutAsync(Guid workspaceId, SlaSetupDto request, RapportDbContext db, CancellationToken ct)
    {
        if (await SlaSetup.CheckAsync(db, workspaceId, request, ct) is { } violation)
        {
            return Problems.Invalid(violation);
        }
        await SlaSetup.SaveAsync(db, workspaceId, request, ct);
        return TypedResults.Ok(await SlaSetup.ReadAsync(db, workspaceId, ct));
    }
}
