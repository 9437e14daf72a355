using Rapport.Analysis.Review;
using Rapport.Channels;
using Rapport.Content;
using Rapport.Data;
using Rapport.KnowledgeBase;

namespace Rapport.Demo;

/// <summary>
/// The demo's content studio: an idea taken from the questions the demo's customers ask most, and a draft written from it,
/// waiting in review, so the Content pages show the journey from evidence to post.
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
        await db.SaveChangesAsync(ct);
    }
}
