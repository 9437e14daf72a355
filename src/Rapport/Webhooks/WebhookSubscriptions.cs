using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Audit;
using Rapport.Channels;
using Rapport.Data;
using Rapport.Events;
using Rapport.Outbox;
using Rapport.Workspaces;

namespace Rapport.Webhooks;

public sealed record WebhookSubscriptionDto(Guid Id, string Url, string? Description, IReadOnlyList<string> EventTypes, bool Enabled, DateTime CreatedAt);

/// <summary>The subscription as made; <paramref name="Secret"/> appears in this answer only and cannot be read again.</summary>
public sealed record CreatedWebhookSubscriptionDto(Guid Id, string Url, string? Description, IReadOnlyList<string> EventTypes, bool Enabled, DateTime CreatedAt,
    string Secret);

public sealed record CreateWebhookSubscriptionRequest(
    [property: MaxLength(WebhookSubscription.MaxUrlLength)] string Url,
    IReadOnlyList<string> EventTypes,
    [property: MaxLength(WebhookSubscription.MaxDescriptionLength)] string? Description = null);

/// <summary>The fields sent are changed; the others are kept.</summary>
public sealed record UpdateWebhookSubscriptionRequest(
    [property: MaxLength(WebhookSubscription.MaxUrlLength)] string? Url = null,
    IReadOnlyList<string>? EventTypes = null,
    [property: MaxLength(WebhookSubscription.MaxDescriptionLength)] string? Description = null,
    bool? Enabled = null);

/// <summary>One line of a subscription's delivery log.</summary>
public sealed record WebhookAttemptDto(Guid Id, Guid DeliveryId, Guid EventId, string EventType, DateTime At, int? StatusCode, int DurationMs, string? Error,
    bool Replay);

/// <summary>Who acts: the workspace, the member (or the token's maker) and the name the audit log shows.</summary>
public sealed record WebhookActor(Guid WorkspaceId, Guid? UserId, string? Name);

public enum ReplayOutcome
{
    Queued,
    NotFound,
}

