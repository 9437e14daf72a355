namespace Rapport.Api;

/// <summary>
/// Refuses an API request whose target (path and query) is longer than <see cref="MaxTarget"/> with 414 and problem
/// details. Kestrel answers its own limits before any middleware runs, with an empty body, so its request-line limit is
/// raised to <see cref="KestrelMaxRequestLine"/> and the documented limit is enforced here instead, where the answer can
/// say what happened. What Kestrel still refuses itself (a request line beyond that, "%00" in a path, oversized headers)
/// keeps its bare status: the framework offers no hook there (docs/api.md, "Limits").
/// </summary>
public sealed class RequestLineLimit(RequestDelegate next)
{
    /// <summary>The longest path and query the API reads, as Kestrel's default.</summary>
    public const int MaxTarget = 8 * 1024;

    /// <summary>Kestrel's own request-line limit, above ours so that ours answers first.</summary>
    public const int KestrelMaxRequestLine = 64 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.Request.PathBase.Value!.Length + context.Request.Path.Value!.Length + context.Request.QueryString.Value!.Length;
        if (target > MaxTarget)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status414UriTooLong, title: "Request address too long",
                detail: $"The path and query are {target} characters; the limit is {MaxTarget}. Send long values in a body.")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
