namespace Chat.UnitTests.Push;

using System.Globalization;
using System.Net;
using System.Text.Json;
using Chat.Core.Push;
using Chat.Functions.Push;
using Chat.UnitTests.TestData;

/// <summary>The request shapes of the Notification Hubs REST API (installations, template sends) and how
/// its answers become <see cref="PushDeliveryException"/>s, on a recording handler.</summary>
public sealed class NotificationHubRestClientTests
{
    private const string Installations = NotificationHubHarness.HubUrl + "/installations/";
    private const string ApiVersion = "?api-version=2020-06";

    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly PushDevice Phone = new("user1-phone", "user1", PushPlatforms.Fcm, "fcm-token", null);
    private static readonly PushNotification Notification = new("Alice", "Alice: \"hi\" 👋", "g_chat1", 42);

    public static TheoryData<string> Operations => ["upsert", "delete", "send"];

    [Fact]
    public async Task UpsertDevice_PutsTheInstallation_ToTheHttpsHubUrl()
    {
        var h = new NotificationHubHarness();

        await h.Client.UpsertDeviceAsync(Phone, None);

        var (request, body) = h.Single();
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal(Installations + "user1-phone" + ApiVersion, request.RequestUri!.AbsoluteUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal(PushTemplates.Installation(Phone), body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("user1-phone", json.RootElement.GetProperty("installationId").GetString());
        Assert.Equal("fcmv1", json.RootElement.GetProperty("platform").GetString());
    }

    [Fact]
    public async Task DeleteDevice_DeletesTheInstallation_WithoutABody()
    {
        var h = new NotificationHubHarness(HttpStatusCode.NoContent);

        await h.Client.DeleteDeviceAsync("user1-phone", None);

        var (request, body) = h.Single();
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal(Installations + "user1-phone" + ApiVersion, request.RequestUri!.AbsoluteUri);
        Assert.Null(request.Content);
        Assert.Empty(body);
    }

    [Fact]
    public async Task Send_PostsATemplateSend_ToTheUsersTags_WithThePropertiesAsBody()
    {
        var h = new NotificationHubHarness(HttpStatusCode.Created);

        await h.Client.SendAsync(Notification, ["user1", "user2", "user3"], None);

        var (request, body) = h.Single();
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(NotificationHubHarness.HubUrl + "/messages/" + ApiVersion, request.RequestUri!.AbsoluteUri);
        Assert.Equal("template", NotificationHubHarness.Header(request, "ServiceBusNotification-Format"));
        Assert.Equal("user1 || user2 || user3", NotificationHubHarness.Header(request, "ServiceBusNotification-Tags"));
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        var sent = JsonSerializer.Deserialize<Dictionary<string, string>>(body)!;
        Assert.Equal(PushTemplates.Properties(Notification).OrderBy(p => p.Key, StringComparer.Ordinal), sent.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Send_MoreThanTwentyUsers_IsRefusedBeforeAnyRequest()
    {
        var h = new NotificationHubHarness();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.SendAsync(Notification, Enumerable.Range(1, 21).Select(i => "u" + i).ToArray(), None));

        Assert.Empty(h.Handler.Requests);
    }

    [Fact]
    public async Task EveryRequest_IsSignedWithASasTokenForTheHub_ThatVerifiesForItsUrl()
    {
        var h = new NotificationHubHarness();

        await h.Client.UpsertDeviceAsync(Phone, None);
        await h.Client.DeleteDeviceAsync("user1-phone", None);
        await h.Client.SendAsync(Notification, ["user1"], None);

        Assert.Equal(3, h.Handler.Requests.Count);
        var now = h.Time.GetUtcNow();
        Assert.All(h.Handler.Requests, r =>
        {
            var token = NotificationHubHarness.Authorization(r.Request);
            Assert.True(NotificationHubSas.Verify(token, r.Request.RequestUri!, NotificationHubHarness.KeyName, NotificationHubHarness.Key, now));
            Assert.False(NotificationHubSas.Verify(token, r.Request.RequestUri!, NotificationHubHarness.KeyName, "another-key", now));
            var fields = Fields(token);
            Assert.Equal(NotificationHubHarness.HubUrl, Uri.UnescapeDataString(fields["sr"]));
            Assert.Equal(NotificationHubHarness.KeyName, fields["skn"]);
            Assert.Equal((now + h.Options.TokenLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), fields["se"]);
        });
    }

    [Fact]
    public async Task Token_ExpiresAfterTheConfiguredLifetime()
    {
        var h = new NotificationHubHarness();
        h.Options.TokenLifetime = TimeSpan.FromMinutes(3);

        await h.Client.DeleteDeviceAsync("user1-phone", None);

        var (request, _) = h.Single();
        var token = NotificationHubHarness.Authorization(request);
        var issued = h.Time.GetUtcNow();
        Assert.True(NotificationHubSas.Verify(token, request.RequestUri!, NotificationHubHarness.KeyName, NotificationHubHarness.Key, issued.AddMinutes(3).AddSeconds(-1)));
        Assert.False(NotificationHubSas.Verify(token, request.RequestUri!, NotificationHubHarness.KeyName, NotificationHubHarness.Key, issued.AddMinutes(3)));
    }

    [Fact]
    public async Task LocalEndpoint_KeepsItsSchemePortAndPath_AndTheTokenVerifiesThere()
    {
        var h = new NotificationHubHarness(endpoint: NotificationHubHarness.LocalEndpoint);

        await h.Client.UpsertDeviceAsync(Phone, None);
        await h.Client.SendAsync(Notification, ["user1"], None);

        Assert.Equal(
            [
                "http://127.0.0.1:1234/_local/notification-hubs/chathub/installations/user1-phone" + ApiVersion,
                "http://127.0.0.1:1234/_local/notification-hubs/chathub/messages/" + ApiVersion,
            ],
            h.Handler.Requests.Select(r => r.Request.RequestUri!.AbsoluteUri));
        Assert.All(h.Handler.Requests, r => Assert.True(NotificationHubSas.Verify(
            NotificationHubHarness.Authorization(r.Request), r.Request.RequestUri!, NotificationHubHarness.KeyName, NotificationHubHarness.Key, h.Time.GetUtcNow())));
    }

    [Fact]
    public async Task ApiVersion_ComesFromTheOptions()
    {
        var h = new NotificationHubHarness();
        h.Options.ApiVersion = "2023-10-01-preview";

        await h.Client.DeleteDeviceAsync("user1-phone", None);

        Assert.Equal(Installations + "user1-phone?api-version=2023-10-01-preview", h.Single().Request.RequestUri!.AbsoluteUri);
    }

    [Theory]
    [InlineData("Endpoint=sb://myns.servicebus.windows.net/;SharedAccessKeyName=DefaultFullSharedAccessSignature")]
    [InlineData("Endpoint=sb://myns.servicebus.windows.net/;SharedAccessKey=abc=")]
    [InlineData("SharedAccessKeyName=DefaultFullSharedAccessSignature;SharedAccessKey=abc=")]
    public async Task ConnectionStringWithoutEndpointKeyNameOrKey_IsAConfigurationError(string connectionString)
    {
        var h = new NotificationHubHarness();
        h.Options.ConnectionString = connectionString;

        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Client.DeleteDeviceAsync("user1-phone", None));

        Assert.Empty(h.Handler.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.Created)]
    [InlineData(HttpStatusCode.NoContent)]
    public async Task SuccessStatuses_Succeed(HttpStatusCode status)
    {
        var h = new NotificationHubHarness(status);

        await h.Client.UpsertDeviceAsync(Phone, None);
        await h.Client.DeleteDeviceAsync("user1-phone", None);
        await h.Client.SendAsync(Notification, ["user1"], None);

        Assert.Equal(3, h.Handler.Requests.Count);
    }

    [Theory]
    [InlineData("upsert", HttpStatusCode.TooManyRequests)]
    [InlineData("upsert", HttpStatusCode.RequestTimeout)]
    [InlineData("upsert", HttpStatusCode.InternalServerError)]
    [InlineData("delete", HttpStatusCode.BadGateway)]
    [InlineData("delete", HttpStatusCode.TooManyRequests)]
    [InlineData("send", HttpStatusCode.ServiceUnavailable)]
    [InlineData("send", HttpStatusCode.GatewayTimeout)]
    [InlineData("send", HttpStatusCode.TooManyRequests)]
    [InlineData("send", HttpStatusCode.RequestTimeout)]
    public async Task ThrottlingTimeoutsAndServerErrors_AreTransient(string operation, HttpStatusCode status)
    {
        var h = new NotificationHubHarness(status);

        var error = await Assert.ThrowsAsync<PushDeliveryException>(() => Call(h, operation));

        Assert.True(error.Transient);
        Assert.Equal((int)status, error.Status);
        Assert.Single(h.Handler.Requests); // no retries in the adapter
    }

    [Theory]
    [InlineData("upsert", HttpStatusCode.BadRequest)]
    [InlineData("upsert", HttpStatusCode.Unauthorized)]
    [InlineData("upsert", HttpStatusCode.Forbidden)]
    [InlineData("upsert", HttpStatusCode.NotFound)]
    [InlineData("delete", HttpStatusCode.BadRequest)]
    [InlineData("delete", HttpStatusCode.Unauthorized)]
    [InlineData("delete", HttpStatusCode.Forbidden)]
    [InlineData("send", HttpStatusCode.BadRequest)]
    [InlineData("send", HttpStatusCode.Unauthorized)]
    [InlineData("send", HttpStatusCode.Forbidden)]
    [InlineData("send", HttpStatusCode.NotFound)]
    [InlineData("send", HttpStatusCode.RequestEntityTooLarge)]
    public async Task ClientErrors_AreNotTransient(string operation, HttpStatusCode status)
    {
        var h = new NotificationHubHarness(status);

        var error = await Assert.ThrowsAsync<PushDeliveryException>(() => Call(h, operation));

        Assert.False(error.Transient);
        Assert.Equal((int)status, error.Status);
    }

    [Fact]
    public async Task DeleteDevice_UnknownInstallation404_Succeeds()
    {
        var h = new NotificationHubHarness(HttpStatusCode.NotFound);

        await h.Client.DeleteDeviceAsync("user1-gone", None);

        Assert.Equal(HttpMethod.Delete, h.Single().Request.Method);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task ConnectionFailure_IsTransient_WithoutAStatus(string operation)
    {
        var h = new NotificationHubHarness();
        h.Handler.Script.Enqueue((null, string.Empty));

        var error = await Assert.ThrowsAsync<PushDeliveryException>(() => Call(h, operation));

        Assert.True(error.Transient);
        Assert.Null(error.Status);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task NoAnswerWithinTheTimeout_IsTransient(string operation)
    {
        var hanging = new HangingHandler();
        var h = new NotificationHubHarness(handler: hanging);
        h.Options.Timeout = TimeSpan.FromMilliseconds(50);

        var error = await Assert.ThrowsAsync<PushDeliveryException>(() => Call(h, operation));

        Assert.True(error.Transient);
        Assert.Null(error.Status);
        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
        Assert.Equal(1, hanging.Calls);
    }

    [Fact]
    public async Task HttpClientTimeout_IsTransient()
    {
        var h = new NotificationHubHarness(handler: new ThrowingHandler(new TaskCanceledException("HttpClient.Timeout elapsed", new TimeoutException())));

        var error = await Assert.ThrowsAsync<PushDeliveryException>(() => h.Client.SendAsync(Notification, ["user1"], None));

        Assert.True(error.Transient);
    }

    [Fact]
    public async Task CallerCancellation_PropagatesAsCancellation_NotAsAHubFailure()
    {
        var hanging = new HangingHandler();
        var h = new NotificationHubHarness(handler: hanging);
        h.Options.Timeout = TimeSpan.FromMinutes(5);
        using var cts = new CancellationTokenSource();

        var send = h.Client.SendAsync(Notification, ["user1"], cts.Token);
        await hanging.Entered.Task;
        await cts.CancelAsync();

        // PushDeliveryException is no OperationCanceledException: a shutdown is not logged or retried as an outage.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Equal(1, hanging.Calls);
    }

    private static Task Call(NotificationHubHarness h, string operation) => operation switch
    {
        "upsert" => h.Client.UpsertDeviceAsync(Phone, None),
        "delete" => h.Client.DeleteDeviceAsync("user1-phone", None),
        "send" => h.Client.SendAsync(Notification, ["user1"], None),
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    private static Dictionary<string, string> Fields(string token) =>
        token["SharedAccessSignature ".Length..].Split('&').Select(pair => pair.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    /// <summary>Never answers: completes only when the request is cancelled.</summary>
    private sealed class HangingHandler : HttpMessageHandler
    {
        private int calls;

        public int Calls => calls;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            Entered.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    private sealed class ThrowingHandler(Exception exception) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(exception);
    }
}
