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

/// <summary>The public redirect, <c>GET /l/{code}</c>: anonymous, answered from memory, the click queued for the writer.</summary>
public static class LinkRedirect
{
    public static void MapLinkRedirect(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMethods("/l/{code}", [HttpMethods.Get, HttpMethods.Head], RedirectAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
    }

    private static async Task<IResult> RedirectAsync(string code, HttpContext http, LinkCache cache, ClickFilter filter, ClickQueue queue,
        UnknownCodeLimiter unknown, RapportDbContextFactory factory)
    {
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "local";
        if (unknown.Blocked(client))
        {
            return TooMany(http);
        }
        var link = LinkService.LooksLikeCode(code) ? await cache.FindAsync(code, http.RequestAborted) : null;
        if (link is null)
        {
            return unknown.Count(client)
                ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Link not found")
                : TooMany(http);
        }
        var click = filter.Judge(link, http.Request.Method, client, http.Request.Headers.UserAgent.ToString());
        // Not the request's token: a reader who closes the tab after the redirect still clicked.
        if (!await queue.EnqueueAsync(click, CancellationToken.None))
        {
            // The writer has stopped (shutdown): this click is written now rather than lost.
            await ClickWriter.WriteAsync(factory, [click], CancellationToken.None);
        }
        // Every click must reach Rapport: no browser or proxy may answer it from a cache.
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Redirect(link.Destination);
    }

    private static IResult TooMany(HttpContext http)
    {
        http.Response.Headers.RetryAfter = 60.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many unknown links",
            detail: "This client asked for too many links that do not exist; try again in a minute.");
    }
}
