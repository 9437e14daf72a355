using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Audit;
using Rapport.Channels.Webhook;
using Rapport.Data;
using Rapport.Links;
using Rapport.Webhooks;
using Rapport.Workspaces;

namespace Rapport.Conversions;

/// <summary>What the shop sends: the order, its value, and the link code or UTM campaign the buyer came with.</summary>
public sealed record ConversionPayload(string? OrderId, string? LinkCode, string? UtmCampaign, decimal? Value, string? Currency, DateTimeOffset? OccurredAt);

/// <summary>A stored conversion, and what it was attributed to.</summary>
public sealed record ConversionDto(Guid Id, string OrderId, decimal Value, string Currency, DateTime OccurredAt, DateTime ReceivedAt, bool Attributed,
    Guid? LinkId, string? LinkCode, Guid? ClickId, DateTime? ClickAt, Guid? PostId, Guid? ReplyMessageId, string? Campaign, Guid? ChannelId)
{
    public static ConversionDto Of(Conversion c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new(c.Id, c.OrderId, c.Value, c.Currency, c.OccurredAt, c.ReceivedAt, c.ClickId is not null, c.LinkId, c.LinkCode, c.ClickId, c.ClickAt,
            c.PostId, c.ReplyMessageId, c.Campaign, c.ChannelId);
    }
}

/// <summary>The webhook's settings as an admin sees them: the secret in clear, to paste into the shop.</summary>
public sealed record ConversionSettingsDto(string Secret, int WindowDays, string Endpoint);

/// <summary>How a conversion delivery ended.</summary>
public enum ConversionOutcome
{
    Created,
    /// <summary>The order id was already received: the first record is answered, nothing is counted again.</summary>
    AlreadyReceived,
    /// <summary>No such workspace, or it has no secret yet: the same answer, so nothing is learned.</summary>
    NotFound,
    /// <summary>No signature, a wrong one, or a timestamp outside the tolerance (a replay).</summary>
    Refused,
    Invalid,
    /// <summary>The link code or campaign names no link of the workspace.</summary>
    UnknownLink,
}

public sealed record ConversionResult(ConversionOutcome Outcome, ConversionDto? Conversion = null, string? Field = null, string? Message = null);

