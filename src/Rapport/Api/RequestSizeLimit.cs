using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Api;

/// <summary>
/// Refuses API bodies larger than <see cref="RapportOptions.MaxRequestBytes"/> with 413 and problem details,
/// before anything is read or written. Kestrel enforces the same limit on bodies without a length.
/// </summary>
public sealed class RequestSizeLimit(RequestDelegate next, IOptions<RapportOptions> options)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limit = options.Value.MaxRequestBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "Request body too large",
                    Detail = $"The body is {context.Request.ContentLength} bytes; the limit is {limit} bytes.",
                },
            });
            return;
        }
        await next(context);
    }
}
