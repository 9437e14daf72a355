namespace Rapport.Ingest;

/// <summary>
/// One inbound message as a channel adapter hands it over: the only shape ingest understands.
/// Adapters translate their network's format into this and nothing more.
/// </summary>
public sealed record InboundItem
{
    public required Guid ChannelId { get; init; }
    /// <summary>The network's id for the message: ingesting the same id twice is a no-op.</summary>
    public required string ExternalId { get; init; }
    /// <summary>The author's handle on the channel (e-mail address, @name, visitor id).</summary>
    public required string AuthorHandle { get; init; }
    public string? AuthorName { get; init; }
    public required string Text { get; init; }
    /// <summary>When the author wrote it; defaults to when it was received.</summary>
    public DateTime? CreatedAt { get; init; }
    /// <summary>The external id of the message this one answers, which threads it.</summary>
    public string? InReplyToExternalId { get; init; }
    /// <summary>The network's thread id, when it has one (e-mail References root, status conversation id).</summary>
    public string? ThreadId { get; init; }
    public string? Subject { get; init; }
    public bool IsPublic { get; init; }
    /// <summary>The payload as received, kept verbatim.</summary>
    public string? RawPayload { get; init; }
    /// <summary>Files that came with the message (e-mail attachments, inline images), stored with it.</summary>
    public IReadOnlyList<InboundAttachment> Attachments { get; init; } = [];
    /// <summary>
    /// The brand's own answer, written outside Rapport (an imported history): stored as an outbound message in the
    /// conversation of <see cref="InReplyToExternalId"/> and counted as the brand's response, never sent, never analysed,
    /// never run through the rules (docs/decisions/0043-brand-replies-in-imports.md).
    /// </summary>
    public bool FromBrand { get; init; }
    /// <summary>
    /// A mention someone turned into an inbox conversation: it takes the inbox's path although its channel listens
    /// (docs/decisions/0065-listening-sources-and-mentions-into-the-inbox.md).
    /// </summary>
    public bool TakenFromListening { get; init; }
}

/// <summary>
/// A file that came with an inbound message. <see cref="Content"/> is null when it was not kept (over a size limit),
/// and <see cref="NotKeptReason"/> says why: the message still lists it by name and size.
/// </summary>
public sealed record InboundAttachment(string FileName, string? ContentType, long Size, byte[]? Content, string? NotKeptReason = null);

/// <summary>What ingest did with an item.</summary>
public sealed record IngestResult(Guid MessageId, Guid ConversationId, Guid ContactId, bool Created)
{
    /// <summary>
    /// A brand reply left unstored because the message it answers is not stored (nor earlier in the batch): nothing was
    /// written for it, and it can be ingested again once its parent is.
    /// </summary>
    public bool ParentUnknown { get; init; }
}
