using Rapport.Analysis.Review;
using Rapport.Channels;
using Rapport.Content;
using Rapport.Data;
using Rapport.KnowledgeBase;
using Rapport.Outbox;
using Rapport.Performance;

namespace Rapport.Demo;

/// <summary>
/// The demo's content studio: an idea taken from the questions the demo's customers ask most, and a draft written from it,
/// waiting in review, so the Content pages show the journey from evidence to post; and a post published three days ago
/// with the figures its network counted, so the posts performance page and the outcome report have one to show.
/// </summary>
internal static class DemoContentStudio
{
    private const string DraftText =
        "Winter tip from the workshop: keep your battery indoors overnight. Below 5 °C the range drops by a third, "
        + "and charging a cold battery wears it out. Our mechanics check batteries for free, no appointment needed.";

    public static async Task SeedAsync(RapportDbContext db, TimeProvider clock, Guid workspaceId, Guid ownerId, string ownerName,
        IEnumerable<Channel> channels, DateTime now, CancellationToken ct)
    {
        var group = (await new UnansweredQuestions(clock).FindAsync(db, 10, ct)).OrderByDescending(g => g.Count).FirstOrDefault();
        var idea = new Idea
        {
            WorkspaceId = workspaceId,
            Title = group?.Question is { } q ? (q.Length > Idea.MaxTitleLength ? q[..Idea.MaxTitleLength] : q) : "How to keep the battery's range in winter",
            Notes = group is null ? "" : string.Join("\n", group.Examples.Select(e => e.Text.Length > 300 ? e.Text[..300] : e.Text)),
            Source = group is null ? IdeaSource.Member : IdeaSource.QuestionGroup,
            EvidenceMessageIds = group is null ? "" : string.Join(",", group.Examples.Take(Idea.MaxEvidence).Select(e => e.MessageId)),
            EvidenceCount = group?.Count ?? 0,
            Status = IdeaStatus.Drafted,
            CreatedByUserId = ownerId,
            CreatedAt = now.AddDays(-1),
            UpdatedAt = now.AddDays(-1),
        };
        var channel = channels.Where(c => c.Direction != ChannelDirection.Listening)
            .OrderBy(c => c.Kind == ChannelKind.Mastodon ? 0 : c.Kind == ChannelKind.Bluesky ? 1 : 2).First();
        var review = DraftReviewer.Review(new DraftReviewInput(DraftText, ContentService.NetworkOf(channel.Kind), EvidenceCount: idea.EvidenceCount));
        var draft = new Draft
        {
            WorkspaceId = workspaceId,
            IdeaId = idea.Id,
            Title = "Winter battery tip",
            AuthorUserId = ownerId,
            AuthorName = ownerName,
            Status = DraftStatus.InReview,
            UsefulnessScore = review.Score,
            CreatedAt = now.AddHours(-20),
            UpdatedAt = now.AddHours(-19),
            Version = 1,
        };
        draft.Variants.Add(new DraftVariant { WorkspaceId = workspaceId, DraftId = draft.Id, ChannelId = channel.Id, Text = DraftText, Language = "en" });
        db.AddRange(idea, draft);
        db.AddRange(
            new DraftEvent { WorkspaceId = workspaceId, DraftId = draft.Id, UserId = ownerId, ActorName = ownerName, Kind = DraftEventKind.Created, At = now.AddHours(-20) },
            new DraftEvent { WorkspaceId = workspaceId, DraftId = draft.Id, UserId = ownerId, ActorName = ownerName, Kind = DraftEventKind.Submitted, At = now.AddHours(-19) });
        await SeedPublishedAsync(db, workspaceId, ownerId, ownerName, channel, now, ct);
        await db.SaveChangesAsync(ct);
    }

    private const string PublishedText =
        "Flat tyre on the way to work? Our free repair guide shows how to fix a puncture in ten minutes with the kit under "
        + "your saddle. Questions welcome, our mechanics answer here.";

    /// <summary>
    /// Published through the sandbox (no network was reached): the figures stand for what Mastodon would have counted, read
    /// over its first day, and the channel's followers that day. The sandbox is never read again.
    /// </summary>
    private static async Task SeedPublishedAsync(RapportDbContext db, Guid workspaceId, Guid ownerId, string ownerName, Channel channel, DateTime now, CancellationToken ct)
    {
        var published = now.AddDays(-3);
        var review = DraftReviewer.Review(new DraftReviewInput(PublishedText, ContentService.NetworkOf(channel.Kind)));
        var post = new OutboxItem
        {
            WorkspaceId = workspaceId,
            ChannelId = channel.Id,
            IdempotencyKey = "demo-published-post",
            Payload = System.Text.Json.JsonSerializer.Serialize(new PostPayload(PublishedText, ownerName, "en"), OutboxService.PayloadJson),
            Status = OutboxStatus.Sent,
            Attempts = 1,
            CreatedAt = published,
            NextAttemptAt = published,
            SentAt = published,
            ExternalId = "demo-post-1",
        };
        var draft = new Draft
        {
            WorkspaceId = workspaceId,
            Title = "Fix a puncture in ten minutes",
            AuthorUserId = ownerId,
            AuthorName = ownerName,
            Status = DraftStatus.Published,
            UsefulnessScore = review.Score,
            ApprovedByUserId = ownerId,
            PublishedAt = published,
            CreatedAt = published.AddDays(-1),
            UpdatedAt = published,
            Version = 3,
        };
        draft.Variants.Add(new DraftVariant
        {
            WorkspaceId = workspaceId,
            DraftId = draft.Id,
            ChannelId = channel.Id,
            Text = PublishedText,
            Language = "en",
            OutboxItemId = post.Id,
            ExternalId = post.ExternalId,
        });
        db.AddRange(post, draft);
        db.AddRange(
            new DraftEvent { WorkspaceId = workspaceId, DraftId = draft.Id, UserId = ownerId, ActorName = ownerName, Kind = DraftEventKind.Created, At = published.AddDays(-1) },
            new DraftEvent { WorkspaceId = workspaceId, DraftId = draft.Id, ActorName = ownerName, Kind = DraftEventKind.Published, At = published });
        var performance = PostMetricsService.NewPerformance(post, channel.Kind, now);
        performance.NextFetchAt = null;
        db.Add(performance);
        PostMetricsService.Record(db, performance, new PostFigures(Shares: 9, Replies: 4, Quotes: 1, Likes: 31), published.AddHours(1), MetricsSource.Network);
        PostMetricsService.Record(db, performance, new PostFigures(Shares: 23, Replies: 11, Quotes: 2, Likes: 64), published.AddHours(24), MetricsSource.Network);
        await PostMetricsService.RecordFollowersAsync(db, workspaceId, channel.Id, 1_840, published, MetricsSource.Network, ct);
    }
}
