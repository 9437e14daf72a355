using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Contacts;
using Rapport.Conversations;
using Rapport.Data;

namespace Rapport.Ingest;

/// <summary>
/// What ingest needs to know about a batch of items, read in a few queries instead of several per item: the messages
/// already stored under their external ids (and the parents they answer), the contacts behind their handles, and the
/// conversations they may continue (by parent, by thread, by contact). Everything the batch adds is remembered too, so
/// each item sees the ones before it exactly as if they had been saved one by one.
/// </summary>
internal sealed class IngestBatch
{
    private readonly Guid workspaceId;
    private readonly DateTime reopenAfter;
    private readonly Dictionary<(Guid Channel, string ExternalId), IngestResult> messages = [];
    private readonly Dictionary<(Guid Channel, string Handle), Contact> contacts = [];
    private readonly Dictionary<Guid, Conversation> conversations = [];
    private readonly Dictionary<(Guid Channel, string Thread), Conversation> threads = [];
    private readonly Dictionary<Guid, List<Conversation>> byContact = [];
    private readonly Dictionary<Guid, BrandMessage> brandMessages = [];
    private readonly HashSet<(Guid Channel, string ExternalId)> brandPosts = [];

    private IngestBatch(Guid workspaceId, DateTime now, string[] externalIds)
    {
        this.workspaceId = workspaceId;
        Now = now;
        reopenAfter = now - IngestService.ReopenWindow;
        ExternalIds = externalIds;
    }

    /// <summary>When the batch is received: one time for all its messages.</summary>
    public DateTime Now { get; }

    /// <summary>The items' external ids, cleaned as they are stored.</summary>
    public IReadOnlyList<string> ExternalIds { get; }

    public static async Task<IngestBatch> LoadAsync(RapportDbContext db, Guid workspaceId, IReadOnlyList<InboundItem> items, DateTime now, CancellationToken ct)
    {
        var batch = new IngestBatch(workspaceId, now, [.. items.Select(i => IngestService.Clean(i.ExternalId))]);
        var channels = items.Select(i => i.ChannelId).Distinct().ToList();

        // The items themselves (already stored: ingest is idempotent) and the messages they answer, in one query.
        var stored = await ReadStoredAsync(db, channels,
            batch.ExternalIds.Concat(items.Where(i => i.InReplyToExternalId is { Length: > 0 }).Select(i => i.InReplyToExternalId!)), ct);
        foreach (var m in stored)
        {
            batch.messages.TryAdd((m.ChannelId, m.ExternalId), new IngestResult(m.Id, m.ConversationId, m.AuthorContactId ?? Guid.Empty, Created: false));
        }
        batch.AllStored = items.Select((item, i) => (item.ChannelId, batch.ExternalIds[i])).All(batch.messages.ContainsKey);
        if (batch.AllStored)
        {
            return batch;
        }

        await batch.LoadContactsAsync(db, items, ct);
        await batch.LoadBrandPostsAsync(db, channels, items, ct);

        // The conversations the items may continue: their parents', their threads', their authors' latest. Each query
        // names only the columns of its index (a workspace filter would let SQLite scan the workspace's conversations
        // instead); the workspace and channel are checked on what comes back.
        var conversations = db.Conversations.IgnoreQueryFilters();
        var parents = stored.Select(m => m.ConversationId).Distinct().ToList();
        if (parents.Count > 0)
        {
            batch.Remember(await conversations.Where(c => parents.Contains(c.Id)).ToListAsync(ct));
        }
        var threadIds = items.Select(batch.ThreadOf).OfType<string>().Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (threadIds.Count > 0)
        {
            PadForQueryCache(threadIds);
            batch.Remember(await conversations.Where(c => channels.Contains(c.ChannelId) && EF.MultipleParameters(threadIds).Contains(c.ExternalThreadId!)).ToListAsync(ct));
        }
        var authors = items.Where(i => batch.ThreadOf(i) is null)
            .Select(i => batch.Contact(i.ChannelId, IngestService.NormalizeHandle(i.AuthorHandle))?.Id).OfType<Guid>().Distinct().ToList();
        if (authors.Count > 0)
        {
            var reopenAfter = batch.reopenAfter;
            batch.Remember(await conversations
                .Where(c => authors.Contains(c.ContactId) && (c.Status != ConversationStatus.Resolved || c.ResolvedAt > reopenAfter))
                .ToListAsync(ct));
        }
        await batch.LoadBrandMessagesAsync(db, ct);
        return batch;
    }

