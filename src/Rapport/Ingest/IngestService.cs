using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rapport.Analysis;
using Rapport.Contacts;
using Rapport.Conversations;
using Rapport.Data;
using Rapport.Learning;
using Rapport.Reports;

namespace Rapport.Ingest;

/// <summary>
/// The one path every inbound message takes: store it (idempotent on channel + external id), find or
/// create its contact and conversation, analyse it, run the automation rules, and append the reporting events.
/// Messages go through it in batches (an import: a few hundred rows; a channel: a batch of one) with the same
/// steps for each, in order, and one save per batch (docs/decisions/0040-batched-ingest.md).
/// </summary>
public sealed partial class IngestService(WorkspaceAnalyzers analyzers, Automation.AutomationEngine rules, Events.EventPublisher events, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<IngestOptions> options, Listening.MentionIngest mentions, IngestSignal signal)
{
    /// <summary>Longest text kept on a message; anything longer is cut and the raw payload keeps the rest.</summary>
    public const int MaxTextLength = 100_000;

    /// <summary>How long a resolved conversation may be reopened by a new message instead of starting a new one.</summary>
    public static readonly TimeSpan ReopenWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// Times a message is stored again after colliding with a concurrent write (same contact, same conversation). A burst
    /// into one conversation (a visitor typing in several tabs, a partner re-sending a thread) can collide several times
    /// in a row, so every channel gets the same generous bound.
    /// </summary>
    private const int MaxAttempts = 8;

    private static readonly Automation.RuleTrigger[] FirstMessageTriggers = [Automation.RuleTrigger.ConversationCreated, Automation.RuleTrigger.MessageReceived];
    private static readonly Automation.RuleTrigger[] NextMessageTriggers = [Automation.RuleTrigger.MessageReceived];

