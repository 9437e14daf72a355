using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rapport.Tests.Bluesky;

/// <summary>A request the server saw: the XRPC method, its query, bearer token and body.</summary>
internal sealed record XrpcRequest(string Nsid, string Query, string? Token, string Body);

/// <summary>
/// An AT Protocol server on 127.0.0.1 that replays the answers recorded from the documentation (Recorded/): one
/// account with an app password, sessions whose tokens can be made to expire, notification pages joined by a
/// cursor, and a repository that keeps posts by record key, as a PDS does.
/// </summary>
internal sealed class BlueskyServer : IAsyncDisposable
{
    public const string Handle = "brand.bsky.social";
    public const string Did = "did:plc:brand7x4k2q3example";
    public const string AppPassword = "abcd-efgh-ijkl-mnop";

    private readonly ConcurrentDictionary<string, bool> validAccess = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> validRefresh = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> posts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> handles = new(StringComparer.OrdinalIgnoreCase) { ["support.example.com"] = "did:plc:support4t2example" };
    private readonly ConcurrentQueue<Func<HttpContext, string, Task<bool>>> script = new();
    private WebApplication? app;

    public ConcurrentQueue<XrpcRequest> Requests { get; } = new();

    /// <summary>The notification pages: null is the first page, then each page's cursor leads to the next.</summary>
    public ConcurrentDictionary<string, string> Pages { get; } = new(StringComparer.Ordinal);

    /// <summary>The pages of <c>app.bsky.feed.searchPosts</c> by cursor ("" for the first).</summary>
    public ConcurrentDictionary<string, string> SearchPages { get; } = new(StringComparer.Ordinal);

    public string Url { get; private set; } = "";

    public IReadOnlyDictionary<string, JsonObject> Posts => posts;

    /// <summary>What <c>app.bsky.feed.getPosts</c> counts for a post, by record key: likes, reposts, replies, quotes.</summary>
    public ConcurrentDictionary<string, (int Likes, int Reposts, int Replies, int Quotes)> Counts { get; } = new(StringComparer.Ordinal);

    /// <summary>The account's followers, as <c>app.bsky.actor.getProfile</c> says.</summary>
    public int Followers { get; set; } = 1250;

    /// <summary>A post deleted from the repository: getPosts leaves it out.</summary>
    public void Delete(string rkey) => posts.TryRemove(rkey, out _);

