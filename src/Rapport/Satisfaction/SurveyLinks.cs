using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Outbox;
using Rapport.Resources;

namespace Rapport.Satisfaction;

/// <summary>Where public survey links point. Bound from "Rapport:Surveys".</summary>
public sealed class SurveyOptions
{
    public const string Section = "Rapport:Surveys";

    /// <summary>The address customers reach the app at, for links sent to them. Default: http://localhost:5080.</summary>
    public Uri PublicUrl { get; set; } = new(RapportHost.DefaultUrl);
}

/// <summary>
/// Survey links: the token is the workspace and conversation ids, encrypted and authenticated with the app's data
/// protection keys (kept in the database, shared by every node). It cannot be guessed, and a forged or altered token
/// fails to decrypt and is refused.
/// </summary>
public sealed class SurveyLinks(IDataProtectionProvider protection, IOptions<SurveyOptions> options, OutboxSignal outbox, TimeProvider clock,
    IStringLocalizer<Strings> l)
{
    /// <summary>Longer than any token this class makes: anything longer is refused before decrypting.</summary>
    public const int MaxTokenLength = 400;

    private readonly IDataProtector protector = protection.CreateProtector("Rapport.Satisfaction.SurveyLink.v1");

    public string TokenFor(Guid workspaceId, Guid conversationId)
    {
        var plain = new byte[32];
        workspaceId.TryWriteBytes(plain.AsSpan(0, 16));
        conversationId.TryWriteBytes(plain.AsSpan(16, 16));
        return WebEncoders.Base64UrlEncode(protector.Protect(plain));
    }

    /// <summary>The public page of a token. Each token made differs (random IV), so the link is built from the one given.</summary>
    public Uri UrlFor(string token) => new(options.Value.PublicUrl, "/survey/" + token);

    /// <summary>The conversation a token names, or null for a forged, altered or malformed one.</summary>
    public (Guid WorkspaceId, Guid ConversationId)? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }
        try
        {
            var plain = protector.Unprotect(WebEncoders.Base64UrlDecode(token));
            return plain.Length == 32 ? (new Guid(plain.AsSpan(0, 16)), new Guid(plain.AsSpan(16, 16))) : null;
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Queues the survey invitation when the workspace sends it on resolution and the customer has not answered yet.</summary>
    public async Task QueueOnResolveAsync(RapportDbContext db, Conversation conversation, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(conversation);
        var settings = await db.SurveySettings.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == conversation.WorkspaceId, ct);
        if (settings is not { SendOnResolve: true } || await db.SurveyResponses.IgnoreQueryFilters().AnyAsync(r => r.ConversationId == conversation.Id, ct))
        {
            return;
        }
        var link = UrlFor(TokenFor(conversation.WorkspaceId, conversation.Id)).ToString();
        var invitation = settings.Invitation == SurveySettings.DefaultInvitation ? DefaultInvitation(conversation.Language) : settings.Invitation;
        var text = invitation.Contains(SurveySettings.LinkPlaceholder, StringComparison.Ordinal)
            ? invitation.Replace(SurveySettings.LinkPlaceholder, link, StringComparison.Ordinal)
            : invitation + " " + link;
        var now = clock.GetUtcNow().UtcDateTime;
        var inReplyTo = await db.Messages.IgnoreQueryFilters()
            .Where(m => m.ConversationId == conversation.Id && m.Direction == MessageDirection.Inbound && m.ExternalId != null)
            .OrderByDescending(m => m.CreatedAt).Select(m => m.ExternalId).FirstOrDefaultAsync(ct);
        var message = ConversationActions.RecordAutomatedReply(db, conversation, Automation.AutomationEngine.AuthorName, text, now);
        message.InReplyToExternalId = inReplyTo;
        db.OutboxItems.Add(OutboxService.NewReplyItem(conversation, message, inReplyTo, Automation.AutomationEngine.AuthorName, now));
        outbox.Notify();
    }

    /// <summary>
    /// The invitation Rapport offers when the workspace has not written its own, in the customer's language (the
    /// conversation's, French or English), not in whichever language the resolving agent reads.
    /// </summary>
    public string DefaultInvitation(string? language)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language is "fr" ? "fr" : "en");
        try
        {
            return l["Survey.DefaultInvitation"];
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}
