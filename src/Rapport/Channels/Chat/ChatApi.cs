using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Rapport.Api;
using Rapport.Conversations.Live;
using Rapport.Data;
using Rapport.Resources;

namespace Rapport.Channels.Chat;

/// <summary>What the widget needs before it shows anything, in the visitor's language.</summary>
public sealed record ChatWidgetConfig(bool Online, bool Paused, string Greeting, string OfflineText, IReadOnlyDictionary<string, string> Labels);

/// <summary>A message the chat stored, and the visitor token that continues the session.</summary>
public sealed record ChatPosted(string Token, ChatLine Message);

/// <summary>The stream's <c>typing</c> event: who is typing a reply to the visitor now; empty when nobody is any more.</summary>
public sealed record ChatTyping(IReadOnlyList<string> Names);

/// <summary>
/// The anonymous endpoints the website chat widget talks to from the brand's own site, found by the channel's public
/// key. Cross-origin requests are answered only for the channel's <c>allowedOrigins</c>; the visitor is the bearer of a
/// token bound to the channel, always in the <c>X-Rapport-Visitor</c> header and never in a URL (the widget reads the
/// event stream with <c>fetch</c>, which can send headers, so the token stays out of access logs and proxies);
/// everything is rate-limited per client address.
/// </summary>
public static class ChatApi
{
    public const string VisitorHeader = "X-Rapport-Visitor";
    public const string RateLimit = "chat";
    private const string ChannelItem = "rapport.chat.channel";

    /// <summary>How often an open stream looks again without being told, in case a change was published elsewhere.</summary>
    private static readonly string[] LabelKeys =
        ["Open", "Close", "Title", "Message", "Send", "Email", "EmailRequired", "OfflineTitle", "OfflineSend", "OfflineSent", "Paused", "Error", "You", "Log", "Typing"];

    public static void Map(RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var chat = api.MapGroup("/chat/{publicKey}").AllowAnonymous().RequireRateLimiting(RateLimit)
            .AddEndpointFilter(ChatGateAsync).WithTags("Website chat");
        chat.MapGet("", ConfigAsync).WithSummary("The widget's texts in the visitor's language, and whether someone is available to answer.");
        chat.MapPost("/messages", SendAsync).WithSummary("A visitor's message; the first one starts the session and returns its token.");
        chat.MapPost("/offline", LeaveOfflineAsync).WithSummary("The offline form: a message and the e-mail to answer it by, when nobody is available.");
        chat.MapGet("/stream", Stream)
            .WithSummary("Server-sent events: the visitor's conversation, then each delivered reply as it arrives, and who is typing a reply.")
            .WithDescription($"The visitor token goes in the {VisitorHeader} header, never in the URL.");
        chat.MapPost("/typing", TypingAsync)
            .WithSummary($"The visitor is typing: shown to the agents on the conversation for a few seconds; at most one signal every {ConversationPresence.TypingSignalInterval.TotalSeconds:0} s.");
        chat.MapMethods("/{**path}", [HttpMethods.Options], () => TypedResults.NoContent()).ExcludeFromDescription();
        chat.MapMethods("", [HttpMethods.Options], () => TypedResults.NoContent()).ExcludeFromDescription();
    }

