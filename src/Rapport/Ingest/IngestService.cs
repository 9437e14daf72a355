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
/// create its contact and conversation, analyse it, and append the reporting events.
/// </summary>
public sealed class IngestService(WorkspaceAnalyzers analyzers, Automation.AutomationEngine rules, TimeProvider clock)
{
    /// <summary>Longest text kept on a message; anything longer is cut and the raw payload keeps the rest.</summary>
    public const int MaxTextLength = 100_000;

    /// <summary>How long a resolved conversation may be reopened by a new message instead of starting a new one.</summary>
    public static readonly TimeSpan ReopenWindow = TimeSpan.FromDays(7);

    /// <summary>Times a message is stored again after colliding with a concurrent write (same contact, same conversation).</summary>
    private const int MaxAttempts = 4;

    public Task<IngestResult> IngestAsync(RapportDbContext db, Guid workspaceId, InboundItem item, CancellationToken cancellationToken = default) =>
        IngestAsync(db, workspaceId, item, attempt: 1, cancellationToken);

    private async Task<IngestResult> IngestAsync(RapportDbContext db, Guid workspaceId, InboundItem item, int attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(item);
        var externalId = Clean(item.ExternalId);
        var existing = await db.Messages.IgnoreQueryFilters()
            .Where(m => m.ChannelId == item.ChannelId && m.ExternalId == externalId)
            .Select(m => new { m.Id, m.ConversationId, m.AuthorContactId })
            .FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
        {
            return new IngestResult(existing.Id, existing.ConversationId, existing.AuthorContactId ?? Guid.Empty, Created: false);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var createdAt = item.CreatedAt is { } when ? AsUtc(when) : now;
        var text = Clean(item.Text);
        var contact = await FindOrCreateContactAsync(db, workspaceId, item, now, cancellationToken);
        var conversation = await FindOrCreateConversationAsync(db, workspaceId, item, contact, createdAt, now, cancellationToken);

        var analyzer = await analyzers.ForAsync(workspaceId, cancellationToken);
        var analysis = analyzer.Analyze(text, new AnalysisContext(null, item.IsPublic, contact.Language));
        var message = new Message
        {
            WorkspaceId = workspaceId,
            ConversationId = conversation.Id,
            ChannelId = item.ChannelId,
            Direction = MessageDirection.Inbound,
            ExternalId = externalId,
            AuthorContactId = contact.Id,
            AuthorName = string.IsNullOrWhiteSpace(item.AuthorName) ? contact.DisplayName : Clean(item.AuthorName),
            Text = text,
            // PostgreSQL text cannot hold NUL; everything else is kept as received.
            RawPayload = item.RawPayload?.Replace('\0', '\uFFFD'),
            CreatedAt = createdAt,
            ReceivedAt = now,
            InReplyToExternalId = item.InReplyToExternalId is null ? null : Clean(item.InReplyToExternalId),
        };
        message.Analysis = ToEntity(analysis, message.Id, workspaceId, now);
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

        var isNew = db.Entry(conversation).State == EntityState.Added;
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
        await rules.RunAsync(db, conversation,
            isNew ? [Automation.RuleTrigger.ConversationCreated, Automation.RuleTrigger.MessageReceived] : [Automation.RuleTrigger.MessageReceived],
            message, cancellationToken);

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

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (attempt < MaxAttempts)
        {
            // A concurrent write got there first: the same message (then this finds it), the same new contact, or the
            // same conversation updated by an agent or another message. Start again from what is stored now.
            db.ChangeTracker.Clear();
            return await IngestAsync(db, workspaceId, item, attempt + 1, cancellationToken);
        }
        return new IngestResult(message.Id, conversation.Id, contact.Id, Created: true);
    }

    private static async Task<Contact> FindOrCreateContactAsync(RapportDbContext db, Guid workspaceId, InboundItem item, DateTime now, CancellationToken cancellationToken)
    {
        var handle = NormalizeHandle(item.AuthorHandle);
        var identity = await db.ContactIdentities.IgnoreQueryFilters()
            .FirstOrDefaultAsync(i => i.ChannelId == item.ChannelId && i.Handle == handle, cancellationToken);
        if (identity is not null)
        {
            var known = await db.Contacts.IgnoreQueryFilters().FirstAsync(c => c.Id == identity.ContactId, cancellationToken);
            // A merged contact forwards to the person it was merged into.
            while (known.MergedIntoId is { } target)
            {
                known = await db.Contacts.IgnoreQueryFilters().FirstAsync(c => c.Id == target, cancellationToken);
            }
            return known;
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
        return contact;
    }

    private static async Task<Conversation> FindOrCreateConversationAsync(
        RapportDbContext db, Guid workspaceId, InboundItem item, Contact contact, DateTime createdAt, DateTime now, CancellationToken cancellationToken)
    {
        var conversations = db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.ChannelId == item.ChannelId);
        Conversation? conversation = null;
        if (item.InReplyToExternalId is { Length: > 0 } parent)
        {
            var parentConversation = await db.Messages.IgnoreQueryFilters()
                .Where(m => m.ChannelId == item.ChannelId && m.ExternalId == parent)
                .Select(m => (Guid?)m.ConversationId)
                .FirstOrDefaultAsync(cancellationToken);
            if (parentConversation is { } id)
            {
                conversation = await conversations.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
            }
        }
        if (conversation is null && item.ThreadId is { Length: > 0 } thread)
        {
            conversation = await conversations.FirstOrDefaultAsync(c => c.ExternalThreadId == thread, cancellationToken);
        }
        if (conversation is null && item.ThreadId is null && db.Entry(contact).State != EntityState.Added)
        {
            // Without a thread from the network, the same person writing again on the same channel continues
            // their latest conversation, unless it was resolved long ago. A new thread id is a new conversation.
            var reopenAfter = now - ReopenWindow;
            conversation = await conversations
                .Where(c => c.ContactId == contact.Id && c.IsPublic == item.IsPublic && (c.Status != ConversationStatus.Resolved || c.ResolvedAt > reopenAfter))
                .OrderByDescending(c => c.LastMessageAt)
                .FirstOrDefaultAsync(cancellationToken);
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
                ExternalThreadId = Clean(item.ThreadId ?? item.ExternalId),
                CreatedAt = createdAt,
                LastMessageAt = createdAt,
            };
            db.Conversations.Add(conversation);
            return conversation;
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
        return conversation;
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
        Explanation = JsonSerializer.Serialize(analysis, ExplanationJson),
        ModelVersion = analysis.ModelVersion,
        AnalyzedAt = now,
    };

    private static readonly JsonSerializerOptions ExplanationJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
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
