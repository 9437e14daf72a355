using System.ComponentModel.DataAnnotations;

namespace Rapport.Channels.Email;

/// <summary>How Rapport reads and sends e-mail (section <c>Rapport:Email</c>).</summary>
public sealed class EmailOptions
{
    public const string Section = "Rapport:Email";

    /// <summary>How often the worker looks for mailboxes that are due. Zero turns the worker off. Default: one minute.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Keep a connection in IMAP IDLE to each mailbox whose server offers it, so a new e-mail is read within
    /// seconds rather than at the next poll. Polling goes on either way. Default: on.
    /// </summary>
    public bool Idle { get; set; } = true;

    /// <summary>Longest a connection, sign-in or command may take. Default: 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest e-mail read whole; a bigger one comes in with its text only and a note. Default: 10 MB.</summary>
    [Range(1024, 200 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest attachment or inline image kept with its e-mail; a larger one is listed as not kept. Default: 25 MB.</summary>
    [Range(0, 1024 * 1024 * 1024)]
    public int MaxAttachmentBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>Most bytes of attachments kept for one e-mail; the files past it are listed as not kept. Default: 50 MB.</summary>
    [Range(0, 1024 * 1024 * 1024)]
    public int MaxAttachmentBytesPerMessage { get; set; } = 50 * 1024 * 1024;

    /// <summary>Most e-mails read in one poll; the rest come at the next. Default: 200.</summary>
    [Range(1, 10_000)]
    public int MaxMessagesPerPoll { get; set; } = 200;
}
