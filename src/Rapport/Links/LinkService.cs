using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rapport.Audit;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Links;

/// <summary>What a new tracked link says. Only <see cref="TargetUrl"/> is required.</summary>
public sealed record CreateLinkRequest(
    [property: MaxLength(TrackedLink.MaxUrlLength)] string TargetUrl,
    [property: MaxLength(TrackedLink.MaxTagLength)] string? UtmSource = null,
    [property: MaxLength(TrackedLink.MaxTagLength)] string? UtmMedium = null,
    [property: MaxLength(TrackedLink.MaxTagLength)] string? UtmCampaign = null,
    [property: MaxLength(TrackedLink.MaxTagLength)] string? UtmContent = null,
    Guid? PostId = null,
    Guid? ReplyMessageId = null,
    [property: MaxLength(TrackedLink.MaxTagLength)] string? Campaign = null,
    Guid? ChannelId = null);

/// <summary>A link with its counts: clicks counted, and the requests left out with the reason.</summary>
public sealed record LinkDto(Guid Id, string Code, string ShortUrl, string TargetUrl, string? UtmSource, string? UtmMedium, string? UtmCampaign,
    string? UtmContent, Guid? PostId, Guid? ReplyMessageId, string? Campaign, Guid? ChannelId, DateTime CreatedAt, long Clicks, long BotRequests,
    long RepeatedClicks);

/// <summary>Who makes a link: the workspace, the member (or the token's maker, or null for a feature acting alone) and their name for the audit log.</summary>
public sealed record LinkActor(Guid WorkspaceId, Guid? UserId, string? Name);

/// <summary>Where short links point from. Bound from "Rapport:Links".</summary>
public sealed class TrackedLinkOptions
{
    public const string Section = "Rapport:Links";

    /// <summary>The address readers reach /l/ at; the surveys' public address when not set.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>Clicks by the same visitor on the same link within this time count once (default 30 minutes).</summary>
    public TimeSpan RepeatWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Unknown codes one client may ask for per minute before every request of theirs gets 429.</summary>
    public int UnknownCodesPerMinute { get; set; } = 20;

    /// <summary>Clicks waiting for the writer at most; a full queue makes redirects wait, never drops a click.</summary>
    public int QueueCapacity { get; set; } = 100_000;
}

