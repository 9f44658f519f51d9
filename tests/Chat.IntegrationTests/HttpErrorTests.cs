namespace Chat.IntegrationTests;

using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chat.Functions.Http;
using Chat.Functions.Triggers;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

/// <summary>API v1.1 "errors hardened": every error answer of the local host is problem+json with the five keys,
/// whatever refused the request (the body size, the router, the URL or header limits, the local-only routes).</summary>
[Collection(BackendCollection.Name)]
public sealed partial class HttpErrorTests(BackendFixture backend)
{
    private const int FortyMegabytes = 40 * 1024 * 1024;

    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(30);

    private TestHost Host => backend.Host;

    [Fact]
    public async Task JsonBody_OfFortyMegabytesByContentLength_Is413_AnsweredBeforeTheBodyIsSent()
    {
        await using var raw = await RawHttp.ConnectAsync(Host.BaseAddress);
        await raw.SendAsync(Head("POST", "/api/auth/register", $"Content-Type: application/json\r\nContent-Length: {FortyMegabytes}"));

        // No byte of the 40 MB is sent: a server that read the body before answering would never answer.
        // (Sending part of it races the server closing the connection once it has answered.)
        var response = await raw.ReadResponseAsync(AnswerWithin);

        AssertProblem(413, response.Status, response.Headers["Content-Type"], response.Body);
    }

    [Fact]
    public async Task JsonBody_ChunkedPastTheLimit_Is413_AnsweredBeforeTheBodyEnds()
    {
        await using var raw = await RawHttp.ConnectAsync(Host.BaseAddress);
        await raw.SendAsync(Head("POST", "/api/auth/register", "Content-Type: application/json\r\nTransfer-Encoding: chunked"));
        var prefix = JsonPrefix(64 * 1024);
        await raw.SendChunkAsync(prefix);
        for (var i = 1; i < 16; i++)
        {
            await raw.SendChunkAsync(Enumerable.Repeat((byte)'a', 64 * 1024).ToArray());
        }

        // 1 MB sent and the body never ends (no last chunk): the answer comes from the limit, not the end.
        var response = await raw.ReadResponseAsync(AnswerWithin);

        AssertProblem(413, response.Status, response.Headers["Content-Type"], response.Body);
    }

    [Theory]
    [InlineData("GET", "api/no/such/route")]
    [InlineData("POST", "api")]
    [InlineData("DELETE", "api/chats/c1/messages/abc")]
    [InlineData("GET", "api/chats/c1/messages/abc/receipts")]
    [InlineData("GET", "nothing-here")]
    public async Task UnknownRoute_OrRouteValueThatDoesNotParse_Is404Problem_WithoutAToken(string method, string path)
    {
        using var response = await Host.NewClient().Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await AssertProblemAsync(404, response);
    }

    [Theory]
    [InlineData("GET", "api/chats/c1/messages/5", "DELETE, PATCH")]
    [InlineData("POST", "api/chats/c1/messages/5/reactions/me", "DELETE, PUT")]
    [InlineData("GET", "api/chats/c1/messages/5/forward", "POST")]
    [InlineData("PUT", "api/chats", "GET")]
    [InlineData("GET", "api/groups/join", "PATCH, POST")]
    [InlineData("DELETE", "api/auth/login", "POST")]
    public async Task WrongMethod_OnAKnownRoute_Is405Problem_WithAllow(string method, string path, string allow)
    {
        using var response = await Host.NewClient().Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await AssertProblemAsync(405, response);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
    }

    [Theory]
    [InlineData("api/chats/", 9 * 1024)]
    [InlineData("api/chats/", 200 * 1024)]
    [InlineData("_local/sms?phoneNumber=", 9 * 1024)]
    [InlineData("", 9 * 1024)]
    public async Task OverLongUrl_Is414Problem(string path, int length)
    {
        using var response = await Host.NewClient().Http.GetAsync(path + new string('x', length));

        await AssertProblemAsync(414, response);
    }

    [Fact]
    public async Task OverLargeHeaders_Are431Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/health");
        request.Headers.Add("X-Padding", new string('x', 40 * 1024));

        using var response = await Host.NewClient().Http.SendAsync(request);

