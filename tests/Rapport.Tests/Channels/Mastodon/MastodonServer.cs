using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rapport.Tests;

/// <summary>A request the instance received, as the tests check it.</summary>
public sealed record MastodonRequest(string Method, string PathAndQuery, string Authorization, string? IdempotencyKey, IReadOnlyDictionary<string, string> Form);

/// <summary>An answer the test forces on the next request of a path, instead of the normal one.</summary>
public sealed record ForcedAnswer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A Mastodon instance on loopback that replays the recorded documentation examples: notifications with Mastodon's
/// paging (min_id, max_id, limit, types[]) and Link header, statuses that honour Idempotency-Key for as long as the
/// instance remembers it, the account's own statuses and their source text, credentials, the notification stream as
/// server-sent events, error bodies and rate-limit headers.
/// </summary>
public sealed class MastodonServer : IAsyncDisposable
{
    public const string Token = "recorded-user-token";

    private static readonly string RecordedFolder = Path.Combine(AppContext.BaseDirectory, "Channels", "Mastodon", "Recorded");

    private readonly List<JsonObject> notifications = [];
    private readonly Dictionary<string, List<JsonObject>> publicStatuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> statusesByKey = new();
    private readonly List<JsonObject> statuses = [];
    private readonly ConcurrentDictionary<string, string> sourceTexts = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ForcedAnswer>> forced = new();
    private readonly ConcurrentQueue<HeldAnswer> holds = new();
    private readonly System.Threading.Channels.Channel<string> streamEvents = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private WebApplication? app;
    private long nextStatusId = 110_000_000_000_000_000;

    public ConcurrentQueue<MastodonRequest> Requests { get; } = new();

    public string BaseUrl { get; private set; } = "";

    /// <summary>Requests left in the rate-limit window, sent back in X-RateLimit-Remaining.</summary>
    public int RateLimitRemaining { get; set; } = 300;

    public DateTime RateLimitReset { get; set; } = DateTime.UtcNow.AddMinutes(5);

    /// <summary>Statuses posted: one per idempotency key while the instance remembers it.</summary>
    public IReadOnlyCollection<JsonObject> Posted
    {
        get
        {
            lock (statuses)
            {
                return statuses.ToList();
            }
        }
    }

    /// <summary>Streaming connections opened so far.</summary>
    public int StreamsOpened => streamsOpened;

    private int streamsOpened;

    public static string Recorded(string file) => File.ReadAllText(Path.Combine(RecordedFolder, file));