/// <summary>
/// The conversion webhook (docs/conversions.md): signed like Rapport's outgoing webhooks (<see cref="EventSignature"/>:
/// HMAC-SHA256 of "timestamp.body", <c>v1=</c> hex) with the workspace's secret, kept encrypted as outgoing webhooks'
/// are (<see cref="WebhookSecrets"/>); the timestamp must be within the webhook tolerance; the order id makes it idempotent.
/// </summary>
public sealed class ConversionService(WebhookSecrets secrets, AuditLog audit, IOptions<WebhookOptions> webhookOptions, IOptions<TrackedLinkOptions> linkOptions,
    IOptions<Satisfaction.SurveyOptions> surveys, TimeProvider clock)
{
    /// <summary>No single order is worth more: a typo or a unit mistake (cents sent as units) is refused, not counted.</summary>
    public const decimal MaxValue = 1_000_000_000m;

    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    /// <summary>The ISO 4217 currencies of every region .NET knows (ICU), as RegionInfo names them.</summary>
    public static readonly IReadOnlySet<string> Currencies = CultureInfo.GetCultures(CultureTypes.SpecificCultures)
        .Select(c =>
        {
            try
            {
                return new RegionInfo(c.Name).ISOCurrencySymbol;
            }
            catch (ArgumentException)
            {
                return null;
            }
        })
        .Where(s => s is { Length: 3 } && s.All(char.IsAsciiLetterUpper))
        .Select(s => s!)
        .ToHashSet(StringComparer.Ordinal);

    public async Task<ConversionSettingsDto> SettingsAsync(RapportDbContext db, Guid workspaceId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var settings = await db.Set<ConversionSettings>().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct);
        if (settings is null)
        {
            // Made when an admin first looks: a workspace that never opens the page has no webhook to attack.
            settings = new ConversionSettings { WorkspaceId = workspaceId, ProtectedSecret = secrets.Protect(EventSignature.NewSecret()), UpdatedAt = Now };
            db.Add(settings);
            await db.SaveChangesAsync(ct);
        }
        return Dto(settings);
    }

    public async Task<ConversionSettingsDto> RotateSecretAsync(RapportDbContext db, Guid workspaceId, Guid? userId, string? actorName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await SettingsAsync(db, workspaceId, ct);
        var settings = await db.Set<ConversionSettings>().FirstAsync(s => s.WorkspaceId == workspaceId, ct);
        settings.ProtectedSecret = secrets.Protect(EventSignature.NewSecret());
        settings.UpdatedAt = Now;
        audit.Add(db, "conversions.secret-rotated", workspaceId, userId, actorName);
        await db.SaveChangesAsync(ct);
        return Dto(settings);
    }

    public async Task<(ConversionSettingsDto? Saved, RuleViolation? Refused)> SetWindowAsync(RapportDbContext db, Guid workspaceId, int days, Guid? userId,
        string? actorName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (days is < 1 or > ConversionSettings.MaxWindowDays)
        {
            return (null, new RuleViolation("windowDays", "Conversions.Rule.Window", $"The window is 1 to {ConversionSettings.MaxWindowDays} days."));
        }
        await SettingsAsync(db, workspaceId, ct);
        var settings = await db.Set<ConversionSettings>().FirstAsync(s => s.WorkspaceId == workspaceId, ct);
        settings.WindowDays = days;
        settings.UpdatedAt = Now;
        audit.Add(db, "conversions.window-changed", workspaceId, userId, actorName, details: days.ToString(CultureInfo.InvariantCulture));
        await db.SaveChangesAsync(ct);
        return (Dto(settings), null);
    }

    public async Task<List<ConversionDto>> ListAsync(RapportDbContext db, DateTime from, DateTime to, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.Set<Conversion>().AsNoTracking().Where(c => c.OccurredAt >= from && c.OccurredAt < to)
            .OrderByDescending(c => c.OccurredAt).Take(1000).ToListAsync(ct);
        return rows.Select(ConversionDto.Of).ToList();
    }

    /// <summary>Checks a delivery (signature, timestamp, payload), then stores it once per order id, attributed.</summary>
    public async Task<ConversionResult> ReceiveAsync(RapportDbContext db, Guid workspaceId, ReadOnlyMemory<byte> body, string? timestamp, string? signature,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var settings = await db.Set<ConversionSettings>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct);
        if (settings is null)
        {
            return new(ConversionOutcome.NotFound);
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || signature is null)
        {
            return new(ConversionOutcome.Refused, Message: $"The {EventSignature.TimestampHeader} (Unix seconds) and {EventSignature.SignatureHeader} headers are required.");
        }
        var expected = EventSignature.Sign(secrets.Unprotect(settings.ProtectedSecret), seconds, body.Span);
        if (!WebhookSignature.SecretsEqual(signature.Trim(), expected))
        {
            return new(ConversionOutcome.Refused, Message: "The signature does not match: sign \"timestamp.body\" with the workspace's conversion secret (docs/conversions.md).");
        }
        var tolerance = webhookOptions.Value.TimestampTolerance;
        var now = clock.GetUtcNow();
        if (Math.Abs((double)now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return new(ConversionOutcome.Refused,
                Message: $"The timestamp is more than {tolerance.TotalMinutes:0.#} minutes from Rapport's clock: a replay, or a clock to set right.");
        }

        ConversionPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<ConversionPayload>(body.Span, PayloadJson);
        }
        catch (JsonException e)
        {
            return Invalid("body", "The body is a JSON object (docs/conversions.md): " + e.Message);
        }
        if (Check(payload, now) is { } problem)
        {
            return problem;
        }
        var orderId = payload!.OrderId!.Trim();
        if (await db.Set<Conversion>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.OrderId == orderId, ct) is { } known)
        {
            return new(ConversionOutcome.AlreadyReceived, ConversionDto.Of(known));
        }

        var code = string.IsNullOrWhiteSpace(payload.LinkCode) ? null : payload.LinkCode.Trim();
        var campaign = string.IsNullOrWhiteSpace(payload.UtmCampaign) ? null : payload.UtmCampaign.Trim();
        var links = db.Set<TrackedLink>().IgnoreQueryFilters().AsNoTracking().Where(l => l.WorkspaceId == workspaceId);
        var linkIds = code is not null
            ? await links.Where(l => l.Code == code).Select(l => l.Id).ToListAsync(ct)
            : await links.Where(l => l.UtmCampaign == campaign || l.Campaign == campaign).Select(l => l.Id).ToListAsync(ct);
        if (linkIds.Count == 0)
        {
            return new(ConversionOutcome.UnknownLink, Field: code is not null ? "linkCode" : "utmCampaign",
                Message: code is not null ? $"No link of this workspace has the code {code}." : $"No link of this workspace has the campaign {campaign}.");
        }

        var occurred = (payload.OccurredAt ?? now).UtcDateTime;
        var since = occurred.AddDays(-settings.WindowDays);
        // Last click wins: the most recent counted click on a matching link, in the window before the purchase.
        var click = await db.Set<LinkClick>().IgnoreQueryFilters().AsNoTracking()
            .Where(c => linkIds.Contains(c.LinkId) && c.At <= occurred && c.At >= since)
            .OrderByDescending(c => c.At).FirstOrDefaultAsync(ct);
        var link = click is null ? null : await links.FirstAsync(l => l.Id == click.LinkId, ct);
        var conversion = new Conversion
        {
            WorkspaceId = workspaceId,
            OrderId = orderId,
            Value = payload.Value!.Value,
            Currency = payload.Currency!.Trim().ToUpperInvariant(),
            OccurredAt = occurred,
            ReceivedAt = now.UtcDateTime,
            LinkCode = code,
            UtmCampaign = campaign,
            ClickId = click?.Id,
            ClickAt = click?.At,
            LinkId = link?.Id,
            PostId = link?.PostId,
            ReplyMessageId = link?.ReplyMessageId,
            Campaign = link?.Campaign ?? campaign,
            ChannelId = link?.ChannelId,
        };
        db.Add(conversion);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same order arrived twice at once: the unique index lets the first through; answer with it.
            db.ChangeTracker.Clear();
            var first = await db.Set<Conversion>().IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.OrderId == orderId, ct);
            if (first is null)
            {
                throw;
            }
            return new(ConversionOutcome.AlreadyReceived, ConversionDto.Of(first));
        }
        return new(ConversionOutcome.Created, ConversionDto.Of(conversion));
    }

    private static ConversionResult? Check(ConversionPayload? p, DateTimeOffset now)
    {
        if (p is null)
        {
            return Invalid("body", "The body is a JSON object (docs/conversions.md).");
        }
        if (p.OrderId?.Trim() is not { Length: > 0 and <= Conversion.MaxOrderIdLength })
        {
            return Invalid("orderId", $"An orderId of 1 to {Conversion.MaxOrderIdLength} characters is required: it makes the webhook idempotent.");
        }
        if (string.IsNullOrWhiteSpace(p.LinkCode) && string.IsNullOrWhiteSpace(p.UtmCampaign))
        {
            return Invalid("linkCode", "A linkCode or a utmCampaign says which link the buyer came from.");
        }
        if (p.LinkCode is { Length: > 32 } || p.UtmCampaign is { Length: > Links.TrackedLink.MaxTagLength })
        {
            return Invalid(p.LinkCode is { Length: > 32 } ? "linkCode" : "utmCampaign", "The link code or campaign is too long.");
        }
        if (p.Value is not { } value || value < 0 || value > MaxValue || value.Scale > 4)
        {
            return Invalid("value", $"The value is a number from 0 to {MaxValue.ToString("N0", CultureInfo.InvariantCulture)}, with at most 4 decimals.");
        }
        if (p.Currency?.Trim().ToUpperInvariant() is not { } currency || !Currencies.Contains(currency))
        {
            return Invalid("currency", "The currency is an ISO 4217 code, such as EUR or USD.");
        }
        if (p.OccurredAt is { } at && (at > now.AddDays(1) || at < now.AddYears(-1)))
        {
            return Invalid("occurredAt", "occurredAt is a date of the past year, not in the future.");
        }
        return null;
    }

    private static ConversionResult Invalid(string field, string message) => new(ConversionOutcome.Invalid, Field: field, Message: message);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private ConversionSettingsDto Dto(ConversionSettings s) =>
        new(secrets.Unprotect(s.ProtectedSecret), s.WindowDays, new Uri(linkOptions.Value.PublicUrl ?? surveys.Value.PublicUrl, $"/api/v1/conversions/{s.WorkspaceId}").AbsoluteUri);
}
