using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Api;
using Rapport.Data;

namespace Rapport.Workspaces;

public sealed record LabelDto(Guid Id, string Name, string Color);
public sealed record LabelRequest([property: MaxLength(60)] string Name, [property: MaxLength(7)] string? Color);

public static class LabelsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapGet("/labels", ListAsync).WithSummary("Labels.");
        workspace.MapPost("/labels", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Creates a label.");
        workspace.MapPut("/labels/{labelId:guid}", UpdateAsync).RequireAuthorization(Policies.Admin).WithSummary("Renames or recolours a label.");
        workspace.MapDelete("/labels/{labelId:guid}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a label and takes it off every conversation.");
    }

    private static async Task<Ok<List<LabelDto>>> ListAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Labels.OrderBy(l => l.Name).Select(l => new LabelDto(l.Id, l.Name, l.Color)).ToListAsync(ct));

    private static async Task<Results<Created<LabelDto>, ValidationProblem>> CreateAsync(
        Guid workspaceId, LabelRequest request, HttpContext http, RapportDbContext db, TeamsAndLabels service, CancellationToken ct)
    {
        var change = await service.SaveLabelAsync(db, http.Member(), http.User.Identity?.Name, null, request.Name, request.Color, ct);
        return change.Item is { } label
            ? TypedResults.Created($"/api/v1/workspaces/{workspaceId}/labels/{label.Id}", new LabelDto(label.Id, label.Name, label.Color))
            : Problems.Invalid(change.Violation!);
    }

    private static async Task<Results<Ok<LabelDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid labelId, LabelRequest request, HttpContext http, RapportDbContext db, TeamsAndLabels service, CancellationToken ct)
    {
        var change = await service.SaveLabelAsync(db, http.Member(), http.User.Identity?.Name, labelId, request.Name, request.Color, ct);
        return change switch
        {
            { Item: { } label } => TypedResults.Ok(new LabelDto(label.Id, label.Name, label.Color)),
            { Violation: { } violation } => Problems.Invalid(violation),
            _ => Problems.NotFound("Label"),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid labelId, HttpContext http, RapportDbContext db, TeamsAndLabels service, CancellationToken ct) =>
        (await service.DeleteLabelAsync(db, http.Member(), http.User.Identity?.Name, labelId, ct)).Saved ? TypedResults.NoContent() : Problems.NotFound("Label");
}
