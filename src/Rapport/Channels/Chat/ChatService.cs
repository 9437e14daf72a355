using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Notifications;

namespace Rapport.Channels.Chat;

/// <summary>What a visitor sends: a message, optionally how to reach them, and the widget's id for the message (so a retried send is stored once).</summary>
public sealed record ChatMessageRequest([property: MaxLength(ChatService.MaxMessageLength)] string? Text, [property: MaxLength(ChatService.MaxEmailLength)] string? Email,
    [property: MaxLength(ChatService.MaxNameLength)] string? Name, [property: MaxLength(64)] string? ClientId);

/// <summary>A line of the visitor's conversation as the widget shows it: theirs, or the brand's reply.</summary>
public sealed record ChatLine(Guid Id, bool FromVisitor, string AuthorName, string Text, DateTime At);

/// <summary>
/// The website chat adapter: finds a channel by its public key, turns a visitor's message into an
/// <see cref="InboundItem"/> for the one ingest path, and reads back what the visitor may see of their conversation.
/// </summary>
public sealed class ChatService(IngestService ingest, Notifier notifier)
{
    /// <summary>The notification a message left through the offline form gives the members who handle the chat.</summary>
    public const string OfflineKind = "chat.offline";

    public const int MaxMessageLength = 4000;
    public const int MaxNameLength = 100;
    public const int MaxEmailLength = 254;
    /// <summary>How much of a long conversation the widget gets back when it (re)connects.</summary>
    public const int HistoryLimit = 200;

    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    /// <summary>The chat channel with this public key, paused or not, with its settings as read to match the key; null for anything else.</summary>
    public static async Task<(Channel Channel, ChatSettings Settings)?> FindAsync(RapportDbContext db, string? publicKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!ChatSettings.IsWellFormedKey(publicKey))
        {
            return null;
        }
        // The key is random and URL-safe, so a substring match finds the few candidates; the parsed settings decide.
        var candidates = await db.Channels.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.Kind == ChannelKind.Chat && c.Settings.Contains(publicKey!))
            .ToListAsync(ct);
        foreach (var candidate in candidates)
        {
            var settings = ChatSettings.Read(candidate.Settings);
            if (settings.PublicKey == publicKey)
            {
                return (candidate, settings);
            }
        }
        return null;
    }

    /// <summary>The thread every message of one visitor's session shares: one conversation per visitor.</summary>
    public static string ThreadOf(Guid visitorId) => $"{ThreadPrefix}{visitorId:N}";

    /// <summary>How every chat conversation's thread begins.</summary>
    public const string ThreadPrefix = "chat:";

    /// <summary>What is wrong with the request, as (field, message), or null.</summary>
    public static (string Field, string Message)? Check(ChatMessageRequest request, bool emailRequired)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > MaxMessageLength)
        {
            return ("text", $"A message is 1 to {MaxMessageLength} characters.");
        }
        if (string.IsNullOrWhiteSpace(request.Email) ? emailRequired : !IsEmail(request.Email))
        {
            return ("email", "An e-mail address such as name@example.com is required to answer you.");
        }
        if (request.Name?.Length > MaxNameLength)
        {
            return ("name", $"A name is at most {MaxNameLength} characters.");
        }
        if (request.ClientId is { } id && (id.Length is 0 or > 64 || id.AsSpan().ContainsAnyExcept("abcdefABCDEF0123456789-")))
        {
            return ("clientId", "clientId is a UUID the widget makes for each message.");
        }
        return null;
    }

    /// <summary>
    /// Stores the visitor's message through ingest (the session is the thread, the visitor the author) and keeps their
    /// e-mail on the contact. An offline message also titles the conversation so the agent knows to answer by e-mail.
    /// </summary>
    public async Task<IngestResult> ReceiveAsync(RapportDbContext db, Channel channel, Guid visitorId, ChatMessageRequest request, bool offline, string? origin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(request);
        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        var name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim();
        var item = new InboundItem
        {
            ChannelId = channel.Id,
            ExternalId = $"{ThreadOf(visitorId)}:{request.ClientId?.ToLowerInvariant() ?? Guid.CreateVersion7().ToString()}",
            AuthorHandle = $"visitor:{visitorId:N}",
            AuthorName = name ?? email ?? $"Visitor {visitorId.ToString("N")[..6]}",
            Text = request.Text!,
            ThreadId = ThreadOf(visitorId),
            RawPayload = JsonSerializer.Serialize(new { request.Text, email, name, offline, origin }, PayloadJson),
        };
        var result = await ingest.IngestAsync(db, channel.WorkspaceId, item, ct);
        if (!result.Created)
        {
            return result; // The widget sent the same message again: stored once, nothing more to do.
        }
        if (email is not null)
        {
            await db.Contacts.Where(c => c.Id == result.ContactId && c.Email != email).ExecuteUpdateAsync(s => s.SetProperty(c => c.Email, email), ct);
        }
        if (offline)
        {
            await MarkOfflineAsync(db, channel, result.ConversationId, email, item.Text, ct);
        }
        return result;
    }

    /// <summary>
    /// The inbox shows the subject: it tells the agent the visitor left a message while nobody was there. Nobody was
    /// there to see it arrive either, so the members who handle it are notified in the same save (the bell shows it at
    /// their next sign-in).
    /// </summary>
    private async Task MarkOfflineAsync(RapportDbContext db, Channel channel, Guid conversationId, string? email, string text, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var conversation = await db.Conversations.FirstAsync(c => c.Id == conversationId, ct);
            conversation.Subject = $"Offline message: answer by e-mail to {email}";
            conversation.Version++;
            var notice = $"{channel.Name} · {email}: “{Excerpt(text)}”";
            foreach (var userId in await OfflineRecipientsAsync(db, conversation, ct))
            {
                notifier.Add(db, conversation.WorkspaceId, userId, OfflineKind, notice, conversation.Id);
            }
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // An agent changed the conversation at that moment: read it again and title it on top of their change.
            }
        }
    }

    /// <summary>
    /// Who handles the message: the assignee when routing gave it one, else its team, else every agent, admin and owner
    /// of the workspace. A member who has not yet read the conversation's last offline notice gets no second one.
    /// </summary>
    private static async Task<List<Guid>> OfflineRecipientsAsync(RapportDbContext db, Conversation conversation, CancellationToken ct)
    {
        var members = await Notifier.HandlersAsync(db, conversation, everyoneWhenUnrouted: true, ct);
        var unread = await db.Notifications
            .Where(n => n.ConversationId == conversation.Id && n.Kind == OfflineKind && n.ReadAt == null)
            .Select(n => n.UserId).ToListAsync(ct);
        return members.Except(unread).ToList();
    }

    private static string Excerpt(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 200 ? flat : flat[..200] + "…";
    }

    /// <summary>The visitor's conversation, if their first message made one.</summary>
    public static Task<Guid?> ConversationOfAsync(RapportDbContext db, Channel channel, Guid visitorId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(channel);
        var thread = ThreadOf(visitorId);
        return db.Conversations.AsNoTracking()
            .Where(c => c.ChannelId == channel.Id && c.ExternalThreadId == thread)
            .Select(c => (Guid?)c.Id)
            .FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// What the visitor may see: their own messages and the brand's replies that were delivered, never notes, replies
    /// still queued, or messages merged in from elsewhere.
    /// </summary>
    public static async Task<(Guid? ConversationId, List<ChatLine> Lines)> ReadAsync(RapportDbContext db, Channel channel, Guid visitorId, Guid? knownConversationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(channel);
        // A visitor's conversation never changes once made (one per session thread): a stream looks it up until it exists.
        var conversationId = knownConversationId ?? await ConversationOfAsync(db, channel, visitorId, ct);
        if (conversationId is null)
        {
            return (null, []);
        }
        var own = ThreadOf(visitorId) + ":";
        var lines = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.ChannelId == channel.Id
                && ((m.Direction == MessageDirection.Inbound && m.ExternalId!.StartsWith(own))
                    || (m.Direction == MessageDirection.Outbound && m.DeliveryStatus == DeliveryStatus.Sent)))
            .OrderByDescending(m => m.CreatedAt)
            .Take(HistoryLimit)
            .Select(m => new ChatLine(m.Id, m.Direction == MessageDirection.Inbound, m.AuthorName, m.Text, m.CreatedAt))
            .ToListAsync(ct);
        lines.Reverse();
        return (conversationId, lines);
    }

    private static bool IsEmail(string value) =>
        value.Trim() is { Length: > 0 and <= MaxEmailLength } trimmed && MailAddress.TryCreate(trimmed, out var address) && address.Address == trimmed
        && address.Host.Contains('.', StringComparison.Ordinal);
}
