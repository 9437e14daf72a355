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

    private static async Task<Results<Created<LabelDto>, ValidationProblem>> CreateAsync(Guid workspaceId, LabelRequest request, RapportDbContext db, CancellationToken ct)
    {
        var label = new Label { WorkspaceId = workspaceId, Name = "" };
        if (await ValidateAsync(label, request, db, ct) is { } problem)
        {
            return problem;
        }
        db.Labels.Add(label);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/labels/{label.Id}", new LabelDto(label.Id, label.Name, label.Color));
    }

    private static async Task<Results<Ok<LabelDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(Guid labelId, LabelRequest request, RapportDbContext db, CancellationToken ct)
    {
        var label = await db.Labels.FirstOrDefaultAsync(l => l.Id == labelId, ct);
        if (label is null)
        {
            return Problems.NotFound("Label");
        }
        if (await ValidateAsync(label, request, db, ct) is { } problem)
        {
            return problem;
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new LabelDto(label.Id, label.Name, label.Color));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid labelId, RapportDbContext db, CancellationToken ct)
    {
        var label = await db.Labels.FirstOrDefaultAsync(l => l.Id == labelId, ct);
        if (label is null)
        {
            return Problems.NotFound("Label");
        }
        db.Labels.Remove(label);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<ValidationProblem?> ValidateAsync(Label label, LabelRequest request, RapportDbContext db, CancellationToken ct) =>
        await LabelRules.ApplyAsync(db, label, request.Name, request.Color, ct) is { } violation ? Problems.Invalid(violation) : null;
}
