using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.Automation;

/// <summary>When a rule is considered.</summary>
public enum RuleTrigger
{
    MessageReceived,
    ConversationCreated,
    ConversationUpdated,
    SlaAboutToBreach,
}

/// <summary>What a conversation must match for a rule to act; every condition set must hold (an empty rule matches all).</summary>
public sealed record RuleConditions
{
    public List<Guid>? ChannelIds { get; init; }
    /// <summary>Intents of the latest customer message ("Complaint", "Question"…).</summary>
    public List<string>? Intents { get; init; }
    public List<string>? Languages { get; init; }
    /// <summary>"Negative", "Neutral" or "Positive", of the latest customer message.</summary>
    public List<string>? Sentiments { get; init; }
    /// <summary>The needs-an-answer probability (0–1) must be at least this.</summary>
    public double? MinNeedsAnswer { get; init; }
    /// <summary>Any of these words or phrases in the latest customer message (case and accents ignored).</summary>
    public List<string>? Keywords { get; init; }
    /// <summary>Only conversations with a VIP contact.</summary>
    public bool VipOnly { get; init; }
}

/// <summary>What a rule does; each action set is applied, in this order.</summary>
public sealed record RuleActions
{
    /// <summary>Assign to this member (unless they are at capacity).</summary>
    public Guid? AssignToUserId { get; init; }
    /// <summary>Give to this team and assign to its next member in turn who is under capacity.</summary>
    public Guid? AssignToTeamId { get; init; }
    /// <summary>The most open conversations a member may hold before assignment skips them. Null: no limit.</summary>
    public int? Capacity { get; init; }
    public List<Guid>? LabelIds { get; init; }
    public Priority? Priority { get; init; }
    public ConversationStatus? Status { get; init; }
    /// <summary>Set the conversation aside as noise (visible in the noise view, never deleted).</summary>
    public bool SetAsideAsNoise { get; init; }
    /// <summary>Sent to the customer through the outbox, like an agent's reply.</summary>
    public string? ReplyText { get; init; }
    public List<Guid>? NotifyUserIds { get; init; }
}

/// <summary>When + conditions → actions, run in <see cref="Position"/> order on the ingest and action paths.</summary>
public sealed class AutomationRule : IWorkspaceOwned
{
    public const int MaxReplyLength = 5000;
    public const int MaxKeywords = 50;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public int Position { get; set; }
    public bool Enabled { get; set; } = true;
    public RuleTrigger Trigger { get; set; }
    public RuleConditions Conditions { get; set; } = new();
    public RuleActions Actions { get; set; } = new();
    /// <summary>The member this rule assigned last: round-robin goes on from the next one.</summary>
    public Guid? LastAssigneeId { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class AutomationRuleConfiguration : IEntityTypeConfiguration<AutomationRule>
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public void Configure(EntityTypeBuilder<AutomationRule> builder)
    {
        builder.HasIndex(r => new { r.WorkspaceId, r.Trigger, r.Position });
        builder.Property(r => r.Name).HasMaxLength(100);
        // Conditions and actions are one JSON document each: they grow with the product without a migration per field.
        builder.Property(r => r.Conditions).HasConversion(
            v => JsonSerializer.Serialize(v, JsonOptions), v => JsonSerializer.Deserialize<RuleConditions>(v, JsonOptions) ?? new(),
            new ValueComparer<RuleConditions>((a, b) => JsonSerializer.Serialize(a, JsonOptions) == JsonSerializer.Serialize(b, JsonOptions),
                v => JsonSerializer.Serialize(v, JsonOptions).GetHashCode(StringComparison.Ordinal), v => v));
        builder.Property(r => r.Actions).HasConversion(
            v => JsonSerializer.Serialize(v, JsonOptions), v => JsonSerializer.Deserialize<RuleActions>(v, JsonOptions) ?? new(),
            new ValueComparer<RuleActions>((a, b) => JsonSerializer.Serialize(a, JsonOptions) == JsonSerializer.Serialize(b, JsonOptions),
                v => JsonSerializer.Serialize(v, JsonOptions).GetHashCode(StringComparison.Ordinal), v => v));
    }
}
