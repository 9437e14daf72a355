using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Api;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.Learning;

/// <summary>
/// An agent's correction of a message's analysis, from the API or the conversation page: kept as a labelled example for
/// the workspace's next training, and shown at once on the message (and the conversation's needs-an-answer).
/// </summary>
public sealed class AnalysisCorrections(TimeProvider clock)
{
    /// <summary>The score a corrected negative or positive sentiment stands for: clearly past the analyser's ±0.2 labels.</summary>
    public const double CorrectedSentiment = 0.6;

    public async Task<(ConversationActionResult Result, Correction? Correction)> CorrectAsync(
        RapportDbContext db, Guid workspaceId, Guid messageId, CorrectionRequest request, Guid? userId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Intent is null && request.NeedsAnswer is null && request.Sentiment is null)
        {
            return (new(Invalid: Problems.Invalid("intent", "Correct at least one of intent, needsAnswer or sentiment.")), null);
        }
        if ((request.Intent is { } i && !Enum.IsDefined(i)) || (request.Sentiment is { } s && !Enum.IsDefined(s)))
        {
            return (new(Invalid: Problems.Invalid("intent", "Unknown intent or sentiment.")), null);
        }
        var message = await db.Messages.Include(m => m.Analysis).FirstOrDefaultAsync(m => m.Id == messageId, ct);
        if (message is null)
        {
            return (new(Problems.NotFound("Message")), null);
        }
        if (message.Direction != MessageDirection.Inbound || message.Analysis is null)
        {
            return (new(Problems.Conflict("Not an analysed message", "Only inbound messages are analysed, so only they can be corrected.")), null);
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
            CreatedByUserId = userId,
            CreatedAt = now,
        };
        db.Corrections.Add(correction);

        // The correction shows at once, in the inbox's order too; the model learns from it at the next training.
        var analysis = message.Analysis;
        var conversation = await db.Conversations.FirstAsync(c => c.Id == message.ConversationId, ct);
        // The conversation shows the intent and sentiment of the customer's latest message.
        var latest = conversation.LastInboundAt is not { } lastInbound || message.CreatedAt >= lastInbound;
        if (request.Intent is { } intent)
        {
            analysis.Intent = intent.ToString();
            analysis.IntentConfidence = 1;
            if (latest)
            {
                conversation.Intent = analysis.Intent;
            }
        }
        if (request.Sentiment is { } sentiment)
        {
            analysis.Sentiment = sentiment.ToString();
            if (latest)
            {
                conversation.Sentiment = sentiment switch { SentimentLabel.Negative => -CorrectedSentiment, SentimentLabel.Positive => CorrectedSentiment, _ => 0 };
            }
        }
        if (request.NeedsAnswer is { } needsAnswer)
        {
            analysis.NeedsAnswer = needsAnswer ? 1 : 0;
            if (conversation.LastResponseAt is null || message.CreatedAt > conversation.LastResponseAt)
            {
                var others = await db.Messages.Where(m => m.ConversationId == conversation.Id && m.Id != messageId && m.Direction == MessageDirection.Inbound
                        && (conversation.LastResponseAt == null || m.CreatedAt > conversation.LastResponseAt) && m.Analysis != null)
                    .Select(m => m.Analysis!.NeedsAnswer).ToListAsync(ct);
                conversation.NeedsAnswer = others.Append(analysis.NeedsAnswer).Max();
            }
        }
        if (db.Entry(conversation).State == EntityState.Modified)
        {
            conversation.Version++;
        }
        await db.SaveChangesAsync(ct);
        return (new(), correction);
    }
}