    public static async Task<MastodonServer> StartAsync()
    {
        var server = new MastodonServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server.app = builder.Build();
        server.app.Run(server.HandleAsync);
        await server.app.StartAsync();
        server.BaseUrl = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Adds the recorded notifications (a mention and a favourite) as they are.</summary>
    public void AddRecordedNotifications()
    {
        lock (notifications)
        {
            notifications.AddRange(JsonNode.Parse(Recorded("notifications.json"))!.AsArray().Select(n => n!.AsObject().DeepClone().AsObject()));
        }
    }

    /// <summary>Adds a mention: the recorded one with its ids, author, content and visibility changed.</summary>
    public JsonObject AddMention(long id, string statusId, string acct, string content, string visibility = "public", string? inReplyTo = null, string? displayName = null)
    {
        var notification = JsonNode.Parse(Recorded("notifications.json"))!.AsArray()[0]!.AsObject().DeepClone().AsObject();
        notification["id"] = id.ToString(CultureInfo.InvariantCulture);
        var status = notification["status"]!.AsObject();
        status["id"] = statusId;
        status["in_reply_to_id"] = inReplyTo;
        status["visibility"] = visibility;
        status["content"] = content;
        foreach (var account in new[] { notification["account"]!.AsObject(), status["account"]!.AsObject() })
        {
            account["acct"] = acct;
            account["username"] = acct.Split('@')[0];
            account["display_name"] = displayName ?? acct.Split('@')[0];
        }
        lock (notifications)
        {
            notifications.Add(notification);
        }
        return notification;
    }

    /// <summary>
    /// A public status on the hashtag's timeline (<paramref name="where"/> "tag:name") or found by a search ("q:words"):
    /// the recorded notification's status with its id, author and content changed.
    /// </summary>
    public JsonObject AddPublicStatus(string where, long statusId, string acct, string content, string? displayName = null)
    {
        var status = JsonNode.Parse(Recorded("notifications.json"))!.AsArray()[0]!["status"]!.AsObject().DeepClone().AsObject();
        status["id"] = statusId.ToString(CultureInfo.InvariantCulture);
        status["in_reply_to_id"] = null;
        status["content"] = content;
        var account = status["account"]!.AsObject();
        account["acct"] = acct;
        account["username"] = acct.Split('@')[0];
        account["display_name"] = displayName ?? acct.Split('@')[0];
        lock (publicStatuses)
        {
            if (!publicStatuses.TryGetValue(where.ToLowerInvariant(), out var list))
            {
                publicStatuses[where.ToLowerInvariant()] = list = [];
            }
            list.Add(status);
        }
        return status;
    }

    /// <summary>
    /// Time passes: the statuses posted so far were posted <paramref name="ago"/>, and when that is an hour or more the
    /// instance has forgotten their idempotency keys, as Mastodon does.
    /// </summary>
    public void PostedAgo(TimeSpan ago)
    {
        lock (statuses)
        {
            foreach (var status in statuses)
            {
                status["created_at"] = DateTime.UtcNow.Subtract(ago).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            }
        }
        if (ago >= TimeSpan.FromHours(1))
        {
            statusesByKey.Clear();
        }
    }

    /// <summary>What <c>GET /api/v1/statuses/:id</c> counts for a posted status: favourites, reblogs, replies.</summary>
    public void SetCounts(string statusId, int favourites, int reblogs, int replies)
    {
        lock (statuses)
        {
            var status = statuses.Single(s => (string?)s["id"] == statusId);
            (status["favourites_count"], status["reblogs_count"], status["replies_count"]) = (favourites, reblogs, replies);
        }
    }

    /// <summary>The account's followers, as <c>verify_credentials</c> says.</summary>
    public int Followers { get; set; } = 821;

    /// <summary>
    /// Holds the answer to a request to <paramref name="path"/>, the first one after <paramref name="skip"/> others: the
    /// request has its effect (a status is posted, a page is read) and its answer waits until <see cref="HeldAnswer.Release"/>,
    /// as an instance does when the network drops between its work and its answer. The test learns which client sent it.
    /// </summary>
    public HeldAnswer Hold(string method, string path, int skip = 0)
    {
        var held = new HeldAnswer(method, path, skip);
        holds.Enqueue(held);
        return held;
    }

    /// <summary>The next request to <paramref name="path"/> gets this answer instead.</summary>
    public void Force(string path, ForcedAnswer answer) => forced.GetOrAdd(path, _ => new()).Enqueue(answer);

    /// <summary>Sends one server-sent event (its lines, blank line included) to the open notification streams.</summary>
    public void Stream(string serverSentEvent) => streamEvents.Writer.TryWrite(serverSentEvent);

    private async Task HandleAsync(HttpContext context)
    {
        var held = holds.FirstOrDefault(h => h.Matches(context.Request.Method, context.Request.Path.Value ?? ""));
        if (held is null)
        {
            await AnswerAsync(context);
            return;
        }
        // The answer is written into a buffer, and reaches the client only once the test releases it.
        var body = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        await AnswerAsync(context);
        held.Arrive(context.Connection.RemotePort);
        await held.Released;
        context.Response.Body = body;
        buffer.Position = 0;
        try
        {
            await buffer.CopyToAsync(body, context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client is gone (killed while it waited).
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "";
        var form = request.HasFormContentType
            ? (await request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString())
            : new Dictionary<string, string>();
        var key = request.Headers["Idempotency-Key"].FirstOrDefault();
        Requests.Enqueue(new MastodonRequest(request.Method, path + request.QueryString, request.Headers.Authorization.ToString(), key, form));

        response.Headers["X-RateLimit-Limit"] = "300";
        response.Headers["X-RateLimit-Remaining"] = RateLimitRemaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-RateLimit-Reset"] = RateLimitReset.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        if (forced.TryGetValue(path, out var queue) && queue.TryDequeue(out var answer))
        {
            foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
            {
                response.Headers[name] = value;
            }
            await WriteAsync(response, answer.Status, answer.Body);
            return;
        }
        // Hashtag timelines and status search are public reads: they answer without a token.
        if (request.Method == "GET" && (path.StartsWith("/api/v1/timelines/tag/", StringComparison.Ordinal) || path == "/api/v2/search"))
        {
            await PublicStatusesAsync(context, path);
            return;
        }
        if (request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            await WriteAsync(response, 401, Recorded("error-401.json"));
            return;
        }
        switch (request.Method, path)
        {
            case ("GET", "/api/v1/accounts/verify_credentials"):
                var account = JsonNode.Parse(Recorded("verify-credentials.json"))!.AsObject();
                account["followers_count"] = Followers;
                await WriteAsync(response, 200, account.ToJsonString());
                return;
            case ("GET", "/api/v1/notifications"):
                await NotificationsAsync(context);
                return;
            case ("POST", "/api/v1/statuses"):
                await PostStatusAsync(response, form, key);
                return;
            case ("GET", "/api/v1/streaming/user/notification"):
                await StreamAsync(context);
                return;
            case ("GET", "/api/v1/accounts/14715/statuses"):
                await AccountStatusesAsync(context);
                return;
            case ("GET", _) when path.StartsWith("/api/v1/statuses/", StringComparison.Ordinal) && path.EndsWith("/source", StringComparison.Ordinal)
                && sourceTexts.TryGetValue(path["/api/v1/statuses/".Length..^"/source".Length], out var text):
                // The StatusSource example of the documentation, with this status's id and text.
                var source = JsonNode.Parse(Recorded("status-source.json"))!.AsObject();
                source["id"] = path["/api/v1/statuses/".Length..^"/source".Length];
                source["text"] = text;
                await WriteAsync(response, 200, source.ToJsonString());
                return;
            case ("GET", _) when path.StartsWith("/api/v1/statuses/", StringComparison.Ordinal) && path.Count(c => c == '/') == 4
                && Posted.FirstOrDefault(s => (string?)s["id"] == path["/api/v1/statuses/".Length..]) is { } posted:
                // GET /api/v1/statuses/:id: the status as posted, with its counts as they stand.
                await WriteAsync(response, 200, posted.ToJsonString());
                return;
            default:
                await WriteAsync(response, 404, """{"error":"Record not found"}""");
                return;
        }
    }

    private async Task NotificationsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var types = query["types[]"].ToArray();
        var limit = int.TryParse(query["limit"], out var l) ? Math.Clamp(l, 1, 80) : 40;
        List<JsonObject> all;
        lock (notifications)
        {
            all = notifications.Where(n => types.Length == 0 || types.Contains((string?)n["type"])).OrderByDescending(Id).ToList();
        }
        List<JsonObject> page;
        if (query["min_id"].FirstOrDefault() is { } min)
        {
            // Immediately newer than min_id: the oldest ones above it, listed newest first.
            page = all.Where(n => Id(n) > long.Parse(min, CultureInfo.InvariantCulture)).OrderBy(Id).Take(limit).OrderByDescending(Id).ToList();
        }
        else if (query["max_id"].FirstOrDefault() is { } max)
        {
            page = all.Where(n => Id(n) < long.Parse(max, CultureInfo.InvariantCulture)).Take(limit).ToList();
        }
        else
        {
            page = all.Take(limit).ToList();
        }
        if (page.Count > 0)
        {
            var filter = string.Concat(types.Select(t => "types[]=" + t + "&"));
            var at = $"{BaseUrl}/api/v1/notifications?{filter}limit={limit}";
            context.Response.Headers["Link"] = $"<{at}&max_id={Id(page[^1])}>; rel=\"next\", <{at}&min_id={Id(page[0])}>; rel=\"prev\"";
        }
        await WriteAsync(context.Response, 200, new JsonArray(page.Select(n => (JsonNode)n.DeepClone()).ToArray()).ToJsonString());
    }

    /// <summary>
    /// <c>GET /api/v1/timelines/tag/:hashtag</c> (an array of statuses) and <c>GET /api/v2/search?type=statuses</c>
    /// (<c>{"accounts":[],"statuses":[…],"hashtags":[]}</c>), newest first, paged by min_id, since_id and max_id as documented.
    /// </summary>
    private async Task PublicStatusesAsync(HttpContext context, string path)
    {
        var query = context.Request.Query;
        var search = path == "/api/v2/search";
        var key = search ? "q:" + query["q"].ToString().ToLowerInvariant() : "tag:" + Uri.UnescapeDataString(path["/api/v1/timelines/tag/".Length..]).ToLowerInvariant();
        var limit = int.TryParse(query["limit"], out var l) ? Math.Clamp(l, 1, 40) : 20;
        List<JsonObject> all;
        lock (publicStatuses)
        {
            all = publicStatuses.TryGetValue(key, out var list) ? [.. list.OrderByDescending(Id)] : [];
        }
        IEnumerable<JsonObject> page = all;
        if (query["max_id"].FirstOrDefault() is { } max)
        {
            page = page.Where(n => Id(n) < long.Parse(max, CultureInfo.InvariantCulture));
        }
        if (query["since_id"].FirstOrDefault() is { } since)
        {
            page = page.Where(n => Id(n) > long.Parse(since, CultureInfo.InvariantCulture));
        }
        page = query["min_id"].FirstOrDefault() is { } min
            // Immediately newer than min_id: the oldest ones above it, listed newest first.
            ? page.Where(n => Id(n) > long.Parse(min, CultureInfo.InvariantCulture)).OrderBy(Id).Take(limit).OrderByDescending(Id)
            : page.Take(limit);
        var statuses = new JsonArray([.. page.Select(n => (JsonNode)n.DeepClone())]);
        var body = search ? new JsonObject { ["accounts"] = new JsonArray(), ["statuses"] = statuses, ["hashtags"] = new JsonArray() } : (JsonNode)statuses;
        await WriteAsync(context.Response, 200, body.ToJsonString());
    }

    private async Task PostStatusAsync(HttpResponse response, Dictionary<string, string> form, string? key)
    {
        if (string.IsNullOrWhiteSpace(form.GetValueOrDefault("status")))
        {
            await WriteAsync(response, 422, Recorded("error-422.json"));
            return;
        }
        // Mastodon keeps the idempotency key for an hour: the same key returns the status it already posted.
        var status = statusesByKey.GetOrAdd(key ?? Guid.NewGuid().ToString(), _ =>
        {
            var created = JsonNode.Parse(Recorded("status-created.json"))!.AsObject();
            var id = Interlocked.Increment(ref nextStatusId).ToString(CultureInfo.InvariantCulture);
            created["id"] = id;
            created["created_at"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            created["content"] = "<p>" + System.Net.WebUtility.HtmlEncode(form["status"]) + "</p>";
            created["visibility"] = form.GetValueOrDefault("visibility", "public");
            created["in_reply_to_id"] = form.GetValueOrDefault("in_reply_to_id");
            created["language"] = form.GetValueOrDefault("language");
            sourceTexts[id] = form["status"];
            lock (statuses)
            {
                statuses.Add(created);
            }
            return created;
        });
        await WriteAsync(response, 200, status.ToJsonString());
    }

    /// <summary>The account's own statuses, newest first, paged by max_id with a Link header like notifications.</summary>
    private async Task AccountStatusesAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], out var l) ? Math.Clamp(l, 1, 40) : 20;
        List<JsonObject> all;
        lock (statuses)
        {
            all = statuses.OrderByDescending(Id).ToList();
        }
        var page = (query["max_id"].FirstOrDefault() is { } max ? all.Where(s => Id(s) < long.Parse(max, CultureInfo.InvariantCulture)) : all).Take(limit).ToList();
        if (page.Count > 0)
        {
            var at = $"{BaseUrl}{context.Request.Path}?exclude_reblogs=true&limit={limit}";
            context.Response.Headers["Link"] = $"<{at}&max_id={Id(page[^1])}>; rel=\"next\", <{at}&min_id={Id(page[0])}>; rel=\"prev\"";
        }
        await WriteAsync(context.Response, 200, new JsonArray(page.Select(s => (JsonNode)s.DeepClone()).ToArray()).ToJsonString());
    }

