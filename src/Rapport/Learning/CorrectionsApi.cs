using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Api;
using Rapport.Conversations;
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
        Guid workspaceId, Guid messageId, CorrectionRequest request, HttpContext http, RapportDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (request.Intent is null && request.NeedsAnswer is null && request.Sentiment is null)
        {
            return Problems.Invalid("intent", "Correct at least one of intent, needsAnswer or sentiment.");
        }
        if ((request.Intent is { } i && !Enum.IsDefined(i)) || (request.Sentiment is { } s && !Enum.IsDefined(s)))
        {
            return Problems.Invalid("intent", "Unknown intent or sentiment.");
        }
        var message = await db.Messages.Include(m => m.Analysis).FirstOrDefaultAsync(m => m.Id == messageId, ct);
        if (message is null)
        {
            return Problems.NotFound("Message");
        }
        if (message.Direction != MessageDirection.Inbound || message.Analysis is null)
        {
            return Problems.Conflict("Not an analysed message", "Only inbound messages are analysed, so only they can be corrected.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var correction = new Correction
        {
            WorkspaceId = workspaceId,
            MessageId = messageId,
            Text = message.Text,
            Language = message.Analysis.Language,
            Intent = request.Intent?.ToString(),
            NeedsAnswer = request.NeedsAnswer,
            Sentiment = request.Sentiment?.ToString(),
            CreatedByUserId = http.Member().UserId,
            CreatedAt = now,
        };
        db.Corrections.Add(correction);

        // The correction shows at once; the model learns from it at the next training.
        var analysis = message.Analysis;
        if (request.Intent is { } intent)
        {
            analysis.Intent = intent.ToString();
            analysis.IntentConfidence = 1;
        }
        if (request.Sentiment is { } sentiment)
        {
            analysis.Sentiment = sentiment.ToString();
        }
        if (request.NeedsAnswer is { } needsAnswer)
        {
            analysis.NeedsAnswer = needsAnswer ? 1 : 0;
            var conversation = await db.Conversations.FirstAsync(c => c.Id == message.ConversationId, ct);
            if (conversation.LastResponseAt is null || message.CreatedAt > conversation.LastResponseAt)
            {
                var others = await db.Messages.Where(m => m.ConversationId == conversation.Id && m.Id != messageId && m.Direction == MessageDirection.Inbound
                        && (conversation.LastResponseAt == null || m.CreatedAt > conversation.LastResponseAt) && m.Analysis != null)
                    .Select(m => m.Analysis!.NeedsAnswer).ToListAsync(ct);
                conversation.NeedsAnswer = others.Append(analysis.NeedsAnswer).Max();
                conversation.Version++;
            }
        }
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/workspaces/{workspaceId}/corrections",
            new CorrectionDto(correction.Id, messageId, correction.Intent, correction.NeedsAnswer, correction.Sentiment, now));
    }

    private static async Task<Ok<List<CorrectionDto>>> ListAsync(RapportDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.Corrections.OrderByDescending(c => c.CreatedAt).Take(500)
            .Select(c => new CorrectionDto(c.Id, c.MessageId, c.Intent, c.NeedsAnswer, c.Sentiment, c.CreatedAt)).ToListAsync(ct));
}
