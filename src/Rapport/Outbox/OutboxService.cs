using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Ingest;
using Rapport.Workspaces;

namespace Rapport.Outbox;

/// <summary>
/// The reply as the outbox keeps it for the channel's sender. <paramref name="CountsAsResponse"/> marks a person's reply,
/// which becomes the brand's response once delivered; the product's own messages (acknowledgements, survey invitations)
/// and replies queued before responses were counted on delivery (already counted when queued) leave it false.
/// </summary>
public sealed record ReplyPayload(Guid ConversationId, string? ThreadId, string? InReplyToExternalId, string? Subject, bool IsPublic, string AuthorName, string Text,
    bool CountsAsResponse = false)
{
    /// <summary>The reply an outbox item carries.</summary>
    public static ReplyPayload Of(OutboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return System.Text.Json.JsonSerializer.Deserialize<ReplyPayload>(item.Payload, OutboxService.PayloadJson)
            ?? throw new InvalidOperationException("The outbox item has no reply payload.");
    }
}

/// <summary>What a person's reply came to: the queued (or scheduled) message, or why not (a rule broken, or no such conversation).</summary>
public sealed record ReplyAttempt(Message? Message, RuleViolation? Violation)
{
    public static readonly ReplyAttempt NoConversation = new(null, null);
}

/// <summary>What happened to a retry request.</summary>
public enum RetryOutcome
{
    Queued,
    NotFound,
    NotFailed,
}

/// <summary>What happened to a request to take a scheduled reply back.</summary>
public enum CancelOutcome
{
    Cancelled,
    NotFound,
    /// <summary>Not a scheduled reply, or already sending, sent, failed or cancelled.</summary>
    NotScheduled,
}

/// <summary>
/// Puts the brand's replies in the outbox: the message and its outbox item are written in one transaction, so a reply
/// is either queued for delivery or not recorded at all; the <see cref="OutboxWorker"/> delivers it.
/// </summary>
public sealed class OutboxService(ConversationActions actions, OutboxSignal signal, TimeProvider clock)
{
    internal static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The one door for a member's reply, from the conversation page and the API alike: checks the conversation (not
    /// merged away), the text and the send-at time, signs the reply with the member's signature when asked, then queues it.
    /// </summary>
    public async Task<ReplyAttempt> ReplyAsync(RapportDbContext db, Guid conversationId, Guid? authorUserId, string? fallbackName, string? text, bool signed,
        DateTime? sendAt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!await db.Conversations.AnyAsync(c => c.Id == conversationId && c.MergedIntoId == null, ct))
        {
            return ReplyAttempt.NoConversation;
        }
        var clean = IngestService.Clean(text ?? "");
        if (clean.Trim().Length == 0 || text!.Length > IngestService.MaxTextLength)
        {
            return new(null, new("text", "Composer.TextLength", $"A text of 1 to {IngestService.MaxTextLength} characters is required."));
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (sendAt is { } when && (when <= now || when > now.AddYears(1)))
        {
            return new(null, new("sendAt", "Composer.SendAtPast", "A scheduled reply needs a send-at time in the future, within a year."));
        }
        var author = authorUserId is { } id
            ? await db.Memberships.Where(m => m.UserId == id).Select(m => new { m.User!.DisplayName, m.Signature }).FirstOrDefaultAsync(ct)
            : null;
        if (signed)
        {
            clean = Signatures.Append(clean, author?.Signature);
        }
        var name = string.IsNullOrWhiteSpace(author?.DisplayName) ? fallbackName ?? "API" : author.DisplayName;
        return new(await EnqueueReplyAsync(db, conversationId, authorUserId, name, clean, ct, sendAt), null);
    }

    /// <summary>
    /// Records the reply as an outbound message (Queued) and queues its delivery; it counts as the brand's response when
    /// the <see cref="OutboxWorker"/> records it delivered, not before. With a <paramref name="sendAt"/> in the future the
    /// reply is Scheduled instead: it waits in the outbox until then (the item's next attempt) and can be cancelled meanwhile.
    /// </summary>
    public async Task<Message> EnqueueReplyAsync(RapportDbContext db, Guid conversationId, Guid? authorUserId, string authorName, string text, CancellationToken ct = default,
        DateTime? sendAt = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        for (var attempt = 1; ; attempt++)
        {
            var conversation = await db.Conversations.FirstAsync(c => c.Id == conversationId, ct);
            // Threads the reply under the customer's latest message, as the network expects.
            var inReplyTo = await db.Messages
                .Where(m => m.ConversationId == conversation.Id && m.Direction == MessageDirection.Inbound && m.ExternalId != null)
                .OrderByDescending(m => m.CreatedAt)
                .Select(m => m.ExternalId)
                .FirstOrDefaultAsync(ct);
            var now = clock.GetUtcNow().UtcDateTime;
            var scheduled = sendAt is { } at && at > now;
            var message = scheduled
                ? actions.RecordOutbound(db, conversation, authorUserId, authorName, text, note: false, at: sendAt, delivery: DeliveryStatus.Scheduled)
                : actions.RecordOutbound(db, conversation, authorUserId, authorName, text, note: false, delivery: DeliveryStatus.Queued);
            message.InReplyToExternalId = inReplyTo;
            db.OutboxItems.Add(NewReplyItem(conversation, message, inReplyTo, authorName, now, sendAt: scheduled ? sendAt : null, countsAsResponse: true));
            try
            {
                await db.SaveChangesAsync(ct);
                signal.Notify();
                return message;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 10)
            {
                // A colleague changed the conversation (assigned it, labelled it) or a message arrived on it at the same
                // moment: the reply still goes out. A short random wait lets busy conversations (measured with two nodes
                // and 50 agents, where three quick tries were not enough) settle between tries.
                db.ChangeTracker.Clear();
                await Task.Delay(Random.Shared.Next(5, 25 * attempt), ct);
            }
        }
    }

