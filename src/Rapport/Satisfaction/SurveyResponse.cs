using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Satisfaction;

/// <summary>A customer's answer to the satisfaction survey of one conversation: at most one per conversation.</summary>
public sealed class SurveyResponse : IWorkspaceOwned
{
    public const int MaxCommentLength = 2000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ConversationId { get; set; }
    /// <summary>Customer satisfaction, 1 (very unhappy) to 5 (very happy).</summary>
    public int Csat { get; set; }
    /// <summary>Customer effort, 1 (very easy) to 5 (very hard).</summary>
    public int Effort { get; set; }
    /// <summary>"How likely are you to recommend us?", 0 to 10, when the workspace asks it and the customer answered.</summary>
    public int? Recommend { get; set; }
    /// <summary>Plain text as typed, never rendered as HTML.</summary>
    public string? Comment { get; set; }
    public DateTime AnsweredAt { get; set; }
}

/// <summary>Whether the survey link goes out by itself when a conversation is resolved, and with which words.</summary>
public sealed class SurveySettings : IWorkspaceOwned
{
    public const string LinkPlaceholder = "{link}";
    public const int MaxInvitationLength = 1000;
    public const string DefaultInvitation = "Thank you for contacting us. How did we do? Two questions, one minute: {link}";

    public Guid WorkspaceId { get; set; }
    public bool SendOnResolve { get; set; }
    /// <summary>Whether the survey also asks "how likely are you to recommend us?" (0–10), for the NPS.</summary>
    public bool AskRecommendation { get; set; }
    public string Invitation { get; set; } = DefaultInvitation;
}

internal sealed class SurveyConfiguration : IEntityTypeConfiguration<SurveyResponse>, IEntityTypeConfiguration<SurveySettings>
{
    public void Configure(EntityTypeBuilder<SurveyResponse> builder)
    {
        // One answer per conversation, even when two submissions race.
        builder.HasIndex(r => r.ConversationId).IsUnique();
        builder.Property(r => r.Comment).HasMaxLength(SurveyResponse.MaxCommentLength);
        builder.HasOne<Conversations.Conversation>().WithMany().HasForeignKey(r => r.ConversationId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<SurveySettings> builder)
    {
        builder.HasKey(s => s.WorkspaceId);
        builder.Property(s => s.Invitation).HasMaxLength(SurveySettings.MaxInvitationLength);
        builder.HasOne<Workspaces.Workspace>().WithOne().HasForeignKey<SurveySettings>(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
