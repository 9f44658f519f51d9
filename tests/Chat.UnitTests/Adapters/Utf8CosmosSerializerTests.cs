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
    public void FromStream_ReadsFromTheStreamsPosition_AndFromAStreamThatCannotSeek()
    {
        var bytes = Encoding.UTF8.GetBytes("""xx{"id":"a","seq":1}""");
        var memory = new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true) { Position = 2 };
        Assert.Equal(new Item("a", null, 1), serializer.FromStream<Item>(memory));

        var network = new BufferedStream(new MemoryStream(Encoding.UTF8.GetBytes("""{"id":"b","note":"é","seq":2}""")));
        Assert.Equal(new Item("b", "é", 2), serializer.FromStream<Item>(new ForwardOnly(network)));
    }

    [Fact]
    public void FromStream_EmptyIsDefault_AndAStreamIsHandedOverUnread()
    {
        Assert.Null(serializer.FromStream<JsonObject>(new MemoryStream()));

        var stream = new MemoryStream(Encoding.UTF8.GetBytes("{}"));
        Assert.Same(stream, serializer.FromStream<Stream>(stream));
        Assert.True(stream.CanRead); // not disposed: the caller owns it
    }

    /// <summary>A stream that can only be read forward, as a response body off the network.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => true;

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
    }
}