    /// <summary>
    /// Accepts one item (stored as received, unless it was before), then processes it at once while holding its lease,
    /// and answers what processing did. A failure is recorded on the accepted item, which the worker processes again
    /// once the lease is over, and thrown to the caller as before.
    /// </summary>
    public async Task<IngestResult> IngestAsync(RapportDbContext db, Guid workspaceId, InboundItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(item);
        item = Normalized(item);
        await AcceptAsync(db, workspaceId, [item], claim: true, cancellationToken);
        IngestResult result;
        try
        {
            result = await ProcessAsync(db, workspaceId, item, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && db.Database.CurrentTransaction is null)
        {
            // Inside a caller's transaction (a webhook delivery) there is nothing to record: its rollback takes the
            // accepted item with it, and the sender delivers again.
            db.ChangeTracker.Clear();
            await RecordFailureAsync(db, item.ChannelId, Clean(item.ExternalId), e.Message, CancellationToken.None);
            throw;
        }
        await RecordProcessedAsync(db, [item], [result], cancellationToken);
        return result;
    }

    /// <summary>Processes one accepted item: what <see cref="IngestAsync"/> does after accepting, and the worker for an item alone.</summary>
    internal async Task<IngestResult> ProcessAsync(RapportDbContext db, Guid workspaceId, InboundItem item, CancellationToken cancellationToken) =>
        (await IngestBatchAsync(db, workspaceId, [item], ahead: null, cancellationToken))[0];

    /// <summary>
    /// Ingests the items in order, as if one after the other (a reply threads onto its parent earlier in the batch),
    /// with a few lookups for the whole batch and one save. The batch is stored whole or not at all: when the database
    /// refuses it, the caller can ingest its items one by one to find the one refused. A batch of one is stored again
    /// after colliding with a concurrent write; a larger batch is not (its items one by one are). A batch analysed
    /// ahead (<see cref="AnalyseAheadAsync"/>) takes each item's analysis from there when it started from the contact
    /// language stored now, and makes it again otherwise.
    /// </summary>
    public async Task<IReadOnlyList<IngestResult>> IngestBatchAsync(
        RapportDbContext db, Guid workspaceId, IReadOnlyList<InboundItem> items, AnalysedAhead? ahead = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(items);
        items = Normalized(items);
        // Changes are detected once, just before the save, instead of by each save interceptor over every entity of the batch.
        var detecting = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await IngestOnceAsync(db, workspaceId, items, ahead, cancellationToken);
                }
                catch (DbUpdateException) when (items.Count == 1 && attempt < MaxAttempts)
                {
                    // A concurrent write got there first: the same message (then this finds it), the same new contact, or the
                    // same conversation updated by an agent or another message. Start again from what is stored now.
                    db.ChangeTracker.Clear();
                }
            }
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detecting;
        }
    }

    private async Task<IReadOnlyList<IngestResult>> IngestOnceAsync(RapportDbContext db, Guid workspaceId, IReadOnlyList<InboundItem> items, AnalysedAhead? ahead, CancellationToken cancellationToken)
    {
        if (await Listening.MentionIngest.ListeningChannelsAsync(db, items, cancellationToken) is { Count: > 0 } listening)
        {
            return await IngestWithMentionsAsync(db, workspaceId, items, listening, cancellationToken);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var batch = await IngestBatch.LoadAsync(db, workspaceId, items, now, cancellationToken);
        if (batch.AllStored)
        {
            // A delivery again, or an import run again: nothing to analyse, look up or save.
            return [.. items.Select((item, i) => batch.Stored(item.ChannelId, batch.ExternalIds[i])! with { Created = false })];
        }
        var analyzer = await analyzers.ForAsync(workspaceId, cancellationToken);
        var analyses = Analyze(analyzer, items, batch, workspaceId, ahead?.Analyzer == analyzer ? ahead : null);
        var enabledRules = await Automation.AutomationEngine.EnabledRulesAsync(db, workspaceId, FirstMessageTriggers, cancellationToken);
        var results = new IngestResult[items.Count];
        var stored = false;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (batch.Stored(item.ChannelId, batch.ExternalIds[i]) is { } existing)
            {
                results[i] = existing with { Created = false };
                continue;
            }
            if (item.FromBrand)
            {
                results[i] = await RecordBrandReplyAsync(db, workspaceId, item, batch.ExternalIds[i], batch, now, cancellationToken);
                stored |= results[i].Created;
                continue;
            }
            var (contact, contactIsNew) = FindOrCreateContact(db, workspaceId, item, batch, now);
            var (conversation, isNew) = FindOrCreateConversation(db, workspaceId, item, contact, contactIsNew, batch);
            var analysis = analyses[i]!;
            var thread = isNew ? null : batch.ContextOf(conversation, WrittenAt(item, now));
            if (analysis.LanguageHint != contact.Language || thread is not null)
            {
                // An earlier message of the batch taught the contact's language, or the message continues a thread (known
                // only now, after the messages before it): analyse it as if it had been stored first, in its thread.
                analysis = Analysis(analyzer, item, contact.Language, workspaceId, now, thread);
            }
            var message = Store(db, workspaceId, item, batch.ExternalIds[i], contact, conversation, analysis, now);
            batch.Remember(message);
            await Triage(db, workspaceId, item, conversation, isNew, message, analysis.Result, now, enabledRules, cancellationToken);
            results[i] = new IngestResult(message.Id, conversation.Id, contact.Id, Created: true);
            stored = true;
        }
        if (stored)
        {
            DetectChanges(db);
            await SaveAsync(db, cancellationToken);
        }
        return results;
    }

    /// <summary>
    /// Detects what the batch changed on the entities it read (conversations and contacts it continued, what rules
    /// changed). What it added needs no detection: an added row is written whole, and whatever is added to it is added to
    /// the context too (as the rules do with labels); comparing each added row with its snapshot was most of the work.
    /// </summary>
    private static void DetectChanges(RapportDbContext db)
    {
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Unchanged)
            {
                entry.DetectChanges();
            }
        }
    }

    /// <summary>
    /// Saves a batch in one transaction (the caller's, or one of its own), the rows it adds written with the provider's
    /// bulk path (docs/decisions/0042-bulk-writes.md).
    /// </summary>
    private static async Task SaveAsync(RapportDbContext db, CancellationToken cancellationToken)
    {
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        db.WriteAddedRowsInBulk = true;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.WriteAddedRowsInBulk = false;
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>A message's text as stored, its analysis (as stored too, under the message's id), and the contact language the analysis started from.</summary>
    internal sealed record Analyzed(string Text, TextAnalysisResult Result, MessageAnalysis Stored, string? LanguageHint);

    private static Analyzed Analysis(ITextAnalyzer analyzer, InboundItem item, string? language, Guid workspaceId, DateTime now, ConversationContext? thread = null)
    {
        var text = Clean(item.Text);
        var result = analyzer.Analyze(text, new AnalysisContext(null, item.IsPublic, language, thread));
        return new(text, result, ToEntity(result, Guid.CreateVersion7(), workspaceId, now), language);
    }

    /// <summary>
    /// A batch's analyses made ahead, while the batch before it was being stored: each message with its contact's
    /// language as stored when the analysis started (an earlier batch may still teach it another).
    /// </summary>
    public sealed class AnalysedAhead
    {
        internal AnalysedAhead(ITextAnalyzer analyzer, Analyzed?[] analyses) => (Analyzer, Analyses) = (analyzer, analyses);

        internal ITextAnalyzer Analyzer { get; }

        internal Analyzed?[] Analyses { get; }
    }

    /// <summary>
    /// Analyses a batch before its ingest, on the calling thread, with its contacts' languages as stored now. An import
    /// runs it for the next batch while the current one is stored, which takes the analysis off the path of the save;
    /// <paramref name="db"/> must be a context of its own.
    /// </summary>
    public async Task<AnalysedAhead> AnalyseAheadAsync(RapportDbContext db, Guid workspaceId, IReadOnlyList<InboundItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(items);
        items = Normalized(items);
        var analyzer = await analyzers.ForAsync(workspaceId, cancellationToken);
        var stored = await IngestBatch.StoredAsync(db, items, cancellationToken);
        var languages = await IngestBatch.StoredLanguagesAsync(db, items, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var analyses = new Analyzed?[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            // A row stored by an earlier run of the import is not analysed: ingest keeps the stored message.
            analyses[i] = items[i].FromBrand || stored[i] ? null : Analysis(analyzer, items[i], languages[i], workspaceId, now);
        }
        return new AnalysedAhead(analyzer, analyses);
    }

    /// <summary>
    /// Analyses the batch's new messages on all cores (the analyzer is thread-safe), each with its contact's language as
    /// stored, unless it was analysed ahead from that same language; the rare message whose contact learns a language
    /// earlier in the same batch is analysed again in order.
    /// </summary>
    private static Analyzed?[] Analyze(ITextAnalyzer analyzer, IReadOnlyList<InboundItem> items, IngestBatch batch, Guid workspaceId, AnalysedAhead? ahead)
    {
        var analyses = new Analyzed?[items.Count];
        // The brand's own replies are not analysed, like an agent's reply from Rapport.
        var fresh = Enumerable.Range(0, items.Count).Where(i => !items[i].FromBrand && batch.Stored(items[i].ChannelId, batch.ExternalIds[i]) is null).ToArray();
        if (ahead is not null)
        {
            foreach (var i in fresh)
            {
                if (ahead.Analyses[i] is { } analysed && analysed.LanguageHint == batch.StoredLanguage(items[i]))
                {
                    analyses[i] = ahead.Analyses[i];
                }
            }
            fresh = [.. fresh.Where(i => analyses[i] is null)];
        }
        if (fresh.Length <= 1)
        {
            foreach (var i in fresh)
            {
                analyses[i] = Analysis(analyzer, items[i], batch.StoredLanguage(items[i]), workspaceId, batch.Now);
            }
            return analyses;
        }
        Parallel.ForEach(fresh, i => analyses[i] = Analysis(analyzer, items[i], batch.StoredLanguage(items[i]), workspaceId, batch.Now));
        return analyses;
    }

    private static Message Store(RapportDbContext db, Guid workspaceId, InboundItem item, string externalId, Contact contact, Conversation conversation, Analyzed analyzed, DateTime now)
    {
        var createdAt = WrittenAt(item, now);
        var analysis = analyzed.Result;
        var message = new Message
        {
            Id = analyzed.Stored.MessageId,
            WorkspaceId = workspaceId,
            ConversationId = conversation.Id,
            ChannelId = item.ChannelId,
            Direction = MessageDirection.Inbound,
            ExternalId = externalId,
            AuthorContactId = contact.Id,
            AuthorName = string.IsNullOrWhiteSpace(item.AuthorName) ? contact.DisplayName : Clean(item.AuthorName),
            Text = analyzed.Text,
            // PostgreSQL text cannot hold NUL; everything else is kept as received.
            RawPayload = item.RawPayload?.Replace('\0', '\uFFFD'),
            CreatedAt = createdAt,
            ReceivedAt = now,
            InReplyToExternalId = item.InReplyToExternalId is null ? null : Clean(item.InReplyToExternalId),
        };
        message.Analysis = analyzed.Stored;
        Conversations.Attachments.AttachmentFiles.AddTo(message, workspaceId, item.Attachments);
        db.Messages.Add(message);

        contact.Language ??= analysis.Language.Value is "other" ? null : analysis.Language.Value;
        conversation.Language ??= message.Analysis.Language;
        conversation.LastMessageAt = Max(conversation.LastMessageAt, createdAt);
        conversation.LastInboundAt = Max(conversation.LastInboundAt ?? createdAt, createdAt);
        conversation.NeedsAnswer = Math.Max(conversation.NeedsAnswer, analysis.NeedsAnswer.Value);
        conversation.Sentiment = analysis.SentimentScore;
        conversation.Urgency = Math.Max(conversation.Urgency, analysis.Urgency.Count);
        conversation.Intent = message.Analysis.Intent;
        if (analysis.Intent.Value == Intent.Spam && analysis.Intent.Confidence >= 0.8 && conversation.FirstResponseAt is null)
        {
            // Spam is set aside, never deleted: the noise view brings it back.
            conversation.IsNoise = true;
        }
        return message;
    }

    /// <summary>
    /// Stores a brand reply from the network's history as an outbound message in the conversation of the message it
    /// answers, with the same response-time bookkeeping as an agent's reply from Rapport (first response, next response,
    /// nothing waiting any more), unless the customer already wrote after it. Nothing is queued for sending and no rule
    /// runs: the customer already has it.
    /// </summary>
    private static async Task<IngestResult> RecordBrandReplyAsync(RapportDbContext db, Guid workspaceId, InboundItem item, string externalId, IngestBatch batch,
        DateTime now, CancellationToken cancellationToken)
    {
        if (batch.ConversationAnswered(item) is not { } conversation)
        {
            return new IngestResult(Guid.Empty, Guid.Empty, Guid.Empty, Created: false) { ParentUnknown = true };
        }
        var createdAt = WrittenAt(item, now);
        var message = new Message
        {
            WorkspaceId = workspaceId,
            ConversationId = conversation.Id,
            ChannelId = item.ChannelId,
            Direction = MessageDirection.Outbound,
            ExternalId = externalId,
            AuthorName = Clean(string.IsNullOrWhiteSpace(item.AuthorName) ? item.AuthorHandle : item.AuthorName),
            Text = Clean(item.Text),
            RawPayload = item.RawPayload?.Replace('\0', '\uFFFD'),
            CreatedAt = createdAt,
            ReceivedAt = now,
            InReplyToExternalId = Clean(item.InReplyToExternalId!),
            DeliveryStatus = DeliveryStatus.Sent,
        };
        db.Messages.Add(message);
        batch.Remember(message);
        if (conversation.LastInboundAt > createdAt)
        {
            ConversationActions.CountEarlierResponse(db, conversation, createdAt, await WaitingBeforeAsync(db, conversation.Id, createdAt, cancellationToken));
        }
        else
        {
            ConversationActions.CountResponse(db, conversation, authorUserId: null, createdAt);
        }
        return new IngestResult(message.Id, conversation.Id, Guid.Empty, Created: true);
    }

    /// <summary>
    /// When the customer started waiting for a brand reply written at <paramref name="before"/> that arrives after later
    /// messages of its conversation: the first customer message after the brand's previous reply, in the network's own
    /// history (messages with an external id), stored or added earlier in the batch. Null when nobody was waiting.
    /// </summary>
    private static async Task<DateTime?> WaitingBeforeAsync(RapportDbContext db, Guid conversationId, DateTime before, CancellationToken cancellationToken)
    {
        var stored = await db.Messages.IgnoreQueryFilters()
            .Where(m => m.ConversationId == conversationId && m.ExternalId != null && m.CreatedAt < before && m.Direction != MessageDirection.Note)
            .Select(m => new { m.Direction, m.CreatedAt })
            .ToListAsync(cancellationToken);
        var added = db.ChangeTracker.Entries<Message>()
            .Where(e => e.State == EntityState.Added && e.Entity.ConversationId == conversationId && e.Entity.ExternalId != null && e.Entity.CreatedAt < before
                && e.Entity.Direction != MessageDirection.Note)
            .Select(e => new { e.Entity.Direction, e.Entity.CreatedAt });
        var history = stored.Concat(added).ToList();
        var answered = history.Where(m => m.Direction == MessageDirection.Outbound).Select(m => (DateTime?)m.CreatedAt).Max();
        return history.Where(m => m.Direction == MessageDirection.Inbound && (answered is null || m.CreatedAt > answered)).Select(m => (DateTime?)m.CreatedAt).Min();
    }

    /// <summary>The opening and arrival reporting events and the automation rules, for one stored message.</summary>
    private async Task Triage(RapportDbContext db, Guid workspaceId, InboundItem item, Conversation conversation, bool isNew, Message message,
        TextAnalysisResult analysis, DateTime now, IReadOnlyList<Automation.AutomationRule> enabledRules, CancellationToken cancellationToken)
    {
        var createdAt = message.CreatedAt;
        if (isNew)
        {
            // What the conversation opened with: whether it needed an answer, and the customer's mood, for care reports.
            db.ReportingEvents.Add(new ReportingEvent
            {
                WorkspaceId = workspaceId,
                Name = ReportingEventNames.ConversationCreated,
                ConversationId = conversation.Id,
                ChannelId = item.ChannelId,
                StartedAt = createdAt,
                EndedAt = createdAt,
                Value = analysis.NeedsAnswer.Value,
            });
            db.ReportingEvents.Add(new ReportingEvent
            {
                WorkspaceId = workspaceId,
                Name = ReportingEventNames.SentimentAtOpening,
                ConversationId = conversation.Id,
                ChannelId = item.ChannelId,
                StartedAt = createdAt,
                EndedAt = createdAt,
                Value = SentimentScale.Of(analysis.SentimentScore),
            });
        }
        await rules.RunAsync(db, conversation, isNew ? FirstMessageTriggers : NextMessageTriggers, message, enabledRules, cancellationToken);

        db.ReportingEvents.Add(new ReportingEvent
        {
            WorkspaceId = workspaceId,
            Name = ReportingEventNames.MessageReceived,
            TeamId = conversation.TeamId,
            ConversationId = conversation.Id,
            ChannelId = item.ChannelId,
            StartedAt = createdAt,
            EndedAt = now,
            DurationSeconds = Math.Max(0, (now - createdAt).TotalSeconds),
            Value = analysis.NeedsAnswer.Value,
        });
        // In the message's own save: a subscriber's writes (a queued webhook delivery) land with it, exactly once.
        await events.PublishAsync(db, new Events.MessageProcessed(workspaceId, message.Id, conversation.Id, item.ChannelId, conversation.ContactId, isNew,
            conversation.Intent, analysis.SentimentScore, now), cancellationToken);
    }

    private static (Contact Contact, bool IsNew) FindOrCreateContact(RapportDbContext db, Guid workspaceId, InboundItem item, IngestBatch batch, DateTime now)
    {
        var handle = NormalizeHandle(item.AuthorHandle);
        if (batch.Contact(item.ChannelId, handle) is { } known)
        {
            return (known, false);
        }
        var contact = new Contact
        {
            WorkspaceId = workspaceId,
            DisplayName = string.IsNullOrWhiteSpace(item.AuthorName) ? handle : Clean(item.AuthorName),
            Email = handle.Contains('@', StringComparison.Ordinal) && !handle.StartsWith('@') ? handle : null,
            CreatedAt = now,
        };
        contact.Identities.Add(new ContactIdentity
        {
            WorkspaceId = workspaceId,
            ChannelId = item.ChannelId,
            Handle = handle,
            DisplayName = item.AuthorName is null ? null : Clean(item.AuthorName),
            CreatedAt = now,
        });
        db.Contacts.Add(contact);
        batch.Remember(item.ChannelId, handle, contact);
        return (contact, true);
    }

    private static (Conversation Conversation, bool IsNew) FindOrCreateConversation(
        RapportDbContext db, Guid workspaceId, InboundItem item, Contact contact, bool contactIsNew, IngestBatch batch)
    {
        var createdAt = WrittenAt(item, batch.Now);
        var conversation = batch.ConversationAnswered(item);
        var threadId = batch.ThreadOf(item);
        if (conversation is null && threadId is { Length: > 0 } thread)
        {
            conversation = batch.Thread(item.ChannelId, thread);
        }
        if (conversation is null && threadId is null && !contactIsNew)
        {
            // Without a thread from the network, the same person writing again on the same channel continues
            // their latest conversation, unless it was resolved long ago. A new thread id is a new conversation.
            conversation = batch.Latest(contact.Id, item.ChannelId, item.IsPublic);
        }

        if (conversation is null)
        {
            conversation = new Conversation
            {
                WorkspaceId = workspaceId,
                ChannelId = item.ChannelId,
                ContactId = contact.Id,
                Subject = item.Subject is null ? null : Clean(item.Subject),
                IsPublic = item.IsPublic,
                ExternalThreadId = Clean(threadId ?? item.ExternalId),
                CreatedAt = createdAt,
                LastMessageAt = createdAt,
            };
            db.Conversations.Add(conversation);
            batch.Remember(conversation);
            return (conversation, true);
        }

        if (conversation.Status is ConversationStatus.Resolved or ConversationStatus.Snoozed)
        {
            var reopened = conversation.Status == ConversationStatus.Resolved;
            conversation.Status = ConversationStatus.Open;
            conversation.SnoozedUntil = null;
            if (reopened)
            {
                db.ReportingEvents.Add(new ReportingEvent
                {
                    WorkspaceId = workspaceId,
                    Name = ReportingEventNames.ConversationReopened,
                    ConversationId = conversation.Id,
                    ChannelId = item.ChannelId,
                    StartedAt = conversation.ResolvedAt ?? createdAt,
                    EndedAt = createdAt,
                });
                conversation.ResolvedAt = null;
            }
        }
        conversation.Version++;
        return (conversation, false);
    }

    internal static MessageAnalysis ToEntity(TextAnalysisResult analysis, Guid messageId, Guid workspaceId, DateTime now) => new()
    {
        MessageId = messageId,
        WorkspaceId = workspaceId,
        Language = analysis.Language.Value,
        Intent = analysis.Intent.Value.ToString(),
        IntentConfidence = analysis.Intent.Confidence,
        NeedsAnswer = analysis.NeedsAnswer.Value,
        SentimentScore = analysis.SentimentScore,
        Sentiment = analysis.Sentiment.Value.ToString(),
        Urgency = string.Join(',', analysis.Urgency.Select(u => u.Value)),
        Toxicity = string.Join(',', analysis.Toxicity.Select(t => t.Value)),
        Themes = string.Join(',', analysis.Themes.Select(t => t.Value)),
        KeyPhrases = string.Join(", ", analysis.KeyPhrases),
        Recommendation = HeardRecommendations.StanceOf(analysis.Recommendation),
        RecommendationEvidence = HeardRecommendations.EvidenceOf(analysis.Recommendation),
        Explanation = JsonSerializer.Serialize(analysis, ExplanationJson.Default.TextAnalysisResult),
        ModelVersion = analysis.ModelVersion,
        AnalyzedAt = now,
    };


    /// <summary>Removes NUL and other control characters that databases or browsers choke on, and caps the length.</summary>
    internal static string Clean(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var span = text.Length > MaxTextLength ? text.AsSpan(0, MaxTextLength) : text.AsSpan();
        var builder = new System.Text.StringBuilder(span.Length);
        foreach (var c in span)
        {
            if (c == '\n' || c == '\t' || !char.IsControl(c))
            {
                builder.Append(c);
            }
            else if (c == '\r')
            {
                continue;
            }
        }
        return builder.ToString().Trim();
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    /// <summary>The items as <see cref="Normalized(InboundItem)"/> keeps them; the same list when none needed it.</summary>
    private static IReadOnlyList<InboundItem> Normalized(IReadOnlyList<InboundItem> items)
    {
        InboundItem[]? copy = null;
        for (var i = 0; i < items.Count; i++)
        {
            var item = Normalized(items[i]);
            if (!ReferenceEquals(item, items[i]))
            {
                copy ??= [.. items];
                copy[i] = item;
            }
        }
        return copy ?? items;
    }

    /// <summary>
    /// An item within the limits every channel follows (docs/api.md, "Limits"): its ids, names and subject cleaned and cut
    /// at their longest, and a date outside the accepted range forgotten (the item is then dated when it was received),
    /// so no adapter's odd value reaches a lookup or a save. The API and imports refuse such values before, naming them.
    /// </summary>
    public static InboundItem Normalized(InboundItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        static string? Name(string? value, int length) => value is null ? null : UserInput.Truncate(UserInput.CleanName(value), length);
        static string? Id(string? value) => value is null ? null : UserInput.Truncate(UserInput.Clean(value), UserInput.MaxExternalIdLength);
        var externalId = Id(item.ExternalId)!;
        var handle = UserInput.Truncate(UserInput.Clean(item.AuthorHandle), UserInput.MaxHandleLength);
        var authorName = Name(item.AuthorName, UserInput.MaxAuthorNameLength);
        var subject = Name(item.Subject, UserInput.MaxSubjectLength);
        var thread = Id(item.ThreadId);
        var parent = Id(item.InReplyToExternalId);
        var createdAt = item.CreatedAt is { } when && !UserInput.IsAcceptedDate(when) ? null : item.CreatedAt;
        return ReferenceEquals(externalId, item.ExternalId) && ReferenceEquals(handle, item.AuthorHandle) && ReferenceEquals(authorName, item.AuthorName)
            && ReferenceEquals(subject, item.Subject) && ReferenceEquals(thread, item.ThreadId) && ReferenceEquals(parent, item.InReplyToExternalId)
            && createdAt == item.CreatedAt
            ? item
            : item with
            {
                ExternalId = externalId,
                AuthorHandle = handle,
                AuthorName = authorName,
                Subject = subject,
                ThreadId = thread,
                InReplyToExternalId = parent,
                CreatedAt = createdAt,
            };
    }

    /// <summary>When the network says the item was written; when it does not say, when it was received.</summary>
    private static DateTime WrittenAt(InboundItem item, DateTime receivedAt) => item.CreatedAt is { } when ? AsUtc(when) : receivedAt;

    /// <summary>A time without an offset is taken as UTC, never as the server's local time.</summary>
    public static DateTime AsUtc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();

    /// <summary>E-mail addresses and @handles are case-insensitive: "Julie@Example.fr" is julie@example.fr.</summary>
    internal static string NormalizeHandle(string handle)
    {
        var trimmed = Clean(handle);
        return trimmed.Contains('@', StringComparison.Ordinal) ? trimmed.ToLowerInvariant() : trimmed;
    }
}

/// <summary>
/// How an analysis is kept as its explanation ("Why?"): camelCase, enums by name. Generated at build time, since
/// serialising it by reflection cost as much as the analysis itself on a large import.
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(TextAnalysisResult))]
internal sealed partial class ExplanationJson : System.Text.Json.Serialization.JsonSerializerContext;