        await AssertProblemAsync(431, response);
    }

    [Fact]
    public async Task EveryCatalogRoute_StillResolves_NonPublicOnesAre401Problem_WithoutAToken()
    {
        var client = Host.NewClient();
        foreach (var function in HttpFunctionCatalog.All.Where(f => f.Name != UnmatchedRouteFunction.Name))
        {
            var path = "api/" + RouteParameter().Replace(function.Route, "1");
            foreach (var method in function.HttpMethods)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "GET" or "DELETE" ? null : new StringContent("{}", Encoding.UTF8, "application/json") };
                using var response = await client.Http.SendAsync(request);
                var status = (int)response.StatusCode;
                if (function.IsPublic)
                {
                    Assert.True(status is not (404 or 405), $"{method} {path} answered {status}");
                }
                else
                {
                    Assert.True(status == 401, $"{method} {path} answered {status}, not 401");
                    await AssertProblemAsync(401, response);
                }
            }
        }
    }

    [Fact]
    public async Task LocalHostRoutes_AnswerProblemJsonOnErrors()
    {
        var client = Host.NewClient();

        using var unsignedSms = await client.Http.PostAsync("sms", new StringContent("{}", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(401, unsignedSms);

        using var wrongMethod = await client.Http.PostAsync("_local/sms", null);
        await AssertProblemAsync(405, wrongMethod);
        Assert.Equal("GET", string.Join(", ", wrongMethod.Content.Headers.Allow));

        using var signalRWithoutToken = await client.Http.PostAsync("api/hubs/no-such-hub/users/u1/:send", new StringContent("{}", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(404, signalRWithoutToken);

        using var hubWithoutToken = await client.Http.PostAsync($"client/negotiate?hub={Uri.EscapeDataString("nope")}", null);
        await AssertProblemAsync(404, hubWithoutToken);

        using var notificationHubWithoutSas = await client.Http.GetAsync("_local/notification-hubs/chat-tests/installations/i1?api-version=2015-01");
        await AssertProblemAsync(401, notificationHubWithoutSas);
    }

    [Fact]
    public async Task LocalHostRoutes_AnswerOnlyThisMachine_OthersGet404Problem()
    {
        await using var host = await backend.StartHostAsync(
            new Dictionary<string, string?>(),
            configureServices: services => services.AddSingleton<IStartupFilter, SimulatedRemoteCaller>());
        var client = host.NewClient();

        var localOnly = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "_local/sms?phoneNumber=%2B15550000000"),
            (HttpMethod.Get, "_local/notifications?tag=u1"),
            (HttpMethod.Put, "_local/notification-hubs/chat-tests/installations/i1?api-version=2015-01"),
            (HttpMethod.Post, "sms"),
            (HttpMethod.Post, "api/hubs/chat/users/u1/:send"),
        };
        foreach (var (method, path) in localOnly)
        {
            using var remote = new HttpRequestMessage(method, path) { Headers = { { SimulatedRemoteCaller.Header, "203.0.113.7" } } };
            using var refused = await client.Http.SendAsync(remote);
            await AssertProblemAsync(404, refused);
        }

        using var fromHere = await client.Http.GetAsync("_local/sms?phoneNumber=%2B15550000000");
        Assert.Equal(HttpStatusCode.OK, fromHere.StatusCode);

        // The API itself answers anyone.
        using var health = new HttpRequestMessage(HttpMethod.Get, "api/health") { Headers = { { SimulatedRemoteCaller.Header, "203.0.113.7" } } };
        using var healthy = await client.Http.SendAsync(health);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task ErrorAnswers_CarryCorsHeaders_ForAllowedOrigins()
    {
        foreach (var path in new[] { "api/no/such/route", "api/chats/" + new string('x', 9 * 1024), "api/chats" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Origin", "http://localhost:5173" } } };
            using var response = await Host.NewClient().Http.SendAsync(request);

            Assert.True((int)response.StatusCode >= 400, path[..Math.Min(path.Length, 40)]);
            Assert.Equal("http://localhost:5173", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
    }

    [Fact]
    public async Task Preflight_ForAnUnknownRoute_AndAKnownOne_StillAnswersCors()
    {
        foreach (var path in new[] { "api/chats/c1/messages/5", "api/no/such/route" })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
            preflight.Headers.Add("Origin", "http://localhost:5173");
            preflight.Headers.Add("Access-Control-Request-Method", "DELETE");
            using var response = await Host.NewClient().Http.SendAsync(preflight);

            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal("http://localhost:5173", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
    }

    private static string Head(string method, string path, string headers) =>
        $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n\r\n";

    /// <summary>The start of a JSON object whose string value runs on for <paramref name="length"/> bytes.</summary>
    private static byte[] JsonPrefix(int length)
    {
        var start = "{\"displayName\":\""u8.ToArray();
        return [.. start, .. Enumerable.Repeat((byte)'a', length - start.Length)];
    }

    private static async Task AssertProblemAsync(int status, HttpResponseMessage response) =>
        AssertProblem(status, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());

    private static void AssertProblem(int status, int actualStatus, string? contentType, string body)
    {
        Assert.Equal(status, actualStatus);
        Assert.StartsWith("application/problem+json", contentType, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(body);
        var root = problem.RootElement;
        Assert.All(new[] { "type", "title", "detail", "traceId" }, key => Assert.False(string.IsNullOrEmpty(root.GetProperty(key).GetString()), key));
        Assert.Equal(status, root.GetProperty("status").GetInt32());
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    /// <summary>Makes a request look as if it came from another machine (the test cannot leave loopback).</summary>
    private sealed class SimulatedRemoteCaller : IStartupFilter
    {
        public const string Header = "X-Test-Remote-Address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