    /// <summary>
    /// The outbox item that delivers a recorded outbound message; the caller adds it and saves with the message.
    /// A scheduled reply (<c>sendAt</c> set) waits until then; otherwise it leaves at once. A person's reply
    /// (<paramref name="countsAsResponse"/>) is counted as the brand's response when delivered.
    /// </summary>
    public static OutboxItem NewReplyItem(Conversation conversation, Message message, string? inReplyTo, string authorName, DateTime now, DateTime? sendAt = null,
        bool countsAsResponse = false)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(message);
        var payload = new ReplyPayload(conversation.Id, conversation.ExternalThreadId, inReplyTo, conversation.Subject, conversation.IsPublic, authorName, message.Text,
            countsAsResponse);
        return new OutboxItem
        {
            WorkspaceId = conversation.WorkspaceId,
            ChannelId = conversation.ChannelId,
            MessageId = message.Id,
            IdempotencyKey = "reply-" + message.Id.ToString("N"),
            Payload = JsonSerializer.Serialize(payload, PayloadJson),
            Status = OutboxStatus.Pending,
            NextAttemptAt = sendAt ?? now,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// Queues a new post of the brand on <paramref name="channel"/>. A post has no message or conversation: the item
    /// carries it, keeps the network's id once published, and the customers' answers start conversations of their own.
    /// </summary>
    public async Task<OutboxItem> EnqueuePostAsync(RapportDbContext db, Channels.Channel channel, string authorName, string text, string? language, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(channel);
        var now = clock.GetUtcNow().UtcDateTime;
        var id = Guid.CreateVersion7();
        var item = new OutboxItem
        {
            Id = id,
            WorkspaceId = channel.WorkspaceId,
            ChannelId = channel.Id,
            IdempotencyKey = "post-" + id.ToString("N"),
            Payload = JsonSerializer.Serialize(new PostPayload(text, authorName, language), PayloadJson),
            Status = OutboxStatus.Pending,
            NextAttemptAt = now,
            CreatedAt = now,
        };
        db.OutboxItems.Add(item);
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return item;
    }

    /// <summary>
    /// Takes a scheduled reply back before it leaves. One conditional update, so a worker that claimed it at the same
    /// moment wins and the reply is sent, never half-cancelled.
    /// </summary>
    public async Task<CancelOutcome> CancelAsync(RapportDbContext db, Guid messageId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var message = await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId, ct);
        if (message is null || !await db.OutboxItems.AnyAsync(o => o.MessageId == messageId, ct))
        {
            return CancelOutcome.NotFound;
        }
        if (message.DeliveryStatus != DeliveryStatus.Scheduled)
        {
            return CancelOutcome.NotScheduled;
        }
        var taken = await db.OutboxItems.Where(o => o.MessageId == messageId && o.Status == OutboxStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, OutboxStatus.Cancelled).SetProperty(o => o.LastError, "Cancelled before it was sent."), ct);
        if (taken == 0)
        {
            return CancelOutcome.NotScheduled;
        }
        message.DeliveryStatus = DeliveryStatus.Cancelled;
        message.DeliveryError = null;
        await db.SaveChangesAsync(ct);
        return CancelOutcome.Cancelled;
    }

    /// <summary>Queues a failed reply again, from a fresh count of attempts.</summary>
    public async Task<RetryOutcome> RetryAsync(RapportDbContext db, Guid messageId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var item = await db.OutboxItems.FirstOrDefaultAsync(o => o.MessageId == messageId, ct);
        var message = await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId, ct);
        if (item is null || message is null)
        {
            return RetryOutcome.NotFound;
        }
        if (item.Status != OutboxStatus.Failed)
        {
            return RetryOutcome.NotFailed;
        }
        item.Status = OutboxStatus.Pending;
        item.Attempts = 0;
        item.NextAttemptAt = clock.GetUtcNow().UtcDateTime;
        message.DeliveryStatus = DeliveryStatus.Queued;
        message.DeliveryError = null;
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return RetryOutcome.Queued;
    }
}

/// <summary>Wakes the outbox worker when something was queued, so a reply leaves at once instead of at the next poll.</summary>
public sealed class OutboxSignal
{
    // One pending wake-up covers every item queued since: later notifications are dropped.
    private readonly System.Threading.Channels.Channel<bool> wakeUps = System.Threading.Channels.Channel.CreateBounded<bool>(
        new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    public void Notify() => wakeUps.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken ct) => await wakeUps.Reader.ReadAsync(ct);
}