    public static string Recorded(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Channels", "Bluesky", "Recorded", file));

    public static async Task<BlueskyServer> StartAsync()
    {
        var server = new BlueskyServer();
        server.Pages[""] = Recorded("listNotifications-page1.json");
        server.Pages["2026-11-23T09:40:00.000Z"] = Recorded("listNotifications-page2.json");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        server.app = builder.Build();
        server.app.Run(server.HandleAsync);
        await server.app.StartAsync();
        server.Url = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public int Count(string nsid) => Requests.Count(r => r.Nsid == nsid);

    /// <summary>Every access token handed out so far stops working, as after their few minutes of life.</summary>
    public void ExpireAccessTokens() => validAccess.Clear();

    /// <summary>The refresh tokens stop working too (revoked, or expired after months).</summary>
    public void RevokeRefreshTokens() => validRefresh.Clear();

    /// <summary>
    /// The next call to <paramref name="nsid"/> gets this answer instead of its usual one (status 0: no answer at all);
    /// <paramref name="store"/> still keeps a created post (its answer lost on the way).
    /// </summary>
    public void Once(string nsid, int status, string body, IDictionary<string, string>? headers = null, bool store = false) =>
        script.Enqueue(async (context, called) =>
        {
            if (called != nsid)
            {
                return false;
            }
            if (store)
            {
                await StoreAsync(context);
            }
            if (status == 0)
            {
                // Never answers: waits until the client gives up and closes the connection.
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return true;
            }
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }
            await WriteAsync(context, status, body);
            return true;
        });

    private async Task HandleAsync(HttpContext context)
    {
        var nsid = context.Request.Path.Value!["/xrpc/".Length..];
        var token = context.Request.Headers.Authorization.ToString() is { Length: > 7 } auth ? auth["Bearer ".Length..] : null;
        context.Request.EnableBuffering();
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        context.Request.Body.Position = 0;
        // Recorded before answering, so the test sees the request as soon as the client has the answer.
        Requests.Enqueue(new XrpcRequest(nsid, context.Request.QueryString.Value ?? "", token, body));
        context.Response.Headers["RateLimit-Limit"] = "3000";
        context.Response.Headers["RateLimit-Remaining"] = "2999";
        context.Response.Headers["RateLimit-Reset"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (script.TryPeek(out var next) && await next(context, nsid))
        {
            script.TryDequeue(out _);
        }
        else
        {
            await AnswerAsync(context, nsid, token, body);
        }
    }

    private async Task AnswerAsync(HttpContext context, string nsid, string? token, string body)
    {
        switch (nsid)
        {
            case "com.atproto.server.createSession":
                using (var input = JsonDocument.Parse(body))
                {
                    var identifier = input.RootElement.GetProperty("identifier").GetString();
                    if (identifier is not (Handle or Did) || input.RootElement.GetProperty("password").GetString() != AppPassword)
                    {
                        await WriteAsync(context, 401, Recorded("error-AuthenticationRequired.json"));
                        return;
                    }
                }
                await WriteSessionAsync(context, Recorded("createSession.json"));
                return;
            case "com.atproto.server.refreshSession":
                if (token is null || !validRefresh.ContainsKey(token))
                {
                    await WriteAsync(context, 400, Recorded("error-ExpiredToken.json"));
                    return;
                }
                validRefresh.TryRemove(token, out _);
                await WriteSessionAsync(context, Recorded("refreshSession.json"));
                return;
        }
        if (token is null || !validAccess.ContainsKey(token))
        {
            await WriteAsync(context, 400, Recorded("error-ExpiredToken.json"));
            return;
        }
        var query = context.Request.Query;
        switch (nsid)
        {
            case "app.bsky.feed.searchPosts":
                // The pages a test set, by cursor ("" for the first), for every search alike.
                await WriteAsync(context, 200, SearchPages.TryGetValue(query["cursor"].ToString(), out var found) ? found : """{"posts":[]}""");
                return;
            case "app.bsky.notification.listNotifications":
                await WriteAsync(context, 200, Pages.TryGetValue(query["cursor"].ToString(), out var page) ? page : """{"notifications":[]}""");
                return;
            case "com.atproto.repo.createRecord":
                if (!await StoreAsync(context))
                {
                    await WriteAsync(context, 400, """{"error":"InvalidRequest","message":"Record already exists"}""");
                    return;
                }
                await WriteAsync(context, 200, WithKey(Recorded("createRecord.json"), JsonNode.Parse(body)!["rkey"]!.GetValue<string>()));
                return;
            case "com.atproto.repo.getRecord":
                var rkey = query["rkey"].ToString();
                await (posts.ContainsKey(rkey)
                    ? WriteAsync(context, 200, WithKey(Recorded("getRecord.json"), rkey))
                    : WriteAsync(context, 400, Recorded("error-RecordNotFound.json")));
                return;
            case "app.bsky.feed.getPosts":
                // One view per requested post that exists, shaped as the recorded one; deleted posts are left out.
                var template = JsonNode.Parse(Recorded("getPosts.json"))!["posts"]![0]!;
                var views = new JsonArray();
                foreach (var uri in query["uris"].Select(u => u ?? ""))
                {
                    var key = uri[(uri.LastIndexOf('/') + 1)..];
                    if (!uri.StartsWith($"at://{Did}/app.bsky.feed.post/", StringComparison.Ordinal) || !posts.TryGetValue(key, out var record))
                    {
                        continue;
                    }
                    var view = template.DeepClone().AsObject();
                    var counts = Counts.GetValueOrDefault(key);
                    (view["uri"], view["record"]) = (uri, record.DeepClone());
                    (view["likeCount"], view["repostCount"], view["replyCount"], view["quoteCount"]) = (counts.Likes, counts.Reposts, counts.Replies, counts.Quotes);
                    views.Add(view);
                }
                await WriteAsync(context, 200, new JsonObject { ["posts"] = views }.ToJsonString());
                return;
            case "app.bsky.actor.getProfile":
                var profile = JsonNode.Parse(Recorded("getProfile.json"))!.AsObject();
                profile["followersCount"] = Followers;
                await WriteAsync(context, 200, profile.ToJsonString());
                return;
            case "com.atproto.identity.resolveHandle":
                await (handles.TryGetValue(query["handle"].ToString(), out var did)
                    ? WriteAsync(context, 200, Recorded("resolveHandle.json").Replace("did:plc:support4t2example", did, StringComparison.Ordinal))
                    : WriteAsync(context, 400, """{"error":"InvalidRequest","message":"Unable to resolve handle"}"""));
                return;
            default:
                await WriteAsync(context, 501, """{"error":"MethodNotImplemented","message":"Method Not Implemented"}""");
                return;
        }
    }

    /// <summary>Keeps the post under its record key; false when the key is taken.</summary>
    private async Task<bool> StoreAsync(HttpContext context)
    {
        context.Request.Body.Position = 0;
        var input = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        return posts.TryAdd(input["rkey"]!.GetValue<string>(), input["record"]!.AsObject());
    }

    private static string WithKey(string recorded, string rkey) =>
        recorded.Replace("at://did:plc:u5cwb2mwiv2bfq53cjufe6yn/app.bsky.feed.post/3k4duaz5vfs2b", $"at://{Did}/app.bsky.feed.post/{rkey}", StringComparison.Ordinal);

    private async Task WriteSessionAsync(HttpContext context, string recorded)
    {
        var session = JsonNode.Parse(recorded)!;
        validAccess[session["accessJwt"]!.GetValue<string>()] = true;
        validRefresh[session["refreshJwt"]!.GetValue<string>()] = true;
        await WriteAsync(context, 200, recorded);
    }

    private static async Task WriteAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
