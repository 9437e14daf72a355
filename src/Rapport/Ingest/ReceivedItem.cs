using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Ingest;

public enum ReceivedItemState
{
    /// <summary>Stored as received; waiting to be processed (or being processed by whoever holds its lease).</summary>
    Accepted,
    /// <summary>Its message is stored, analysed and routed.</summary>
    Processed,
    /// <summary>Processing failed <see cref="IngestOptions.MaxAttempts"/> times; <see cref="ReceivedItem.Error"/> says why.</summary>
    Failed,
}

/// <summary>
/// One inbound item as a channel, the webhook receiver, the chat, the API or an import handed it over, stored before
/// anything is done with it (docs/decisions/0056-accept-then-process.md). Unique by channel and external id, so a
/// delivery received twice is accepted once. Processing claims it by lease (<see cref="ClaimedUntil"/>): a node that
/// dies mid-way leaves it to another once the lease is over, and processing again stores nothing twice.
/// </summary>
public sealed class ReceivedItem : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid ChannelId { get; set; }
    /// <summary>The network's id, as normalized for the message (<see cref="IngestService.Normalized(InboundItem)"/>).</summary>
    public required string ExternalId { get; set; }
    /// <summary>The normalized <see cref="InboundItem"/> as JSON: what processing reads, and what can be processed again.</summary>
    public required string Payload { get; set; }
    public ReceivedItemState State { get; set; }
    /// <summary>Processing attempts started (a claim counts one).</summary>
    public int Attempts { get; set; }
    /// <summary>Why the last attempt failed; null once processed.</summary>
    public string? Error { get; set; }
    public DateTime AcceptedAt { get; set; }
    /// <summary>Until when whoever claimed it is processing it; null when nobody has. Another claim waits until then.</summary>
    public DateTime? ClaimedUntil { get; set; }
    /// <summary>Which claim holds it (one per worker round), so a claim reads back exactly the items it won.</summary>
    public Guid? ClaimedBy { get; set; }
    public DateTime? ProcessedAt { get; set; }
}

internal sealed class ReceivedItemConfiguration : IEntityTypeConfiguration<ReceivedItem>
{
    public void Configure(EntityTypeBuilder<ReceivedItem> builder)
    {
        builder.HasIndex(r => new { r.ChannelId, r.ExternalId }).IsUnique();
        // What a worker round looks for: accepted items, oldest first, whose lease (if any) is over.
        builder.HasIndex(r => new { r.State, r.AcceptedAt });
        builder.HasIndex(r => new { r.WorkspaceId, r.AcceptedAt });
    }
}