    /// <summary>
    /// Before every chat endpoint: the key names a chat channel (else 404) and the request comes from one of its sites
    /// (else 403, without CORS headers, so the browser of another site cannot read anything).
    /// </summary>
    private static async ValueTask<object?> ChatGateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.RouteValues["publicKey"] as string;
        var db = http.RequestServices.GetRequiredService<RapportDbContext>();
        if (await ChatService.FindAsync(db, key, http.RequestAborted) is not (var channel, var settings))
        {
            return Problems.NotFound("Chat");
        }
        var origin = http.Request.Headers.Origin.ToString();
        if (!settings.Allows(origin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Site not allowed",
                detail: "This chat answers only the sites in its allowedOrigins setting; add this site's address there.");
        }
        var headers = http.Response.Headers;
        headers.AccessControlAllowOrigin = ChatSettings.NormalizeOrigin(origin);
        headers.Vary = "Origin";
        if (HttpMethods.IsOptions(http.Request.Method))
        {
            headers.AccessControlAllowMethods = "GET, POST";
            headers.AccessControlAllowHeaders = $"Content-Type, {VisitorHeader}";
            headers.AccessControlMaxAge = "600";
        }
        db.ScopedWorkspaceId = channel.WorkspaceId;
        http.Items[ChannelItem] = (channel, settings);
        return await next(context);
    }

    private static Channel ChannelOf(HttpContext http) => SettingsOf(http).Channel;

    /// <summary>The chat channel the gate found, with its settings as the gate read them.</summary>
    private static (Channel Channel, ChatSettings Settings) SettingsOf(HttpContext http) => ((Channel, ChatSettings))http.Items[ChannelItem]!;

    private static Ok<ChatWidgetConfig> ConfigAsync(string? lang, HttpContext http, ChatAvailability availability, IStringLocalizer<Strings> localizer)
    {
        var (channel, settings) = SettingsOf(http);
        var language = lang?.StartsWith("fr", StringComparison.OrdinalIgnoreCase) == true ? "fr" : "en";
        // The widget speaks the page's language, whatever the browser's Accept-Language says.
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);
        try
        {
            var labels = LabelKeys.ToDictionary(k => char.ToLowerInvariant(k[0]) + k[1..], k => localizer["Chat.Widget." + k].Value);
            labels["tooLong"] = localizer["Chat.Widget.TooLong", ChatService.MaxMessageLength].Value;
            return TypedResults.Ok(new ChatWidgetConfig(
                Online: !channel.Paused && availability.IsAvailable(channel.WorkspaceId),
                Paused: channel.Paused,
                Greeting: settings.Greeting.For(language) ?? localizer["Chat.Widget.Greeting"].Value,
                OfflineText: settings.OfflineText.For(language) ?? localizer["Chat.Widget.Offline"].Value,
                Labels: labels));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    private static Task<Results<Ok<ChatPosted>, ValidationProblem, ProblemHttpResult>> SendAsync(
        ChatMessageRequest request, HttpContext http, RapportDbContext db, ChatService chat, ChatVisitorTokens tokens, TimeProvider clock, CancellationToken ct) =>
        ReceiveAsync(request, offline: false, http, db, chat, tokens, clock, ct);

    private static Task<Results<Ok<ChatPosted>, ValidationProblem, ProblemHttpResult>> LeaveOfflineAsync(
        ChatMessageRequest request, HttpContext http, RapportDbContext db, ChatService chat, ChatVisitorTokens tokens, TimeProvider clock, CancellationToken ct) =>
        ReceiveAsync(request, offline: true, http, db, chat, tokens, clock, ct);

    private static async Task<Results<Ok<ChatPosted>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        ChatMessageRequest request, bool offline, HttpContext http, RapportDbContext db, ChatService chat, ChatVisitorTokens tokens, TimeProvider clock, CancellationToken ct)
    {
        var channel = ChannelOf(http);
        if (channel.Paused)
        {
            return Paused();
        }
        if (ChatService.Check(request, emailRequired: offline) is { } problem)
        {
            return Problems.Invalid(problem.Field, problem.Message);
        }
        Guid visitorId;
        if (http.Request.Headers[VisitorHeader].ToString() is { Length: > 0 } token)
        {
            if (tokens.VisitorOf(channel.Id, token) is not { } known)
            {
                return InvalidToken();
            }
            visitorId = known;
        }
        else
        {
            // The first message starts the session.
            visitorId = Guid.NewGuid();
        }
        var result = await chat.ReceiveAsync(db, channel, visitorId, request, offline, http.Request.Headers.Origin.ToString(), ct);
        var line = new ChatLine(result.MessageId, FromVisitor: true, "", request.Text!.Trim(), clock.GetUtcNow().UtcDateTime);
        return TypedResults.Ok(new ChatPosted(tokens.TokenFor(channel.Id, visitorId), line));
    }

    private static Results<ServerSentEventsResult<object>, ProblemHttpResult> Stream(
        HttpContext http, ChatVisitorTokens tokens, RapportDbContextFactory databases, ConversationEvents events, ConversationPresence presence, TimeProvider clock, IOptions<ChatOptions> options)
    {
        if (Visitor(http, tokens, out var channel, out var visitorId) is { } refused)
        {
            return refused;
        }
        // No proxy may keep or buffer the visitor's conversation.
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.ServerSentEvents(Events(channel, visitorId, databases, events, presence, clock, options.Value, http.RequestAborted));
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> TypingAsync(
        HttpContext http, RapportDbContext db, ChatVisitorTokens tokens, ConversationPresence presence, CancellationToken ct)
    {
        if (Visitor(http, tokens, out var channel, out var visitorId) is { } refused)
        {
            return refused;
        }
        if (await ChatService.ConversationOfAsync(db, channel, visitorId, ct) is { } conversationId && !presence.ContactTyping(conversationId))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(ConversationPresence.TypingSignalInterval.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Typing signalled too often",
                detail: $"Signal typing at most once every {ConversationPresence.TypingSignalInterval.TotalSeconds:0} seconds; the last signal still shows.");
        }
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// The gate's channel and the visitor its token names, for the endpoints of a session already started: the refusal
    /// when the channel is paused or the token is not valid for it, else null. Only the header is read: a token in the
    /// query string (as older widgets sent it) would land in access logs.
    /// </summary>
    private static ProblemHttpResult? Visitor(HttpContext http, ChatVisitorTokens tokens, out Channel channel, out Guid visitorId)
    {
        channel = ChannelOf(http);
        visitorId = default;
        if (channel.Paused)
        {
            return Paused();
        }
        if (tokens.VisitorOf(channel.Id, http.Request.Headers[VisitorHeader].ToString()) is not { } known)
        {
            return InvalidToken();
        }
        visitorId = known;
        return null;
    }

    /// <summary>
    /// The visitor's conversation on connecting, then each new line once. A reply becomes a line when the outbox records
    /// it Sent (the chat's delivery), and that save publishes the change that wakes this stream; the lines already sent on
    /// this connection are remembered, so a line goes out once however many changes wake the stream, and the widget
    /// drops a line it already shows (after a reconnect the conversation is sent again, so nothing delivered meanwhile is
    /// missed). Between lines, a <c>typing</c> event names the agents typing a reply (not a note) on the conversation:
    /// sent when that changes and again every few seconds while it lasts, so the widget can let it expire by itself.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<object>> Events(Channel channel, Guid visitorId, RapportDbContextFactory databases,
        ConversationEvents events, ConversationPresence presence, TimeProvider clock, ChatOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var wake = System.Threading.Channels.Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        // Set when a saved change may have added a line; typing alone wakes the stream without a database read.
        var linesChanged = true;
        Guid? conversationId = null;
        using var subscription = events.Subscribe(channel.WorkspaceId, changes =>
        {
            if (conversationId is null || changes.Any(c => c.ConversationId == conversationId && c.Kind == ConversationChangeKind.Message))
            {
                Volatile.Write(ref linesChanged, true);
                wake.Writer.TryWrite(true);
            }
        });
        IDisposable? watch = null;
        try
        {
            var sent = new HashSet<Guid>();
            IReadOnlyList<string> typing = [];
            var typingSentAt = DateTimeOffset.MinValue;
            var recheckAt = DateTimeOffset.MinValue;
            while (!ct.IsCancellationRequested)
            {
                if (Interlocked.Exchange(ref linesChanged, false) || clock.GetUtcNow() >= recheckAt)
                {
                    List<ChatLine> lines;
                    await using (var db = databases.CreateDbContext())
                    {
                        db.ScopedWorkspaceId = channel.WorkspaceId;
                        (conversationId, lines) = await ChatService.ReadAsync(db, channel, visitorId, conversationId, ct);
                    }
                    recheckAt = clock.GetUtcNow() + options.StreamRecheck;
                    if (watch is null && conversationId is { } id)
                    {
                        watch = presence.Watch(id, () => wake.Writer.TryWrite(true));
                    }
                    foreach (var line in lines.Where(l => sent.Add(l.Id)))
                    {
                        yield return new SseItem<object>(line, "line");
                    }
                }
                var now = clock.GetUtcNow();
                var replying = conversationId is { } conversation
                    ? presence.Present(conversation).Where(p => p.IsReplying).Select(p => p.DisplayName).ToList()
                    : [];
                if (!replying.SequenceEqual(typing) || (replying.Count > 0 && now - typingSentAt >= ConversationPresence.TypingSignalInterval))
                {
                    typing = replying;
                    typingSentAt = now;
                    yield return new SseItem<object>(new ChatTyping(replying), "typing");
                }
                // While someone types, look again soon enough to repeat the signal and to see it end.
                var wait = replying.Count > 0 ? ConversationPresence.TypingSignalInterval : recheckAt - now;
                using var timeout = new CancellationTokenSource(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, clock);
                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                try
                {
                    await wake.Reader.ReadAsync(waiting.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Nothing was published for a while: look anyway.
                }
            }
        }
        finally
        {
            watch?.Dispose();
        }
    }

    private static ProblemHttpResult Paused() =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Chat paused",
            detail: "This chat is closed for now; please come back later.");

    private static ProblemHttpResult InvalidToken() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Chat session not valid",
            detail: "This visitor token was not issued by this chat; start a new conversation.");
}
