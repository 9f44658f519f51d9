namespace Chat.UnitTests.LocalHost;

using System.Buffers;
using System.Text;
using Chat.LocalHost.SignalR;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

/// <summary>Clients of the serverless hub only listen: any invocation from a client is a protocol error.</summary>
public sealed class ListenOnlyHubProtocolTests
{
    private const char RecordSeparator = '\u001e';

    private readonly NoParameterBinder binder = new();

    [Theory]
    [InlineData("""{"type":1,"target":"x","arguments":[]}""")]
    [InlineData("""{"type":1,"invocationId":"1","target":"x","arguments":[]}""")]
    [InlineData("""{"type":4,"invocationId":"2","target":"x","arguments":[]}""")]
    [InlineData("""{"type":2,"invocationId":"3","item":1}""")]
    public void Parse_ClientInvocation_ThrowsInvalidData(string json)
    {
        var protocol = Protocol();
        var input = Frame(json);

        Assert.Throws<InvalidDataException>(() => protocol.TryParseMessage(ref input, binder, out _));
    }

    [Fact]
    public void Parse_InvocationWithArgumentsThatDoNotBind_ThrowsInvalidData()
    {
        var protocol = Protocol();
        var input = Frame("""{"type":1,"target":"x","arguments":[1,2,3]}""");

        Assert.Throws<InvalidDataException>(() => protocol.TryParseMessage(ref input, binder, out _));
    }

    [Fact]
    public void Parse_TheSameInvocation_IsValidForThePlainJsonProtocol()
    {
        IHubProtocol inner = new JsonHubProtocol();
        var input = Frame("""{"type":1,"target":"x","arguments":[]}""");

        Assert.True(inner.TryParseMessage(ref input, binder, out var message));
        Assert.Equal("x", Assert.IsType<InvocationMessage>(message).Target); // the refusal is the wrapper's, not a malformed frame
    }

    [Fact]
    public void Parse_Ping_IsFine()
    {
        var protocol = Protocol();
        var input = Frame("""{"type":6}""");

        Assert.True(protocol.TryParseMessage(ref input, binder, out var message));
        Assert.IsType<PingMessage>(message);
        Assert.Equal(0, input.Length);
    }

    [Fact]
    public void Parse_Close_IsFine()
    {
        var protocol = Protocol();
        var input = Frame("""{"type":7}""");

        Assert.True(protocol.TryParseMessage(ref input, binder, out var message));
        Assert.IsType<CloseMessage>(message);
    }

    [Fact]
    public void Parse_IncompleteFrame_WaitsForMore()
    {
        var protocol = Protocol();
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("""{"type":1,"target":"x","argu"""));

        Assert.False(protocol.TryParseMessage(ref input, binder, out var message));
        Assert.Null(message);
    }

    [Fact]
    public void Write_ServerInvocation_IsTheJsonProtocolsFrame()
    {
        var protocol = Protocol();
        var message = new InvocationMessage("message", [new { text = "hi" }]);

        var bytes = Encoding.UTF8.GetString(protocol.GetMessageBytes(message).Span);

        Assert.Equal(Encoding.UTF8.GetString(new JsonHubProtocol().GetMessageBytes(message).Span), bytes);
        Assert.EndsWith(RecordSeparator.ToString(), bytes, StringComparison.Ordinal);
        Assert.Contains("\"target\":\"message\"", bytes, StringComparison.Ordinal);
    }

    [Fact]
    public void NameAndFormat_AreTheJsonProtocols()
    {
        var protocol = Protocol();
        var inner = new JsonHubProtocol();

        Assert.Equal(("json", inner.Version, inner.TransferFormat), (protocol.Name, protocol.Version, protocol.TransferFormat));
    }

    private static ListenOnlyHubProtocol Protocol() => new(new JsonHubProtocol());

    private static ReadOnlySequence<byte> Frame(string json) => new(Encoding.UTF8.GetBytes(json + RecordSeparator));

    /// <summary>Every hub method takes no parameters. Hand-written rather than a Moq mock: the interface's
    /// default <c>GetTarget(ReadOnlySpan&lt;byte&gt;)</c> cannot be proxied (a ref struct parameter), and
    /// the JSON protocol calls it for every invocation.</summary>
    private sealed class NoParameterBinder : IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => Type.EmptyTypes;

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
