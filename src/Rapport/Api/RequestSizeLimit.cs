using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Rapport.Data;

namespace Rapport.Api;

/// <summary>Marks an endpoint whose body is an uploaded file, limited by <see cref="RapportOptions.MaxImportBytes"/>.</summary>
public sealed class FileUpload;

/// <summary>
/// Refuses API bodies larger than <see cref="RapportOptions.MaxRequestBytes"/> with 413 and problem details,
/// before anything is read or written. Kestrel enforces the same limit on bodies without a length.
/// </summary>
public sealed class RequestSizeLimit(RequestDelegate next, IOptions<RapportOptions> options)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        ArgumentNullException.ThrowIfNull(context);
        // An import upload is a whole file, streamed to disk: it has its own, larger limit.
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<FileUpload>() is null ? options.Value.MaxRequestBytes : options.Value.MaxImportBytes;
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
        if (context.Request.ContentLength is null && context.Request.Body.CanRead)
        {
            // A body without a length (chunked) is counted as it is read.
            context.Request.Body = new LimitedStream(context.Request.Body, limit);
        }
        await next(context);
    }

    /// <summary>Throws 413 as soon as more than the limit has been read.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            read += n;
            return read > limit
                ? throw new BadHttpRequestException($"The body is larger than the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge)
                : n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