/// <summary>
/// Tracked links: made by hand on the links page, through the API, or by another feature (a draft in the content studio,
/// a reply) — all through <see cref="CreateAsync"/>, which checks the target and the tags and writes the audit entry.
/// </summary>
public sealed class LinkService(LinkCache cache, AuditLog audit, IOptions<TrackedLinkOptions> options, IOptions<Satisfaction.SurveyOptions> surveys,
    TimeProvider clock)
{
    /// <summary>Ten characters of 62: about 8 × 10^17 codes, so a guesser limited to a few tries a minute finds none.</summary>
    public const int CodeLength = 10;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewCode() => new(RandomNumberGenerator.GetItems<char>(Alphabet, CodeLength));

    /// <summary>True for a string that could be a code: redirects refuse anything else before looking it up.</summary>
    public static bool LooksLikeCode(ReadOnlySpan<char> code) => code.Length is >= 8 and <= 32 && !code.ContainsAnyExcept(Alphabet);

    public Uri ShortUrl(string code) => new(options.Value.PublicUrl ?? surveys.Value.PublicUrl, "/l/" + code);

    public async Task<(LinkDto? Created, RuleViolation? Refused)> CreateAsync(RapportDbContext db, LinkActor actor, CreateLinkRequest request,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        if ((CheckTarget(request.TargetUrl) ?? CheckTags(request)) is { } refused)
        {
            return (null, refused);
        }
        if (await CheckReferencesAsync(db, actor.WorkspaceId, request, ct) is { } missing)
        {
            return (null, missing);
        }
        var link = new TrackedLink
        {
            WorkspaceId = actor.WorkspaceId,
            Code = NewCode(),
            TargetUrl = request.TargetUrl.Trim(),
            UtmSource = Tag(request.UtmSource),
            UtmMedium = Tag(request.UtmMedium),
            UtmCampaign = Tag(request.UtmCampaign),
            UtmContent = Tag(request.UtmContent),
            PostId = request.PostId,
            ReplyMessageId = request.ReplyMessageId,
            Campaign = Tag(request.Campaign) ?? Tag(request.UtmCampaign),
            ChannelId = request.ChannelId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedByUserId = actor.UserId,
        };
        db.Add(link);
        audit.Add(db, "link.created", actor.WorkspaceId, actor.UserId, actor.Name, link.Code, link.TargetUrl);
        await db.SaveChangesAsync(ct);
        return (Dto(link, 0), null);
    }

    public async Task<List<LinkDto>> ListAsync(RapportDbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var links = await db.Set<TrackedLink>().AsNoTracking().OrderByDescending(l => l.CreatedAt).ToListAsync(ct);
        var ids = links.Select(l => l.Id).ToList();
        var clicks = await db.Set<LinkClick>().AsNoTracking().Where(c => ids.Contains(c.LinkId))
            .GroupBy(c => c.LinkId).Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return links.Select(l => Dto(l, clicks.GetValueOrDefault(l.Id))).ToList();
    }

    public async Task<LinkDto?> FindAsync(RapportDbContext db, Guid id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var link = await db.Set<TrackedLink>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, ct);
        return link is null ? null : Dto(link, await db.Set<LinkClick>().LongCountAsync(c => c.LinkId == id, ct));
    }

    /// <summary>Deletes a link and its clicks; its code then answers 404.</summary>
    public async Task<bool> DeleteAsync(RapportDbContext db, LinkActor actor, Guid id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var link = await db.Set<TrackedLink>().FirstOrDefaultAsync(l => l.Id == id && l.WorkspaceId == actor.WorkspaceId, ct);
        if (link is null)
        {
            return false;
        }
        db.Remove(link);
        audit.Add(db, "link.deleted", actor.WorkspaceId, actor.UserId, actor.Name, link.Code, link.TargetUrl);
        await db.SaveChangesAsync(ct);
        cache.Forget(link.Code);
        return true;
    }

    /// <summary>The target with the link's UTM parameters: those of the target with the same names are replaced, the others kept.</summary>
    public static string Destination(TrackedLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var target = new Uri(link.TargetUrl);
        var tags = new (string Name, string? Value)[]
        {
            ("utm_source", link.UtmSource), ("utm_medium", link.UtmMedium), ("utm_campaign", link.UtmCampaign), ("utm_content", link.UtmContent),
        };
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(target.Query);
        var kept = query.Where(q => !tags.Any(t => t.Value is not null && string.Equals(t.Name, q.Key, StringComparison.OrdinalIgnoreCase)))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)));
        var added = tags.Where(t => t.Value is not null).Select(t => new KeyValuePair<string, string?>(t.Name, t.Value));
        var builder = new UriBuilder(target) { Query = Microsoft.AspNetCore.Http.QueryString.Create(kept.Concat(added)).ToUriComponent().TrimStart('?') };
        return builder.Uri.AbsoluteUri;
    }

    private LinkDto Dto(TrackedLink l, long clicks) => new(l.Id, l.Code, ShortUrl(l.Code).AbsoluteUri, l.TargetUrl, l.UtmSource, l.UtmMedium, l.UtmCampaign,
        l.UtmContent, l.PostId, l.ReplyMessageId, l.Campaign, l.ChannelId, l.CreatedAt, clicks, l.BotRequests, l.RepeatedClicks);

    private static string? Tag(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>An absolute http or https address with a host: a link never sends readers to javascript:, data: or a file.</summary>
    internal static RuleViolation? CheckTarget(string? url) =>
        url is null || url.Trim() is not { Length: > 0 and <= TrackedLink.MaxUrlLength } trimmed
        || !Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
        || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.UserInfo)
            ? new RuleViolation("targetUrl", "Links.Rule.Target", "The target is the address of a page, starting with http:// or https://.")
            : null;

    private static RuleViolation? CheckTags(CreateLinkRequest r)
    {
        foreach (var (field, value) in new[] { ("utmSource", r.UtmSource), ("utmMedium", r.UtmMedium), ("utmCampaign", r.UtmCampaign), ("utmContent", r.UtmContent), ("campaign", r.Campaign) })
        {
            if (value is { Length: > TrackedLink.MaxTagLength } || (value is not null && value.Any(char.IsControl)))
            {
                return new RuleViolation(field, "Links.Rule.Tag", $"A tag has at most {TrackedLink.MaxTagLength} characters, on one line.");
            }
        }
        return null;
    }

    private static async Task<RuleViolation?> CheckReferencesAsync(RapportDbContext db, Guid workspaceId, CreateLinkRequest r, CancellationToken ct)
    {
        if (r.PostId is { } post && !await db.OutboxItems.AnyAsync(o => o.Id == post && o.WorkspaceId == workspaceId && o.MessageId == null && o.EventDeliveryId == null, ct))
        {
            return new RuleViolation("postId", "Links.Rule.Post", "No post of this workspace has this id.");
        }
        if (r.ReplyMessageId is { } reply && !await db.Messages.AnyAsync(m => m.Id == reply && m.WorkspaceId == workspaceId
                && m.Direction == Conversations.MessageDirection.Outbound, ct))
        {
            return new RuleViolation("replyMessageId", "Links.Rule.Reply", "No reply of this workspace has this id.");
        }
        if (r.ChannelId is { } channel && !await db.Channels.AnyAsync(c => c.Id == channel && c.WorkspaceId == workspaceId, ct))
        {
            return new RuleViolation("channelId", "Links.Rule.Channel", "No channel of this workspace has this id.");
        }
        return null;
    }
}