/// <summary>
/// Outgoing webhooks: an admin subscribes a URL to event types, sees each delivery attempt, and sends a logged delivery
/// again. The one front door for the settings page and the API: checks, audit and the secret's encryption happen here.
/// </summary>
public sealed class WebhookSubscriptions(WebhookSecrets secrets, WebhookSubscriptionCache cache, OutboxSignal outbox, AuditLog audit,
    IOptions<NetworkOptions> network, TimeProvider clock)
{
    internal const string ReplayPrefix = "webhook-replay-";

    /// <summary>How many attempts the log shows at most.</summary>
    public const int LogSize = 100;

    public async Task<List<WebhookSubscriptionDto>> ListAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Set<WebhookSubscription>().AsNoTracking().OrderBy(s => s.CreatedAt).ToListAsync(ct);
        return rows.Select(Dto).ToList();
    }

    public async Task<WebhookSubscriptionDto?> FindAsync(RapportDbContext db, Guid id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Set<WebhookSubscription>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct) is { } found ? Dto(found) : null;
    }

    public async Task<(CreatedWebhookSubscriptionDto? Created, RuleViolation? Refused)> CreateAsync(RapportDbContext db, WebhookActor actor,
        CreateWebhookSubscriptionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if ((CheckTypes(request.EventTypes) ?? CheckDescription(request.Description) ?? await CheckUrlAsync(request.Url, ct)) is { } refused)
        {
            return (null, refused);
        }
        var secret = EventSignature.NewSecret();
        var subscription = new WebhookSubscription
        {
            WorkspaceId = actor.WorkspaceId,
            Url = request.Url.Trim(),
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            EventTypes = string.Join(' ', request.EventTypes.Distinct(StringComparer.Ordinal)),
            ProtectedSecret = secrets.Protect(secret),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedByUserId = actor.UserId,
        };
        db.Add(subscription);
        audit.Add(db, "webhook.created", actor.WorkspaceId, actor.UserId, actor.Name, subscription.Url, subscription.EventTypes);
        await db.SaveChangesAsync(ct);
        cache.Forget(actor.WorkspaceId);
        var dto = Dto(subscription);
        return (new CreatedWebhookSubscriptionDto(dto.Id, dto.Url, dto.Description, dto.EventTypes, dto.Enabled, dto.CreatedAt, secret), null);
    }

    /// <summary>Changes the fields sent. Null when there is no such subscription in the workspace.</summary>
    public async Task<(WebhookSubscriptionDto? Updated, RuleViolation? Refused)> UpdateAsync(RapportDbContext db, WebhookActor actor, Guid id,
        UpdateWebhookSubscriptionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var subscription = await db.Set<WebhookSubscription>().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (subscription is null)
        {
            return (null, null);
        }
        if (((request.EventTypes is null ? null : CheckTypes(request.EventTypes)) ?? CheckDescription(request.Description)
            ?? (request.Url is null ? null : await CheckUrlAsync(request.Url, ct))) is { } refused)
        {
            return (null, refused);
        }
        if (request.Url is not null)
        {
            subscription.Url = request.Url.Trim();
        }
        if (request.EventTypes is not null)
        {
            subscription.EventTypes = string.Join(' ', request.EventTypes.Distinct(StringComparer.Ordinal));
        }
        if (request.Description is not null)
        {
            subscription.Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim();
        }
        if (request.Enabled is { } enabled)
        {
            subscription.Enabled = enabled;
        }
        audit.Add(db, "webhook.updated", actor.WorkspaceId, actor.UserId, actor.Name, subscription.Url,
            (subscription.Enabled ? "" : "paused: ") + subscription.EventTypes);
        await db.SaveChangesAsync(ct);
        cache.Forget(actor.WorkspaceId);
        return (Dto(subscription), null);
    }

    /// <summary>Deletes the subscription with its log; deliveries still queued fail as gone. False when there is none.</summary>
    public async Task<bool> DeleteAsync(RapportDbContext db, WebhookActor actor, Guid id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var subscription = await db.Set<WebhookSubscription>().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (subscription is null)
        {
            return false;
        }
        db.Remove(subscription);
        audit.Add(db, "webhook.deleted", actor.WorkspaceId, actor.UserId, actor.Name, subscription.Url);
        await db.SaveChangesAsync(ct);
        cache.Forget(actor.WorkspaceId);
        return true;
    }

    /// <summary>The latest attempts, newest first; null when there is no such subscription in the workspace.</summary>
    public async Task<List<WebhookAttemptDto>?> LogAsync(RapportDbContext db, Guid id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!await db.Set<WebhookSubscription>().AnyAsync(s => s.Id == id, ct))
        {
            return null;
        }
        return await db.Set<EventDeliveryAttempt>().AsNoTracking().Where(a => a.SubscriptionId == id)
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(LogSize)
            .Select(a => new WebhookAttemptDto(a.Id, a.DeliveryId, a.EventId, a.EventType, a.At, a.StatusCode, a.DurationMs, a.Error, a.Replay))
            .ToListAsync(ct);
    }

    /// <summary>
    /// Sends a logged delivery again, through the outbox: the same body and event id (so a receiver that has it can drop
    /// it), a fresh timestamp and signature. A paused subscription is sent to as well: the admin asked for it.
    /// </summary>
    public async Task<ReplayOutcome> ReplayAsync(RapportDbContext db, WebhookActor actor, Guid subscriptionId, Guid attemptId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var delivery = await db.Set<EventDeliveryAttempt>().Where(a => a.Id == attemptId && a.SubscriptionId == subscriptionId)
            .Join(db.Set<EventDelivery>(), a => a.DeliveryId, d => d.Id, (a, d) => d).FirstOrDefaultAsync(ct);
        var subscription = await db.Set<WebhookSubscription>().FirstOrDefaultAsync(s => s.Id == subscriptionId, ct);
        if (delivery is null || subscription is null)
        {
            return ReplayOutcome.NotFound;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        db.OutboxItems.Add(WebhookEventHandler<RapportEvent>.NewOutboxItem(delivery, now, ReplayPrefix + Guid.CreateVersion7().ToString("N")));
        audit.Add(db, "webhook.replayed", actor.WorkspaceId, actor.UserId, actor.Name, subscription.Url, delivery.EventType + " " + delivery.EventId);
        AfterCommit.Add(db, outbox.Notify);
        await db.SaveChangesAsync(ct);
        return ReplayOutcome.Queued;
    }

    private static RuleViolation? CheckTypes(IReadOnlyList<string>? types) =>
        types is null || types.Count == 0 ? new("eventTypes", "Webhooks.NoEventType", "Choose at least one event type.")
        : types.FirstOrDefault(t => !EventTypes.IsKnown(t)) is { } unknown
            ? new("eventTypes", "Webhooks.UnknownEventType", $"Unknown event type \"{unknown}\". The types are: {string.Join(", ", EventTypes.All)}.")
        : null;

    private static RuleViolation? CheckDescription(string? description) =>
        description?.Trim().Length > WebhookSubscription.MaxDescriptionLength
            ? new("description", "Webhooks.DescriptionTooLong", "A description has at most 200 characters.")
            : null;

    /// <summary>
    /// An absolute http(s) URL whose host is public, unless <see cref="NetworkOptions.AllowPrivateAddresses"/>: checked
    /// here so the admin hears it at once, and again at each delivery on the addresses connected to (PublicHosts).
    /// A name that cannot be resolved now is accepted: it may be resolvable later, and the delivery checks it then.
    /// </summary>
    public async Task<RuleViolation?> CheckUrlAsync(string? url, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Trim().Length > WebhookSubscription.MaxUrlLength
            || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return new("url", "Webhooks.InvalidUrl", "The URL must be an absolute http or https address, without a user name or password.");
        }
        if (network.Value.AllowPrivateAddresses)
        {
            return null;
        }
        IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await PublicHosts.AddressesOfAsync(uri.DnsSafeHost, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
        return addresses.Any(PublicHosts.IsPrivate)
            ? new("url", "Webhooks.PrivateUrl", "This URL leads to a private or local address, which Rapport does not send to.")
            : null;
    }

    private static WebhookSubscriptionDto Dto(WebhookSubscription s) => new(s.Id, s.Url, s.Description, s.Types, s.Enabled, s.CreatedAt);
}
