using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Links;

/// <summary>
/// Counts the unknown codes each client asks for. Past the limit, the client gets 429 for every code, known or not,
/// so guessing codes at random teaches nothing: a known code would otherwise answer differently from an unknown one.
/// </summary>
public sealed class UnknownCodeLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter;

    public UnknownCodeLimiter(IOptions<TrackedLinkOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var permits = Math.Max(1, options.Value.UnknownCodesPerMinute);
        limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>True while the client has used up its unknown codes for this minute.</summary>
    public bool Blocked(string client)
    {
        using var lease = limiter.AttemptAcquire(client, 0);
        return !lease.IsAcquired;
    }

    /// <summary>Counts one unknown code; false when it was one too many.</summary>
    public bool Count(string client)
    {
        using var lease = limiter.AttemptAcquire(client, 1);
        return lease.IsAcquired;
    }

    public void Dispose() => limiter.Dispose();
}

/// <summary>
/// The public redirect, <c>GET /l/{code}</c>: anonymous, answered from memory, the click queued for the writer. A
/// middleware placed right after the forwarded headers (so the client's address is the real one), ahead of sign-in,
/// localization and routing, none of which a redirect needs: that is most of what keeps it under a millisecond.
/// </summary>
public sealed class LinkRedirect(RequestDelegate next, LinkCache cache, ClickFilter filter, ClickQueue queue, UnknownCodeLimiter unknown,
    RapportDbContextFactory factory)
{
    public const string Prefix = "/l/";

    public Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var path = http.Request.Path.Value;
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal) || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)))
        {
            return next(http);
        }
        var code = path[Prefix.Length..].TrimEnd('/');
        return code.Contains('/', StringComparison.Ordinal) ? next(http) : RedirectAsync(http, code);
    }

    private async Task RedirectAsync(HttpContext http, string code)
    {
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "local";
        if (unknown.Blocked(client))
        {
            await TooManyAsync(http);
            return;
        }
        var link = LinkService.LooksLikeCode(code) ? await cache.FindAsync(code, http.RequestAborted) : null;
        if (link is null)
        {
            if (!unknown.Count(client))
            {
                await TooManyAsync(http);
                return;
            }
            await Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Link not found").ExecuteAsync(http);
            return;
        }
        var click = filter.Judge(link, http.Request.Method, client, http.Request.Headers.UserAgent.ToString());
        // Not the request's token: a reader who closes the tab after the redirect still clicked.
        if (!await queue.EnqueueAsync(click, CancellationToken.None))
        {
            // The writer has stopped (shutdown): this click is written now rather than lost.
            await ClickWriter.WriteAsync(factory, [click], CancellationToken.None);
        }
        // Every click must reach Rapport: no browser or proxy may answer it from a cache.
        http.Response.StatusCode = StatusCodes.Status302Found;
        http.Response.Headers.Location = link.Destination;
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static Task TooManyAsync(HttpContext http)
    {
        http.Response.Headers.RetryAfter = 60.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many unknown links",
            detail: "This client asked for too many links that do not exist; try again in a minute.").ExecuteAsync(http);
    }
}
