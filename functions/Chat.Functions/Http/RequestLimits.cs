namespace Chat.Functions.Http;

using Chat.Core.Common;
using Chat.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

/// <summary>The sizes every request keeps to (API v1.1): its URL (414) and headers (431) before anything runs,
/// its JSON body (413) while it is read. In Azure the front end and the Functions host's own Kestrel (default
/// request-line and header limits, 100 MB bodies) may refuse a request first, with bodies of their own.</summary>
public static class RequestLimits
{
    private static readonly LimitsOptions Defaults = new();

    public static LimitsOptions For(HttpContext context) =>
        context.RequestServices?.GetService<IOptions<LimitsOptions>>()?.Value ?? Defaults;

    /// <summary>Throws 414 when the path and query, or 431 when the headers, are over their limits.</summary>
    public static void EnsureUrlAndHeadersFit(HttpRequest request)
    {
        var limits = For(request.HttpContext);
        if (UrlBytes(request) > limits.MaxUrlBytes)
        {
            throw ChatErrors.UriTooLong($"The path and query are longer than {limits.MaxUrlBytes} bytes.");
        }

        if (HeaderBytes(request.Headers) > limits.MaxRequestHeaderBytes)
        {
            throw ChatErrors.HeadersTooLarge($"The request headers are larger than {limits.MaxRequestHeaderBytes} bytes.");
        }
    }

    /// <summary>The body, read no further than <paramref name="limit"/> bytes: 413 at once when Content-Length says
    /// more, else 413 as soon as a chunked body goes past it.</summary>
    public static Stream LimitedBody(HttpRequest request, int limit) =>
        request.ContentLength > limit ? throw TooLarge(limit) : new LimitedReadStream(request.Body, limit);

    internal static ChatException TooLarge(int limit) =>
        ChatErrors.TooLarge($"A JSON request body is at most {limit} bytes.");

    // The request target as it came on the wire when the server keeps it (Kestrel does), else rebuilt.
    private static long UrlBytes(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw.Length
            : (request.PathBase + request.Path).ToUriComponent().Length + (request.QueryString.Value?.Length ?? 0);

    // As on the wire: "name: value\r\n" per value.
    private static long HeaderBytes(IHeaderDictionary headers) =>
        headers.Sum(h => h.Value.Sum(v => (long)h.Key.Length + 4 + (v?.Length ?? 0)));

    /// <summary>Reads at most one byte past the limit, then refuses with 413 (the rest of the body is never read).</summary>
    private sealed class LimitedReadStream(Stream inner, int limit) : Stream
    {
        private long read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => read;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var allowed = (int)Math.Min(buffer.Length, limit - read + 1);
            var count = await inner.ReadAsync(buffer[..allowed], cancellationToken);
            return Counted(count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            Counted(inner.Read(buffer, offset, (int)Math.Min(count, limit - read + 1)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int count)
        {
            read += count;
            return read > limit ? throw TooLarge(limit) : count;
        }
    }
}
