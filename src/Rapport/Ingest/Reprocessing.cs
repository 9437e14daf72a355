using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Learning;

namespace Rapport.Ingest;

/// <summary>How far a reprocessing is: messages analysed again out of those it covers.</summary>
public sealed record ReprocessProgress(int Done, int Total);

/// <summary>What a reprocessing did: messages analysed again, those whose understanding changed, conversations updated.</summary>
public sealed record ReprocessSummary(int Messages, int Changed, int Conversations);

/// <summary>
/// Analyses stored customer messages again with the workspace's current model (after a retraining, a better shipped
/// model) and recomputes what derives from the analysis: each message's language, intent, sentiment, urgency, toxicity,
/// themes and needs-an-answer, and each conversation's intent, sentiment, urgency and needs-an-answer, hence its place
/// in the inbox. Nothing that already happened is done again: no rule runs, no reply or notification is made, no
/// reporting event is added. A message an agent corrected keeps the correction.
/// </summary>
public sealed class Reprocessing(WorkspaceAnalyzers analyzers, TimeProvider clock)
{
    /// <summary>Messages analysed and saved together.</summary>
    public const int PageSize = 500;

    public async Task<ReprocessSummary> ReprocessAsync(RapportDbContext db, Guid workspaceId, DateTime since, IProgress<ReprocessProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var analyzer = await analyzers.ForAsync(workspaceId, ct);
        since = IngestService.AsUtc(since);
        var messages = db.Messages.IgnoreQueryFilters()
            .Where(m => m.WorkspaceId == workspaceId && m.Direction == MessageDirection.Inbound && m.CreatedAt >= since && m.Analysis != null
                && !db.Corrections.IgnoreQueryFilters().Any(c => c.MessageId == m.Id));
        var total = await messages.CountAsync(ct);
        int done = 0, changed = 0;
        var conversations = new HashSet<Guid>();
        progress?.Report(new ReprocessProgress(0, total));
        while (true)
        {
            // Paged by position: what a page saves (analyses, conversations) changes nothing the query filters or orders on.
            var page = await messages.OrderBy(m => m.Id)
                .Skip(done)
                .Take(PageSize)
                .Select(m => new { Message = m, m.Analysis, m.ConversationId, m.AuthorContactId })
                .ToListAsync(ct);
            if (page.Count == 0)
            {
                break;
            }
            var conversationIds = page.Select(r => r.ConversationId).Distinct().ToList();
            var byId = await db.Conversations.IgnoreQueryFilters().Where(c => conversationIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
            var contactIds = page.Select(r => r.AuthorContactId).OfType<Guid>().Distinct().ToList();
            var languages = await db.Contacts.IgnoreQueryFilters().Where(c => contactIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Language, ct);
            var threads = await ThreadsAsync(db, conversationIds, ct);
            var now = clock.GetUtcNow().UtcDateTime;
            var touched = new List<Conversation>();
            foreach (var row in page)
            {
                var conversation = byId[row.ConversationId];
                var language = row.AuthorContactId is { } contactId ? languages.GetValueOrDefault(contactId) : null;
                var thread = ContextBefore(threads.GetValueOrDefault(row.ConversationId), row.Message);
                var result = analyzer.Analyze(row.Message.Text, new AnalysisContext(null, conversation.IsPublic, language, thread));
                var fresh = IngestService.ToEntity(result, row.Message.Id, workspaceId, now);
                var stored = row.Analysis!;
                if (stored.Intent != fresh.Intent || stored.Sentiment != fresh.Sentiment || stored.NeedsAnswer != fresh.NeedsAnswer
                    || stored.Urgency != fresh.Urgency || stored.Themes != fresh.Themes || stored.Toxicity != fresh.Toxicity || stored.Language != fresh.Language
                    || stored.Recommendation != fresh.Recommendation)
                {
                    changed++;
                    touched.Add(conversation);
                }
                stored.Language = fresh.Language;
                stored.Intent = fresh.Intent;
                stored.IntentConfidence = fresh.IntentConfidence;
                stored.NeedsAnswer = fresh.NeedsAnswer;
                stored.SentimentScore = fresh.SentimentScore;
                stored.Sentiment = fresh.Sentiment;
                stored.Urgency = fresh.Urgency;
                stored.Toxicity = fresh.Toxicity;
                stored.Themes = fresh.Themes;
                stored.KeyPhrases = fresh.KeyPhrases;
                stored.Recommendation = fresh.Recommendation;
                stored.RecommendationEvidence = fresh.RecommendationEvidence;
                stored.Explanation = fresh.Explanation;
                stored.ModelVersion = fresh.ModelVersion;
                stored.AnalyzedAt = now;
            }
            // The page's analyses first: the conversations are recomputed from what is stored.
            await db.SaveChangesAsync(ct);
            foreach (var conversation in touched.DistinctBy(c => c.Id))
            {
                await RecomputeAsync(db, conversation, ct);
                conversations.Add(conversation.Id);
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            done += page.Count;
            progress?.Report(new ReprocessProgress(done, total));
        }
        return new ReprocessSummary(done, changed, conversations.Count);
    }

    private sealed record ThreadMessage(Guid Id, Guid ConversationId, MessageDirection Direction, DateTime CreatedAt, string? Text, string? Intent);

    /// <summary>
    /// The page's conversations as a reader sees them, oldest first: the customer's messages (with their intent as stored)
    /// and the brand's replies that reached or are on their way to the customer (with their text), in one query.
    /// </summary>
    private static async Task<Dictionary<Guid, List<ThreadMessage>>> ThreadsAsync(RapportDbContext db, List<Guid> conversationIds, CancellationToken ct)
    {
        var rows = await db.Messages.IgnoreQueryFilters()
            .Where(m => conversationIds.Contains(m.ConversationId) && (m.Direction == MessageDirection.Inbound
                || (m.Direction == MessageDirection.Outbound && m.DeliveryStatus != DeliveryStatus.Failed && m.DeliveryStatus != DeliveryStatus.Scheduled
                    && m.DeliveryStatus != DeliveryStatus.Cancelled)))
            .Select(m => new ThreadMessage(m.Id, m.ConversationId, m.Direction, m.CreatedAt, m.Direction == MessageDirection.Outbound ? m.Text : null,
                m.Analysis == null ? null : m.Analysis.Intent))
            .ToListAsync(ct);
        return rows.GroupBy(m => m.ConversationId).ToDictionary(g => g.Key, g => g.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToList());
    }

    /// <summary>What <paramref name="message"/> continued when it arrived, as ingest read it (IngestBatch.ContextOf).</summary>
    private static ConversationContext? ContextBefore(List<ThreadMessage>? thread, Message message)
    {
        if (thread is null)
        {
            return null;
        }
        ThreadMessage? brand = null, customer = null;
        foreach (var m in thread)
        {
            if (m.Id == message.Id || m.CreatedAt > message.CreatedAt)
            {
                break;
            }
            if (m.Direction == MessageDirection.Outbound)
            {
                brand = m;
            }
            else
            {
                customer = m;
            }
        }
        return IngestBatch.ContextOf(brand?.Text, brand?.CreatedAt, customer?.CreatedAt, customer?.Intent);
    }

    /// <summary>
    /// A conversation's understanding as ingest would have left it: the intent and sentiment of the customer's latest
    /// message, the urgency of its most urgent one, and whether any message since the last response needs an answer.
    /// </summary>
    private static async Task RecomputeAsync(RapportDbContext db, Conversation conversation, CancellationToken ct)
    {
        var analyses = await db.Messages.IgnoreQueryFilters()
            .Where(m => m.ConversationId == conversation.Id && m.Direction == MessageDirection.Inbound && m.Analysis != null)
            .OrderBy(m => m.CreatedAt)
            .Select(m => new { m.CreatedAt, m.Analysis!.Intent, m.Analysis.SentimentScore, m.Analysis.NeedsAnswer, m.Analysis.Urgency })
            .ToListAsync(ct);
        if (analyses.Count == 0)
        {
            return;
        }
        var latest = analyses[^1];
        var waiting = analyses.Where(a => conversation.LastResponseAt is null || a.CreatedAt > conversation.LastResponseAt).ToList();
        var needsAnswer = conversation.Status == ConversationStatus.Resolved || waiting.Count == 0 ? conversation.NeedsAnswer : waiting.Max(a => a.NeedsAnswer);
        var urgency = analyses.Max(a => a.Urgency.Length == 0 ? 0 : a.Urgency.Split(',').Length);
        if (conversation.Intent != latest.Intent || conversation.Sentiment != latest.SentimentScore || conversation.NeedsAnswer != needsAnswer || conversation.Urgency != urgency)
        {
            conversation.Intent = latest.Intent;
            conversation.Sentiment = latest.SentimentScore;
            conversation.NeedsAnswer = needsAnswer;
            conversation.Urgency = urgency;
            conversation.Version++;
        }
    }
}