    /// <summary>
    /// The brand's published posts (outbox items that are posts, sent, with the network's id) that items answer when what
    /// they answer is no stored message: a reply to a brand post starts or continues that post's thread.
    /// </summary>
    private async Task LoadBrandPostsAsync(RapportDbContext db, List<Guid> channels, IReadOnlyList<InboundItem> items, CancellationToken ct)
    {
        var parents = items.Where(i => i.ThreadId is null && i.InReplyToExternalId is { Length: > 0 } parent && !messages.ContainsKey((i.ChannelId, parent)))
            .Select(i => i.InReplyToExternalId!).Distinct(StringComparer.Ordinal).ToList();
        if (parents.Count == 0)
        {
            return;
        }
        PadForQueryCache(parents);
        var posts = await db.OutboxItems.IgnoreQueryFilters()
            .Where(o => channels.Contains(o.ChannelId) && EF.MultipleParameters(parents).Contains(o.ExternalId!)
                && o.MessageId == null && o.EventDeliveryId == null && o.WorkspaceId == workspaceId)
            .Select(o => new { o.ChannelId, o.ExternalId })
            .ToListAsync(ct);
        foreach (var post in posts)
        {
            brandPosts.Add((post.ChannelId, post.ExternalId!));
        }
    }

    /// <summary>
    /// The thread an item belongs to: the one the network names, else the brand's published post it answers (its id is
    /// the thread's), else none.
    /// </summary>
    public string? ThreadOf(InboundItem item) =>
        item.ThreadId is not null ? item.ThreadId
        : item.InReplyToExternalId is { Length: > 0 } parent && brandPosts.Contains((item.ChannelId, parent)) ? parent
        : null;

    /// <summary>The brand's last message in a conversation: what a customer's next message may answer.</summary>
    private sealed record BrandMessage(Guid ConversationId, string Text, DateTime CreatedAt);

    /// <summary>
    /// The brand's last message in each conversation the batch may continue, in one query: a reply sent or on its way (not
    /// failed, not still scheduled, not taken back), which the customer has or will have read.
    /// </summary>
    private async Task LoadBrandMessagesAsync(RapportDbContext db, CancellationToken ct)
    {
        if (conversations.Count == 0)
        {
            return;
        }
        var ids = conversations.Keys.ToList();
        var latest = await db.Messages.IgnoreQueryFilters()
            .Where(m => ids.Contains(m.ConversationId) && m.Direction == MessageDirection.Outbound
                && m.DeliveryStatus != DeliveryStatus.Failed && m.DeliveryStatus != DeliveryStatus.Scheduled && m.DeliveryStatus != DeliveryStatus.Cancelled)
            .GroupBy(m => m.ConversationId)
            .Select(g => g.OrderByDescending(m => m.CreatedAt).Select(m => new BrandMessage(m.ConversationId, m.Text, m.CreatedAt)).First())
            .ToListAsync(ct);
        foreach (var message in latest)
        {
            brandMessages[message.ConversationId] = message;
        }
    }

    /// <summary>
    /// What a customer's message written at <paramref name="writtenAt"/> continues in <paramref name="conversation"/>: the
    /// brand's last message before it, whether the customer wrote after that one, and the conversation's intent so far.
    /// Null when the conversation has nothing to read a reply against.
    /// </summary>
    public ConversationContext? ContextOf(Conversation conversation, DateTime writtenAt)
    {
        var brand = brandMessages.GetValueOrDefault(conversation.Id) is { } b && b.CreatedAt <= writtenAt ? b : null;
        return ContextOf(brand?.Text, brand?.CreatedAt, conversation.LastInboundAt, conversation.Intent);
    }

