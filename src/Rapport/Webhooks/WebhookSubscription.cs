using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rapport.Data;

namespace Rapport.Webhooks;

/// <summary>A URL of the workspace's that receives, signed, the events of the types it names (docs/webhooks-outgoing.md).</summary>
public sealed class WebhookSubscription : IWorkspaceOwned
{
    public const int MaxUrlLength = 2000;
    public const int MaxDescriptionLength = 200;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Url { get; set; }
    /// <summary>What the admin wrote to recognise it ("CRM sync").</summary>
    public string? Description { get; set; }
    /// <summary>The event types it receives, space separated (<see cref="Events.EventTypes"/>).</summary>
    public string EventTypes { get; set; } = "";
    /// <summary>The signing secret, encrypted at rest like channel secrets; shown to the admin once, when made.</summary>
    public required string ProtectedSecret { get; set; }
    /// <summary>A paused subscription receives no new events; what was queued still goes out.</summary>
    public bool Enabled { get; set; } = true;
    public DateTime CreatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }

    public IReadOnlyList<string> Types => EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>One event queued for one subscription: the exact body it sends, so every attempt and a replay send the same.</summary>
public sealed class EventDelivery : IWorkspaceOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid SubscriptionId { get; set; }
    /// <summary>The event's id, the same for every subscription and every attempt: receivers drop copies by it.</summary>
    public Guid EventId { get; set; }
    public required string EventType { get; set; }
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>One attempt at posting a delivery, as the delivery log shows it.</summary>
public sealed class EventDeliveryAttempt : IWorkspaceOwned
{
    public const int MaxErrorLength = 1000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public Guid SubscriptionId { get; set; }
    public Guid DeliveryId { get; set; }
    public Guid EventId { get; set; }
    public required string EventType { get; set; }
    public DateTime At { get; set; }
    /// <summary>What the URL answered; null when no answer came (refused, unreachable, timed out).</summary>
    public int? StatusCode { get; set; }
    public int DurationMs { get; set; }
    public string? Error { get; set; }
    /// <summary>Sent again from the log by an admin, not by the outbox's retries.</summary>
    public bool Replay { get; set; }
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> builder)
    {
        builder.HasIndex(s => s.WorkspaceId);
        builder.Property(s => s.Url).HasMaxLength(WebhookSubscription.MaxUrlLength);
        builder.Property(s => s.Description).HasMaxLength(WebhookSubscription.MaxDescriptionLength);
        builder.Property(s => s.EventTypes).HasMaxLength(1000);
        builder.Ignore(s => s.Types);
        builder.HasOne<Workspaces.Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EventDeliveryConfiguration : IEntityTypeConfiguration<EventDelivery>
{
    public void Configure(EntityTypeBuilder<EventDelivery> builder)
    {
        builder.HasIndex(d => d.SubscriptionId);
        builder.Property(d => d.EventType).HasMaxLength(64);
        builder.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EventDeliveryAttemptConfiguration : IEntityTypeConfiguration<EventDeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<EventDeliveryAttempt> builder)
    {
        builder.HasIndex(a => new { a.SubscriptionId, a.At });
        builder.Property(a => a.EventType).HasMaxLength(64);
        builder.Property(a => a.Error).HasMaxLength(EventDeliveryAttempt.MaxErrorLength);
        builder.HasOne<EventDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}
