using Microsoft.EntityFrameworkCore;
using Rapport.Data;
using Rapport.Reports;

namespace Rapport.Satisfaction;

/// <summary>What became of a survey answer.</summary>
public enum SurveyOutcome
{
    Recorded,
    /// <summary>Forged, altered, or for a conversation that no longer exists.</summary>
    UnknownLink,
    AlreadyAnswered,
    InvalidScore,
    CommentTooLong,
}

/// <summary>The survey a link opens: the conversation, the brand's name, whether it was answered, and whether it asks the 0–10 question.</summary>
public sealed record SurveyForm(Guid ConversationId, string WorkspaceName, bool Answered, bool AsksRecommendation);

/// <summary>Records survey answers from the public page and the public API: one per conversation, with its reporting events.</summary>
public sealed class SurveyService(SurveyLinks links, TimeProvider clock, Events.EventPublisher events)
{
    /// <summary>The conversation a link is for and whether it was answered already; null for a link that is not ours.</summary>
    public async Task<SurveyForm?> FindAsync(RapportDbContext db, string token, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (links.Read(token) is not var (workspaceId, conversationId))
        {
            return null;
        }
        var name = await db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversationId && c.WorkspaceId == workspaceId)
            .Join(db.Workspaces, c => c.WorkspaceId, w => w.Id, (c, w) => w.Name).FirstOrDefaultAsync(ct);
        if (name is null)
        {
            return null;
        }
        var answered = await db.SurveyResponses.IgnoreQueryFilters().AnyAsync(r => r.ConversationId == conversationId, ct);
        var asks = await db.SurveySettings.IgnoreQueryFilters().AnyAsync(s => s.WorkspaceId == workspaceId && s.AskRecommendation, ct);
        return new SurveyForm(conversationId, name, answered, asks);
    }

    public async Task<SurveyOutcome> AnswerAsync(RapportDbContext db, string token, int csat, int effort, int? recommend, string? comment, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (links.Read(token) is not var (workspaceId, conversationId))
        {
            return SurveyOutcome.UnknownLink;
        }
        // The 0–10 question is optional for the customer; a value outside it is a forged form.
        if (csat is < 1 or > 5 || effort is < 1 or > 5 || recommend is < 0 or > 10)
        {
            return SurveyOutcome.InvalidScore;
        }
        var text = string.IsNullOrWhiteSpace(comment) ? null : Ingest.IngestService.Clean(comment);
        if (text?.Length > SurveyResponse.MaxCommentLength || comment?.Length > Ingest.IngestService.MaxTextLength)
        {
            return SurveyOutcome.CommentTooLong;
        }
        var conversation = await db.Conversations.IgnoreQueryFilters().AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == conversationId && c.WorkspaceId == workspaceId, ct);
        if (conversation is null)
        {
            return SurveyOutcome.UnknownLink;
        }
        if (await db.SurveyResponses.IgnoreQueryFilters().AnyAsync(r => r.ConversationId == conversationId, ct))
        {
            return SurveyOutcome.AlreadyAnswered;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        db.SurveyResponses.Add(new SurveyResponse { WorkspaceId = workspaceId, ConversationId = conversationId, Csat = csat, Effort = effort, Recommend = recommend, Comment = text, AnsweredAt = now });
        // Scores count for the conversation's cohort (its creation) and for whoever held it.
        foreach (var (name, value) in new[] { (ReportingEventNames.SurveyCsat, csat), (ReportingEventNames.SurveyEffort, effort), (ReportingEventNames.SurveyRecommend, recommend) })
        {
            if (value is null)
            {
                continue;
            }
            db.ReportingEvents.Add(new ReportingEvent
            {
                WorkspaceId = workspaceId,
                Name = name,
                ConversationId = conversationId,
                ChannelId = conversation.ChannelId,
                ActorUserId = conversation.AssigneeId,
                TeamId = conversation.TeamId,
                StartedAt = conversation.CreatedAt,
                EndedAt = now,
                Value = value,
            });
        }
        await events.PublishAsync(db, new Events.SurveyAnswered(workspaceId, conversationId, csat, effort, text is not null, now), ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // A second submission raced this one: the unique conversation index keeps the first.
            db.ChangeTracker.Clear();
            return SurveyOutcome.AlreadyAnswered;
        }
        return SurveyOutcome.Recorded;
    }
}
