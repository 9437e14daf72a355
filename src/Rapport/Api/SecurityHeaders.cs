namespace Rapport.Api;

/// <summary>
/// The headers that tell a browser what Rapport's responses may do, on every response (pages, API, files, errors).
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    /// <summary>
    /// Scripts only from Rapport's own files: blazor.web.js, MudBlazor.min.js and the js/ modules; Blazor Server needs
    /// neither inline scripts nor eval. Styles from Rapport's files plus inline styles, because MudBlazor writes
    /// <c>style</c> attributes on its components and its theme provider renders a <c>&lt;style&gt;</c> element with the
    /// theme's CSS variables, and Blazor's reconnection dialog adds its own styles. Images also as data: URIs
    /// (MudBlazor's CSS uses some) and from https sites (pictures in help-centre articles). connect-src 'self' lets the
    /// Blazor circuit's WebSocket reach this origin. No plug-ins, no framing by other sites, forms post only here.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    /// <summary>One year: browsers remember to use HTTPS only once they have reached Rapport over HTTPS.</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        // Set when the response starts, so they also reach error pages and replace the frame-ancestors-only policy
        // that Blazor's interactive server rendering writes.
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "SAMEORIGIN";
            // Invitation and survey links carry their secret in the path: never send it to another site as a referrer.
            headers["Referrer-Policy"] = "same-origin";
            // Rapport uses none of these; a script that got in could not either. (Copy buttons write to the clipboard,
            // which is left alone.)
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";
            // Behind a trusted TLS-terminating proxy, IsHttps follows X-Forwarded-Proto (forwarded headers run first).
            if (http.Request.IsHttps)
            {
                headers.StrictTransportSecurity = StrictTransportSecurity;
            }
            // API answers hold workspace data: no browser or proxy keeps a copy, unless an endpoint said otherwise.
            if (http.Request.Path.StartsWithSegments("/api") && string.IsNullOrEmpty(headers.CacheControl))
            {
                headers.CacheControl = "no-store";
            }
            return Task.CompletedTask;
        });
        return next(http);
    }
}
