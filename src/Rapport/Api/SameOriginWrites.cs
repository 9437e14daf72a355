using Microsoft.AspNetCore.Authorization;
using Rapport.Accounts;

namespace Rapport.Api;

/// <summary>
/// Refuses cookie-authenticated API writes that a browser says come from another site (CSRF). A browser names the
/// page a request comes from in <c>Sec-Fetch-Site</c> and <c>Origin</c> on every POST, PUT, PATCH and DELETE; a
/// write carrying the session cookie is accepted only when one of them says this origin. API tokens are not sent by
/// browsers on their own, so requests with a token are not checked, nor are anonymous endpoints (the website chat
/// and webhooks are called from other sites on purpose).
/// </summary>
public sealed class SameOriginWrites(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Request.Path.StartsWithSegments("/api")
            && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method)
            && http.User.Identity is { IsAuthenticated: true } identity && identity.AuthenticationType != ApiTokenAuthenticationHandler.SchemeName
            && http.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is null
            && !IsSameOrigin(http.Request))
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request refused",
                detail: "A write signed in with the session cookie must come from Rapport's own pages. Scripts and integrations use an API token.")
                .ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    public static bool IsSameOrigin(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Sec-Fetch-Site is set by the browser and cannot be forged by a page; "none" is the person's own action
        // (typed address, bookmark). Browsers without it still send Origin on writes.
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }
        var origin = request.Headers.Origin.ToString();
        // Behind a trusted proxy, scheme and host are the public ones (forwarded headers run first).
        return origin.Length > 0 && string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }
}
