using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Listening.Alerts;

/// <summary>Listening's alerts: everyone reads them, agents and up acknowledge and resolve them, admins set a topic's sensitivity (docs/api.md, "Alerts").</summary>
public static class AlertsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.MapGet("/alerts", ListAsync).RequireAuthorization(Policies.Analyst)
            .WithSummary("Listening's alerts, latest first: spikes in volume or in negative share of a topic or a theme, by status (Open, Acknowledged, Resolved), topic and kind (Volume, NegativeShare); limit 1 to 200 (50).");
        workspace.MapGet("/alerts/{alertId:guid}", GetAsync).RequireAuthorization(Policies.Analyst).WithSummary("An alert, with its size in words, its terms and mentions, and its link to the mentions.");
        workspace.MapPost("/alerts/{alertId:guid}/acknowledge", AcknowledgeAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Says you have seen the alert; the first acknowledgement is kept. A resolved alert answers 409.");
        workspace.MapPost("/alerts/{alertId:guid}/resolve", ResolveAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Says the alert is dealt with; the same episode never raises it again.");
        workspace.MapGet("/alerts/sensitivity", SensitivitiesAsync).RequireAuthorization(Policies.Analyst).WithSummary("Every topic's alert sensitivity (Low, Normal, High).");
        workspace.MapPut("/topics/{topicId:guid}/alert-sensitivity", SetSensitivityAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Sets how readily a topic raises alerts: Low (the big spikes only), Normal or High (smaller ones too).");
    }

    private static Task<string?> TimeZoneAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct) =>
        db.Workspaces.Where(w => w.Id == workspaceId).Select(w => (string?)w.TimeZone).FirstOrDefaultAsync(ct);

    private static async Task<Results<Ok<List<AlertDto>>, ValidationProblem>> ListAsync(
        Guid workspaceId, string? status, Guid? topicId, string? kind, int? limit, RapportDbContext db, AlertService alerts, CancellationToken ct)
    {
        AlertStatus? s = null;
        AlertKind? k = null;
        if (status is not null)
        {
            if (!Enum.TryParse<AlertStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(status, out _))
            {
                return Problems.Invalid("status", "The status is Open, Acknowledged or Resolved.");
            }
            s = parsed;
        }
        if (kind is not null)
        {
            if (!Enum.TryParse<AlertKind>(kind, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(kind, out _))
            {
                return Problems.Invalid("kind", "The kind is Volume or NegativeShare.");
            }
            k = parsed;
        }
        if (limit is < 1 or > AlertService.MaxList)
        {
            return Problems.Invalid("limit", $"The limit is from 1 to {AlertService.MaxList}.");
        }
        return TypedResults.Ok(await alerts.ListAsync(db, await TimeZoneAsync(db, workspaceId, ct), s, topicId, k, limit ?? 50, ct));
    }

    private static async Task<Results<Ok<AlertDto>, ProblemHttpResult>> GetAsync(Guid workspaceId, Guid alertId, RapportDbContext db, AlertService alerts, CancellationToken ct) =>
        await alerts.GetAsync(db, alertId, await TimeZoneAsync(db, workspaceId, ct), ct) is { } alert ? TypedResults.Ok(alert) : Problems.NotFound("Alert");

    private static Task<Results<Ok<AlertDto>, ProblemHttpResult>> AcknowledgeAsync(Guid workspaceId, Guid alertId, RapportDbContext db, AlertService alerts, HttpContext http, CancellationToken ct) =>
        ChangeAsync(workspaceId, alertId, db, alerts, http, resolve: false, ct);

    private static Task<Results<Ok<AlertDto>, ProblemHttpResult>> ResolveAsync(Guid workspaceId, Guid alertId, RapportDbContext db, AlertService alerts, HttpContext http, CancellationToken ct) =>
        ChangeAsync(workspaceId, alertId, db, alerts, http, resolve: true, ct);

    private static async Task<Results<Ok<AlertDto>, ProblemHttpResult>> ChangeAsync(
        Guid workspaceId, Guid alertId, RapportDbContext db, AlertService alerts, HttpContext http, bool resolve, CancellationToken ct)
    {
        var change = resolve
            ? await alerts.ResolveAsync(db, http.Member(), http.User.Identity?.Name, alertId, ct)
            : await alerts.AcknowledgeAsync(db, http.Member(), http.User.Identity?.Name, alertId, ct);
        return change switch
        {
            AlertChange.NotFound => Problems.NotFound("Alert"),
            AlertChange.AlreadyResolved => Problems.Conflict("Already resolved", "This alert is resolved already."),
            _ => TypedResults.Ok((await alerts.GetAsync(db, alertId, await TimeZoneAsync(db, workspaceId, ct), ct))!),
        };
    }

    private static async Task<Ok<List<AlertSensitivityDto>>> SensitivitiesAsync(RapportDbContext db, AlertService alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.SensitivitiesAsync(db, ct));

    private static async Task<Results<Ok<AlertSensitivityDto>, ValidationProblem, ProblemHttpResult>> SetSensitivityAsync(
        Guid topicId, AlertSensitivityRequest request, RapportDbContext db, AlertService alerts, HttpContext http, CancellationToken ct)
    {
        var change = await alerts.SetSensitivityAsync(db, http.Member(), http.User.Identity?.Name, topicId, request?.Sensitivity, ct);
        return change switch
        {
            null => Problems.NotFound("Topic"),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => TypedResults.Ok(change.Item!),
        };
    }
}
