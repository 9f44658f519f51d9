namespace Chat.UnitTests.Adapters;

using System.Text;
using System.Text.Json.Nodes;
using Chat.Functions.Cosmos;

public sealed class Utf8CosmosSerializerTests
{
    private readonly Utf8CosmosSerializer serializer = new(CosmosDatabase.Json);

    private sealed record Item(string Id, string? Note, long Seq);

    [Fact]
    public void ToStream_WritesTheItemAsCosmosItemsAreWritten_AndFromStreamReadsItBack()
    {
        using var stream = serializer.ToStream(new Item("m:1", null, 42));

        var json = Encoding.UTF8.GetString(((MemoryStream)stream).ToArray());
        Assert.Equal("""{"id":"m:1","seq":42}""", json); // camelCase, nulls left out: CosmosDatabase.Json
        Assert.Equal(new Item("m:1", null, 42), serializer.FromStream<Item>(stream));
    }

    [Fact]
    public void FromStream_ReadsAWindowOfALargerBuffer_AsTheSdkHandsOutQueryResults_AndDisposesIt()
    {
        // One item of a query page: a MemoryStream over part of the page's array, bytes on both sides.
        var bytes = Encoding.UTF8.GetBytes("""[{"id":"a","seq":1},{"id":"b"}]""");
        var item = new MemoryStream(bytes, 1, 18, writable: false, publiclyVisible: true);

        Assert.Equal(new Item("a", null, 1), serializer.FromStream<Item>(item));
        Assert.False(item.CanRead); // disposed: the SDK's wrapper refuses a serializer that leaves it open
    }

    [Fact]
    public void FromStream_ReadsAStreamThatCannotSeek_AsBatchResultsCome_AndDisposesIt()
    {
        var network = new ForwardOnly(new MemoryStream(Encoding.UTF8.GetBytes("""{"id":"b","note":"é","seq":2}""")));

        Assert.Equal(new Item("b", "é", 2), serializer.FromStream<Item>(network));
        Assert.True(network.Disposed);
    }

    [Fact]
    public void FromStream_OfAMemoryStreamSubclass_ReadsOnlyItsLength()
    {
        var stream = new Shortened(Encoding.UTF8.GetBytes("""{"id":"c","seq":3}garbage"""), 18);

        Assert.Equal(new Item("c", null, 3), serializer.FromStream<Item>(stream));
    }

    [Fact]
    public void FromStream_EmptyIsDefault_AndAStreamIsHandedOverUnread()
    {
        var empty = new MemoryStream();
        Assert.Null(serializer.FromStream<JsonObject>(empty));
        Assert.False(empty.CanRead);

        var stream = new MemoryStream(Encoding.UTF8.GetBytes("{}"));
        Assert.Same(stream, serializer.FromStream<Stream>(stream));
        Assert.True(stream.CanRead); // not disposed: the caller owns it
    }

    /// <summary>A MemoryStream whose buffer holds more than its Length says.</summary>
    private sealed class Shortened(byte[] bytes, int length) : MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true)
    {
        public override long Length => length;

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, (int)Math.Min(count, Math.Max(0, length - Position)));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..(int)Math.Min(buffer.Length, Math.Max(0, length - Position))]);
    }

    /// <summary>A stream that can only be read forward, as a response body off the network.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public bool Disposed { get; private set; }

        public override bool CanRead => !Disposed;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
