namespace Chat.UnitTests.Adapters;

using System.Text;
using Chat.Core.Errors;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;

public sealed class RequestLimitsTests
{
    private const int Limit = 256 * 1024;

    [Fact]
    public async Task ReadBody_ContentLengthOverTheLimit_Is413_WithoutReadingAByte()
    {
        var body = new CountingStream(40 * 1024 * 1024);
        var context = Request(body, contentLength: body.Length);

        var error = await Assert.ThrowsAsync<ChatException>(() => context.Request.ReadBodyAsync<Dictionary<string, string>>());

        Assert.Equal(413, error.Status);
        Assert.Equal(0, body.BytesRead);
    }

    [Fact]
    public async Task ReadBody_ChunkedBodyOverTheLimit_Is413_AfterReadingNoMoreThanTheLimitAndOneByte()
    {
        var body = new CountingStream(40 * 1024 * 1024);
        var context = Request(body, contentLength: null);

        var error = await Assert.ThrowsAsync<ChatException>(() => context.Request.ReadBodyAsync<Dictionary<string, string>>());

        Assert.Equal(413, error.Status);
        Assert.Equal(Limit + 1, body.BytesRead);
    }

    [Fact]
    public async Task ReadBody_JustUnderTheLimit_IsRead()
    {
        var json = "{\"text\":\"" + new string('a', Limit - 20) + "\"}";
        var context = Request(new MemoryStream(Encoding.UTF8.GetBytes(json)), contentLength: null);

        var body = await context.Request.ReadBodyAsync<Dictionary<string, string>>();

        Assert.Equal(Limit - 20, body["text"].Length);
    }

    [Fact]
    public void UrlOverTheLimit_Is414()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/api/chats/" + new string('x', 9 * 1024);

        var error = Assert.Throws<ChatException>(() => RequestLimits.EnsureUrlAndHeadersFit(context.Request));

        Assert.Equal(414, error.Status);
    }

    [Fact]
    public void HeadersOverTheLimit_Are431_UnderIt_Pass()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/api/chats";
        context.Request.Headers["X-Small"] = new string('x', 1024);
        RequestLimits.EnsureUrlAndHeadersFit(context.Request);

        context.Request.Headers["X-Big"] = new string('x', 33 * 1024);
        var error = Assert.Throws<ChatException>(() => RequestLimits.EnsureUrlAndHeadersFit(context.Request));

        Assert.Equal(431, error.Status);
    }

    private static DefaultHttpContext Request(Stream body, long? contentLength)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = body;
        context.Request.ContentLength = contentLength;
        return context;
    }

    /// <summary>An endless-looking JSON string body that counts what was read from it.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => BytesRead;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - BytesRead);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = BytesRead + i == 0 ? (byte)'"' : (byte)'a';
            }

            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