    private async Task StreamAsync(HttpContext context)
    {
        Interlocked.Increment(ref streamsOpened);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        await response.WriteAsync(":)\n\n", context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted);
        try
        {
            await foreach (var item in streamEvents.Reader.ReadAllAsync(context.RequestAborted))
            {
                await response.WriteAsync(item, context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client closed the stream.
        }
    }

    private static long Id(JsonObject entity) => long.Parse((string)entity["id"]!, CultureInfo.InvariantCulture);

    private static async Task WriteAsync(HttpResponse response, int status, string body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }

    public async ValueTask DisposeAsync()
    {
        streamEvents.Writer.TryComplete();
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}

/// <summary>An answer <see cref="MastodonServer.Hold"/> keeps back: which client port asked, and the release.</summary>
public sealed class HeldAnswer(string method, string path, int skip)
{
    private readonly TaskCompletionSource<int> arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int seen;

    /// <summary>The client's port of the held request, once it has arrived and had its effect.</summary>
    public Task<int> Arrived => arrived.Task;

    internal Task Released => released.Task;

    public void Release() => released.TrySetResult();

    /// <summary>Whether this request is the one to hold (counting the ones it lets through first); each hold takes one.</summary>
    internal bool Matches(string requestMethod, string requestPath) =>
        !arrived.Task.IsCompleted && requestMethod == method && requestPath == path && Interlocked.Increment(ref seen) == skip + 1;

    internal void Arrive(int port) => arrived.TrySetResult(port);
}
