using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.KnowledgeBase;

/// <summary>A saved reply; its placeholders ({{contact.name}}, {{agent.name}}) are filled when it is inserted.</summary>
public sealed class CannedResponse : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>"fr" or "en".</summary>
    public string Language { get; set; } = "en";
    public string Body { get; set; } = "";
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Several actions on a conversation at once: a reply, labels added, a status, a priority, an assignee.</summary>
public sealed class Macro : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>Sent to the customer through the outbox, placeholders filled; none when null.</summary>
    public string? ReplyText { get; set; }
    /// <summary>Added to the conversation's labels (the ones it has stay).</summary>
    public List<Guid> AddLabelIds { get; set; } = [];
    public ConversationStatus? Status { get; set; }
    public Priority? Priority { get; set; }
    public Guid? AssigneeId { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class CannedResponseConfiguration : IEntityTypeConfiguration<CannedResponse>
{
    public void Configure(EntityTypeBuilder<CannedResponse> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.HasIndex(c => new { c.WorkspaceId, c.Name }).IsUnique();
        builder.Property(c => c.Name).HasMaxLength(KnowledgeBaseService.MaxNameLength);
        builder.Property(c => c.Language).HasMaxLength(8);
    }
}

public sealed class MacroConfiguration : IEntityTypeConfiguration<Macro>
{
    public void Configure(EntityTypeBuilder<Macro> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.HasIndex(m => new { m.WorkspaceId, m.Name }).IsUnique();
        builder.Property(m => m.Name).HasMaxLength(KnowledgeBaseService.MaxNameLength);
    }
}
