using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Api;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Learning;

/// <summary>An agent's correction of a message's analysis. Only the fields sent are corrected.</summary>
public sealed record CorrectionRequest(Intent? Intent, bool? NeedsAnswer, SentimentLabel? Sentiment);

public sealed record CorrectionDto(Guid Id, Guid? MessageId, string? Intent, bool? NeedsAnswer, string? Sentiment, DateTime CreatedAt);

public static class CorrectionsApi
{
    public static void Map(RouteGroupBuilder workspace)
    {
        workspace.MapPost("/messages/{messageId:guid}/corrections", CorrectAsync).RequireAuthorization(Policies.Agent)
            .WithSummary("Corrects the analysis of an inbound message; kept as a labelled example for the workspace's next training.");
        workspace.MapGet("/corrections", ListAsync).RequireAuthorization(Policies.Admin).WithSummary("The labelled examples the workspace's model learns from.");
    }

    private static async Task<Results<Created<CorrectionDto>, ValidationProblem, ProblemHttpResult>> CorrectAsync(
        Guid workspaceId, Guid messageId, CorrectionRequest request, HttpContext http, RapportDbContext db, AnalysisCorrections corrections, CancellationToken ct)
    {
        var (result, correction) = await corrections.CorrectAsync(db, workspaceId, messageId, request, http.Member().UserId, ct);
        return result switch
        {
            { Problem: { } problem } => problem,
            { Invalid: { } invalid } => invalid,
            _ => TypedResults.Created($"/api/v1/workspaces/{workspaceId}/corrections",
                new CorrectionDto(correction!.Id, messageId, correction.Intent, correction.NeedsAnswer, correction.Sentiment, correction.CreatedAt)),
        };
    }

    private static async Task<Ok<List<CorrectionDto>>> ListAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Corrections.OrderByDescending(c => c.CreatedAt).Take(500)
            .Select(c => new CorrectionDto(c.Id, c.MessageId, c.Intent, c.NeedsAnswer, c.Sentiment, c.CreatedAt)).ToListAsync(ct));
}
