using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Data;
using Rapport.Learning;

namespace Rapport.Listening;

/// <summary>What re-analysing mentions did: mentions analysed again, those understood differently, topic links added or removed.</summary>
public sealed record MentionReprocessSummary(int Mentions, int Changed, int TopicLinksChanged);

/// <summary>
/// <c>rapport reprocess</c> for mentions: each mention written since a date is analysed again with the workspace's
/// current model (language, intent, sentiment, urgency, toxicity, themes, key phrases), its search text folded again,
/// and matched again against the workspace's topics, since a changed language changes what <c>lang:</c> finds. Nothing
/// else happens: mentions make no conversation, rule run or event.
/// </summary>
public sealed class MentionReprocessing(WorkspaceAnalyzers analyzers, TopicMatchers topics)
{
    public const int PageSize = 500;

    public async Task<MentionReprocessSummary> ReprocessAsync(RapportDbContext db, Guid workspaceId, DateTime since, IProgress<Ingest.ReprocessProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        since = Ingest.IngestService.AsUtc(since);
        var analyzer = await analyzers.ForAsync(workspaceId, ct);
        topics.Forget(workspaceId);
        var compiled = await topics.ForAsync(workspaceId, ct);
        var sources = (await db.Channels.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId).Select(c => new { c.Id, c.Kind, c.Name }).ToListAsync(ct))
            .ToDictionary(c => c.Id, c => TopicMatchers.SourcesOf(c.Kind, c.Name));
        var mentions = db.Set<Mention>().IgnoreQueryFilters().Where(m => m.WorkspaceId == workspaceId && m.CreatedAt >= since);
        var total = await mentions.CountAsync(ct);
        int done = 0, changed = 0, links = 0;
        progress?.Report(new Ingest.ReprocessProgress(0, total));
        Guid? after = null;
        while (true)
        {
            // Paged by id (keyset): what a page saves changes nothing the query filters or orders on.
            var page = await mentions.Where(m => after == null || m.Id.CompareTo(after.Value) > 0).OrderBy(m => m.Id).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0)
            {
                break;
            }
            var ids = page.Select(m => m.Id).ToList();
            var linked = (await db.Set<MentionTopic>().IgnoreQueryFilters().Where(t => ids.Contains(t.MentionId)).ToListAsync(ct)).ToLookup(t => t.MentionId);
            foreach (var mention in page)
            {
                var analysis = analyzer.Analyze(mention.Text, new AnalysisContext(null, IsPublic: true, null));
                var before = (mention.Language, mention.Intent, mention.Sentiment, mention.Urgency, mention.Toxicity, mention.Themes, mention.Recommendation);
                mention.Language = analysis.Language.Value;
                mention.Intent = analysis.Intent.Value.ToString();
                mention.IntentConfidence = analysis.Intent.Confidence;
                mention.NeedsAnswer = analysis.NeedsAnswer.Value;
                mention.SentimentScore = analysis.SentimentScore;
                mention.Sentiment = analysis.Sentiment.Value.ToString();
                mention.Urgency = string.Join(',', analysis.Urgency.Select(u => u.Value));
                mention.Toxicity = string.Join(',', analysis.Toxicity.Select(t => t.Value));
                mention.Themes = string.Join(',', analysis.Themes.Select(t => t.Value));
                mention.KeyPhrases = string.Join(", ", analysis.KeyPhrases);
                mention.Recommendation = Reports.HeardRecommendations.StanceOf(analysis.Recommendation);
                mention.RecommendationEvidence = Reports.HeardRecommendations.EvidenceOf(analysis.Recommendation);
                mention.ModelVersion = analysis.ModelVersion;
                mention.SearchText = Mention.FoldForSearch(mention.Subject, mention.Text, mention.AuthorName);
                changed += before == (mention.Language, mention.Intent, mention.Sentiment, mention.Urgency, mention.Toxicity, mention.Themes, mention.Recommendation) ? 0 : 1;

                var found = compiled.Matcher.Match(MentionIngest.MatchedText(mention), mention.Language, sources.GetValueOrDefault(mention.ChannelId))
                    .Select(t => compiled.TopicIds[t]).ToHashSet();
                foreach (var link in linked[mention.Id])
                {
                    if (!found.Contains(link.TopicId))
                    {
                        db.Set<MentionTopic>().Remove(link);
                        links++;
                    }
                    else
                    {
                        // The dashboards count the links' copies of the analysis: they follow the new one.
                        link.CopyFrom(mention);
                    }
                }
                var known = linked[mention.Id].Select(l => l.TopicId).ToHashSet();
                foreach (var topicId in found.Where(t => !known.Contains(t)))
                {
                    db.Set<MentionTopic>().Add(MentionTopic.Of(topicId, mention));
                    links++;
                }
            }
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            done += page.Count;
            after = page[^1].Id;
            progress?.Report(new Ingest.ReprocessProgress(done, total));
        }
        return new MentionReprocessSummary(done, changed, links);
    }
}
