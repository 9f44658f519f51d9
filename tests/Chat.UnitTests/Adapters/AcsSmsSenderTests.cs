namespace Chat.UnitTests.Adapters;

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Chat.Core.Errors;
using Chat.Functions.Sms;
using Chat.UnitTests.TestData;
using Microsoft.Extensions.Options;
using Moq;

public sealed class AcsSmsSenderTests
{
    private const string Success = """{"value":[{"to":"+14155550100","messageId":"m1","httpStatusCode":202,"successful":true}]}""";
    private static readonly byte[] AccessKey = Encoding.ASCII.GetBytes("an-access-key-of-thirty-two-byte");

    [Fact]
    public async Task Send_PostsToTheSmsRouteOfTheEndpoint()
    {
        var handler = new RecordingHandler(HttpStatusCode.Accepted, Success);

        await Sender(handler).SendAsync("+14155550100", "Your code is 123456", CancellationToken.None);

        var (request, _) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://acs.example.test/sms?api-version=2021-03-07"), request.RequestUri);
    }

    [Fact]
    public async Task Send_BodyNamesSenderRecipientAndMessage()
    {
        var handler = new RecordingHandler(HttpStatusCode.Accepted, Success);

        await Sender(handler).SendAsync("+14155550100", "Your code is 123456", CancellationToken.None);

        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("+18005550199", json.RootElement.GetProperty("from").GetString());
        Assert.Equal("+14155550100", json.RootElement.GetProperty("smsRecipients")[0].GetProperty("to").GetString());
        Assert.Equal("Your code is 123456", json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Send_WithAnAccessKey_SignsTheRequest()
    {
        var handler = new RecordingHandler(HttpStatusCode.Accepted, Success);

        await Sender(handler).SendAsync("+14155550100", "hello", CancellationToken.None);

        var (request, body) = Assert.Single(handler.Requests);
        var date = Assert.Single(request.Headers.GetValues("x-ms-date"));
        var hash = Assert.Single(request.Headers.GetValues("x-ms-content-sha256"));
        Assert.Equal("Sat, 28 Nov 2026 10:00:00 GMT", date);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(body)), hash);
        var toSign = $"POST\n/sms?api-version=2021-03-07\n{date};acs.example.test;{hash}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(AccessKey, Encoding.UTF8.GetBytes(toSign)));
        Assert.Equal(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + signature,
            Assert.Single(request.Headers.GetValues("Authorization")));
    }

    [Fact]
    public async Task Send_WithAManagedIdentity_SendsABearerToken()
    {
        var handler = new RecordingHandler(HttpStatusCode.Accepted, Success);
        var credential = new Mock<TokenCredential>();
        credential.Setup(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AccessToken("mi-token", TestClock.Start.AddHours(1)));
        var options = new SmsOptions { Endpoint = new Uri("https://acs.example.test/"), From = "+18005550199" };

        await new AcsSmsSender(new HttpClient(handler), Options.Create(options), TestClock.New(), credential.Object)
            .SendAsync("+14155550100", "hello", CancellationToken.None);

        var (request, _) = Assert.Single(handler.Requests);
        Assert.Equal("Bearer", request.Headers.Authorization!.Scheme);
        Assert.Equal("mi-token", request.Headers.Authorization.Parameter);
        Assert.False(request.Headers.Contains("x-ms-content-sha256"));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "{}")]
    [InlineData(HttpStatusCode.Unauthorized, "{}")]
    [InlineData(HttpStatusCode.Accepted, """{"value":[{"to":"+14155550100","httpStatusCode":400,"successful":false}]}""")]
    [InlineData(HttpStatusCode.Accepted, """{"value":[]}""")]
    public async Task Send_ServiceFails_Is503(HttpStatusCode status, string body)
    {
        var handler = new RecordingHandler(status, body);

        var error = await Assert.ThrowsAsync<ChatException>(() => Sender(handler).SendAsync("+14155550100", "hello", CancellationToken.None));

        Assert.Equal(503, error.Status);
        Assert.NotNull(error.RetryAfter);
    }

    private static AcsSmsSender Sender(RecordingHandler handler)
    {
        var options = new SmsOptions
        {
            ConnectionString = "endpoint=https://acs.example.test/;accesskey=" + Convert.ToBase64String(AccessKey),
            From = "+18005550199",
        };
        return new AcsSmsSender(new HttpClient(handler), Options.Create(options), TestClock.New());
    }
}