    /// <summary>
    /// A message's thread from the brand's last message before it (text and time), the customer's latest message before it
    /// (time and intent as stored); null when there is neither. Ingest and re-analysis read a thread the same way.
    /// </summary>
    internal static ConversationContext? ContextOf(string? brandText, DateTime? brandAt, DateTime? lastInboundAt, string? intent)
    {
        Intent? conversationIntent = Enum.TryParse<Intent>(intent, out var parsed) ? parsed : null;
        if (brandText is null && conversationIntent is null)
        {
            return null;
        }
        var wroteSince = lastInboundAt is { } inbound && (brandAt is null || inbound > brandAt);
        return new ConversationContext(brandText, wroteSince, conversationIntent);
    }

    /// <summary>Every item is a message stored already: the batch knows nothing else.</summary>
    public bool AllStored { get; private set; }

    /// <summary>Whether each item is a message stored already.</summary>
    public static async Task<bool[]> StoredAsync(RapportDbContext db, IReadOnlyList<InboundItem> items, CancellationToken ct)
    {
        var ids = items.Select(i => IngestService.Clean(i.ExternalId)).ToList();
        var stored = (await ReadStoredAsync(db, [.. items.Select(i => i.ChannelId).Distinct()], ids, ct)).Select(m => (m.ChannelId, m.ExternalId)).ToHashSet();
        return [.. items.Select((item, i) => stored.Contains((item.ChannelId, ids[i])))];
    }

    private sealed record StoredMessage(Guid Id, Guid ChannelId, string ExternalId, Guid ConversationId, Guid? AuthorContactId);

    private static async Task<List<StoredMessage>> ReadStoredAsync(RapportDbContext db, List<Guid> channels, IEnumerable<string> ids, CancellationToken ct)
    {
        var externalIds = ids.Distinct(StringComparer.Ordinal).ToList();
        PadForQueryCache(externalIds);
        return await db.Messages.IgnoreQueryFilters()
            // One parameter per id: a list in one array parameter would also match NULL on PostgreSQL, which keeps the unique
            // (channel, external id) index from serving the query and makes every batch read the whole channel.
            .Where(m => channels.Contains(m.ChannelId) && EF.MultipleParameters(externalIds).Contains(m.ExternalId!))
            .Select(m => new StoredMessage(m.Id, m.ChannelId, m.ExternalId!, m.ConversationId, m.AuthorContactId))
            .ToListAsync(ct);
    }

    /// <summary>The contacts behind the items' handles, followed to the person a merged contact was merged into.</summary>
    private async Task LoadContactsAsync(RapportDbContext db, IReadOnlyList<InboundItem> items, CancellationToken ct)
    {
        var channels = items.Select(i => i.ChannelId).Distinct().ToList();
        var handles = items.Select(i => IngestService.NormalizeHandle(i.AuthorHandle)).Distinct(StringComparer.Ordinal).ToList();
        var identities = await db.ContactIdentities.IgnoreQueryFilters()
            .Where(i => channels.Contains(i.ChannelId) && handles.Contains(i.Handle))
            .Join(db.Contacts.IgnoreQueryFilters(), i => i.ContactId, c => c.Id, (i, c) => new { i.ChannelId, i.Handle, Contact = c })
            .ToListAsync(ct);
        var people = identities.Select(i => i.Contact).DistinctBy(c => c.Id).ToDictionary(c => c.Id);
        while (people.Values.Select(c => c.MergedIntoId).OfType<Guid>().Where(id => !people.ContainsKey(id)).Distinct().ToList() is { Count: > 0 } targets)
        {
            foreach (var contact in await db.Contacts.IgnoreQueryFilters().Where(c => targets.Contains(c.Id)).ToListAsync(ct))
            {
                people[contact.Id] = contact;
            }
        }
        foreach (var identity in identities)
        {
            var contact = identity.Contact;
            while (contact.MergedIntoId is { } target)
            {
                contact = people[target];
            }
            contacts[(identity.ChannelId, identity.Handle)] = contact;
        }
    }

