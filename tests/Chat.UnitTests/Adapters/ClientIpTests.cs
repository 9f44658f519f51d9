namespace Chat.UnitTests.Adapters;

using System.Net;
using Chat.Functions.Http;
using Microsoft.AspNetCore.Http;

public sealed class ClientIpTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("10.0.0.1, 203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7:50123", "203.0.113.7")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("[2001:db8::1]:443", "2001:db8::1")]
    public void ClientIp_IsTheLastForwardedAddress(string header, string expected) =>
        Assert.Equal(expected, ChatWorkerMiddleware.ClientIp(Context(header)));

    [Theory]
    [InlineData("")]
    [InlineData("not-an-address")]
    [InlineData("203.0.113.7, <script>")]
    public void ClientIp_UnparsableForwardedValue_FallsBackToTheConnection(string header) =>
        Assert.Equal("192.0.2.1", ChatWorkerMiddleware.ClientIp(Context(header)));

    [Fact]
    public void ClientIp_AMegabyteOfForwardedFor_IsNotAKey() =>
        Assert.Equal("192.0.2.1", ChatWorkerMiddleware.ClientIp(Context(new string('9', 1_000_000))));

    private static DefaultHttpContext Context(string forwarded)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.1");
        if (forwarded.Length > 0)
        {
            context.Request.Headers["X-Forwarded-For"] = forwarded;
        }

        return context;
    }
}