    /// <summary>The languages of the items' contacts as stored now, as <see cref="StoredLanguage"/> gives them.</summary>
    public static async Task<string?[]> StoredLanguagesAsync(RapportDbContext db, IReadOnlyList<InboundItem> items, CancellationToken ct)
    {
        var batch = new IngestBatch(Guid.Empty, DateTime.UtcNow, []);
        await batch.LoadContactsAsync(db, items, ct);
        return [.. items.Select(batch.StoredLanguage)];
    }

    /// <summary>
    /// Pads a list sent as one parameter per value to the next power of two by repeating its last value (the same
    /// matches): the query's text depends on the number of values, and EF Core compiles each new text once, which would
    /// otherwise be once per batch.
    /// </summary>
    internal static void PadForQueryCache(List<string> values)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)values.Count);
        while (values.Count < size)
        {
            values.Add(values[^1]);
        }
    }

    /// <summary>What ingest made of a message already stored, or added earlier in the batch.</summary>
    public IngestResult? Stored(Guid channelId, string externalId) =>
        messages.TryGetValue((channelId, externalId), out var result) ? result : null;

    /// <summary>The conversation of the message an item answers, stored or added earlier in the batch.</summary>
    public Conversation? ConversationAnswered(InboundItem item) =>
        item.InReplyToExternalId is { Length: > 0 } parent && Stored(item.ChannelId, parent)?.ConversationId is { } id
            ? Conversation(id, item.ChannelId)
            : null;

    public Contact? Contact(Guid channelId, string handle) => contacts.GetValueOrDefault((channelId, handle));

    /// <summary>The language of an item's contact as stored before the batch (what its analysis starts from).</summary>
    public string? StoredLanguage(InboundItem item) => Contact(item.ChannelId, IngestService.NormalizeHandle(item.AuthorHandle))?.Language;

    /// <summary>A conversation of the workspace and channel, by id.</summary>
    public Conversation? Conversation(Guid id, Guid channelId) =>
        conversations.TryGetValue(id, out var c) && c.WorkspaceId == workspaceId && c.ChannelId == channelId ? c : null;

    public Conversation? Thread(Guid channelId, string thread) =>
        threads.TryGetValue((channelId, thread), out var c) && c.WorkspaceId == workspaceId ? c : null;

    /// <summary>The contact's latest conversation on the channel that a new message may continue (not resolved long ago).</summary>
    public Conversation? Latest(Guid contactId, Guid channelId, bool isPublic) =>
        byContact.TryGetValue(contactId, out var list)
            ? list.Where(c => c.WorkspaceId == workspaceId && c.ChannelId == channelId && c.IsPublic == isPublic && (c.Status != ConversationStatus.Resolved || c.ResolvedAt > reopenAfter))
                .MaxBy(c => c.LastMessageAt)
            : null;

    public void Remember(Message message)
    {
        messages[(message.ChannelId, message.ExternalId!)] = new IngestResult(message.Id, message.ConversationId, message.AuthorContactId ?? Guid.Empty, Created: true);
        if (message.Direction == MessageDirection.Outbound
            && (!brandMessages.TryGetValue(message.ConversationId, out var last) || last.CreatedAt <= message.CreatedAt))
        {
            // A brand reply from the network's history, earlier in the batch: the customer's next message may answer it.
            brandMessages[message.ConversationId] = new BrandMessage(message.ConversationId, message.Text, message.CreatedAt);
        }
    }

    public void Remember(Guid channelId, string handle, Contact contact) => contacts[(channelId, handle)] = contact;

    public void Remember(Conversation conversation)
    {
        if (!conversations.TryAdd(conversation.Id, conversation))
        {
            return;
        }
        if (conversation.ExternalThreadId is { } thread)
        {
            threads.TryAdd((conversation.ChannelId, thread), conversation);
        }
        if (!byContact.TryGetValue(conversation.ContactId, out var list))
        {
            byContact[conversation.ContactId] = list = [];
        }
        list.Add(conversation);
    }

    private void Remember(List<Conversation> loaded)
    {
        foreach (var conversation in loaded)
        {
            Remember(conversation);
        }
    }
}
