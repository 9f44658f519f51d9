namespace Chat.UnitTests.Push;

using System.Text.Json;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Push;
using Moq;

/// <summary>Device registration (<c>PUT/DELETE /api/devices/{installationId}</c>): validation into the
/// hub's installation, per-user installation ids, and hub failures as API errors.</summary>
public sealed class DeviceServiceTests
{
    private const string WebPushEndpoint = "https://fcm.googleapis.com/fcm/send/abc:def";
    private const string P256dh = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    private const string Auth = "tBHItJI5svbpez7KI4CCXg";

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly Mock<IPushHub> hub = new(MockBehavior.Strict);
    private readonly List<PushDevice> upserted = [];

    public DeviceServiceTests()
    {
        hub.Setup(h => h.UpsertDeviceAsync(It.IsAny<PushDevice>(), It.IsAny<CancellationToken>()))
            .Callback((PushDevice d, CancellationToken _) => upserted.Add(d))
            .Returns(Task.CompletedTask);
        hub.Setup(h => h.DeleteDeviceAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Service = new DeviceService(hub.Object);
    }

    private DeviceService Service { get; }

    [Theory]
    [InlineData(PushPlatforms.Fcm, "fcm-registration-token:APA91b")]
    [InlineData(PushPlatforms.Apns, "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90")]
    [InlineData(PushPlatforms.Wns, "https://db5p.notify.windows.com/?token=AwYAAAB%2bx")]
    public async Task Register_TokenPlatform_UpsertsTheInstallationUnderTheUsersHubId(string platform, string token)
    {
        await Service.RegisterAsync("user1", "phone-1", Request(platform, token), None);

        var device = Assert.Single(upserted);
        Assert.Equal(new PushDevice("user1-phone-1", "user1", platform, token, null), device);
        Assert.Equal(["user1"], device.Tags);
    }

    [Fact]
    public async Task Register_WebPush_UpsertsTheSubscription()
    {
        await Service.RegisterAsync("user1", "browser_1", Request(PushPlatforms.WebPush, WebPush()), None);

        var device = Assert.Single(upserted);
        Assert.Equal("user1-browser_1", device.HubInstallationId);
        Assert.Equal(PushPlatforms.WebPush, device.Platform);
        Assert.Null(device.Channel);
        Assert.Equal(new WebPushChannel(WebPushEndpoint, P256dh, Auth), device.WebPush);
    }

    [Fact]
    public async Task Register_TwoUsersWithTheSameInstallationId_GetDifferentHubInstallations()
    {
        await Service.RegisterAsync("alice", "phone", Request(PushPlatforms.Fcm, "token-a"), None);
        await Service.RegisterAsync("bob", "phone", Request(PushPlatforms.Fcm, "token-b"), None);

        Assert.Equal(["alice-phone", "bob-phone"], upserted.Select(d => d.HubInstallationId));
        Assert.Equal(["alice", "bob"], upserted.Select(d => d.UserId));
    }

    [Fact]
    public async Task Remove_DeletesTheUsersHubInstallation()
    {
        await Service.RemoveAsync("user1", "phone-1", None);

        hub.Verify(h => h.DeleteDeviceAsync("user1-phone-1", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Phone_2-b")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public async Task Register_WellFormedInstallationId_IsAccepted(string installationId)
    {
        await Service.RegisterAsync("user1", installationId, Request(PushPlatforms.Apns, "token"), None);

        Assert.Equal("user1-" + installationId, Assert.Single(upserted).HubInstallationId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dev/1")]
    [InlineData("dev.1")]
    [InlineData("dév")]
    [InlineData("dev\n")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")]
    public async Task RegisterAndRemove_MalformedInstallationId_Is400_OnInstallationId(string installationId)
    {
        var register = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", installationId, Request(PushPlatforms.Fcm, "token"), None));
        var remove = await Assert.ThrowsAsync<ChatException>(() => Service.RemoveAsync("user1", installationId, None));

        AssertInvalid(register, "installationId");
        AssertInvalid(remove, "installationId");
        hub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Register_NoPlatform_Is400_OnPlatform()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", Request(null, "token"), None));

        AssertInvalid(error, "platform");
        hub.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("android")]
    [InlineData("FCM")]
    [InlineData("fcmv1")]
    [InlineData("browser")]
    [InlineData("")]
    public async Task Register_UnknownPlatform_Is400_OnPlatform(string platform)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", Request(platform, "token"), None));

        AssertInvalid(error, "platform");
        hub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Register_NoPlatformAndNoChannel_ReportsBothFields()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", new RegisterDeviceRequest(null, null), None));

        Assert.Equal(400, error.Status);
        Assert.Equal(["platform", "pushChannel"], error.Errors!.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public async Task Register_NoChannel_Is400_OnPushChannel(string? channelJson)
    {
        var request = new RegisterDeviceRequest(PushPlatforms.Fcm, channelJson is null ? null : Json(channelJson));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", request, None));

        AssertInvalid(error, "pushChannel");
        hub.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData(PushPlatforms.Fcm, "\"\"")]
    [InlineData(PushPlatforms.Fcm, "123")]
    [InlineData(PushPlatforms.Fcm, "true")]
    [InlineData(PushPlatforms.Apns, "{\"token\":\"abc\"}")]
    [InlineData(PushPlatforms.Apns, "[\"abc\"]")]
    [InlineData(PushPlatforms.Fcm, "\"tok\\nen\"")]
    [InlineData(PushPlatforms.Apns, "\"token\\u0000\"")]
    [InlineData(PushPlatforms.Fcm, "\"token\\u007f\"")]
    [InlineData(PushPlatforms.Wns, "\"http://db5p.notify.windows.com/?token=abc\"")]
    [InlineData(PushPlatforms.Wns, "\"not a uri\"")]
    [InlineData(PushPlatforms.Wns, "\"/relative/channel\"")]
    public async Task Register_BadTokenChannel_Is400_OnPushChannel(string platform, string channelJson)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", new RegisterDeviceRequest(platform, Json(channelJson)), None));

        AssertInvalid(error, "pushChannel");
        hub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Register_ChannelOfMaxLength_IsAccepted_OneMore_Is400()
    {
        var longest = new string('t', DeviceService.MaxChannelLength);

        await Service.RegisterAsync("user1", "phone", Request(PushPlatforms.Fcm, longest), None);
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", Request(PushPlatforms.Fcm, longest + "t"), None));

        Assert.Equal(longest, Assert.Single(upserted).Channel);
        AssertInvalid(error, "pushChannel");
    }

    [Theory]
    [InlineData("\"https://push.example/abc\"")]
    [InlineData("{\"p256dh\":\"k\",\"auth\":\"a\"}")]
    [InlineData("{\"endpoint\":\"https://push.example/abc\",\"auth\":\"a\"}")]
    [InlineData("{\"endpoint\":\"https://push.example/abc\",\"p256dh\":\"k\"}")]
    [InlineData("{\"endpoint\":\"http://push.example/abc\",\"p256dh\":\"k\",\"auth\":\"a\"}")]
    [InlineData("{\"endpoint\":\"push.example/abc\",\"p256dh\":\"k\",\"auth\":\"a\"}")]
    [InlineData("{\"endpoint\":42,\"p256dh\":\"k\",\"auth\":\"a\"}")]
    [InlineData("{\"endpoint\":\"https://push.example/abc\",\"p256dh\":\"\",\"auth\":\"a\"}")]
    [InlineData("{\"endpoint\":\"https://push.example/abc\",\"p256dh\":\"k\",\"auth\":\"\"}")]
    [InlineData("{\"endpoint\":\"https://push.example/abc\",\"p256dh\":\"k\",\"auth\":null}")]
    public async Task Register_BadWebPushSubscription_Is400_OnPushChannel(string channelJson)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "browser", new RegisterDeviceRequest(PushPlatforms.WebPush, Json(channelJson)), None));

        AssertInvalid(error, "pushChannel");
        hub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Register_WebPushKeysOf256_AreAccepted_257_Is400()
    {
        var key = new string('k', 256);

        await Service.RegisterAsync("user1", "browser", Request(PushPlatforms.WebPush, WebPush(p256dh: key, auth: key)), None);
        var longKey = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "browser", Request(PushPlatforms.WebPush, WebPush(p256dh: key + "k")), None));
        var longAuth = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "browser", Request(PushPlatforms.WebPush, WebPush(auth: key + "k")), None));
        var longEndpoint = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync(
            "user1", "browser", Request(PushPlatforms.WebPush, WebPush(endpoint: "https://push.example/" + new string('e', DeviceService.MaxChannelLength))), None));

        Assert.Equal(key, Assert.Single(upserted).WebPush!.P256dh);
        AssertInvalid(longKey, "pushChannel");
        AssertInvalid(longAuth, "pushChannel");
        AssertInvalid(longEndpoint, "pushChannel");
    }

    [Fact]
    public async Task Register_WebPushKeysWithControlCharacters_Is400_OnPushChannel()
    {
        var key = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "browser", Request(PushPlatforms.WebPush, WebPush(p256dh: "BNc\nRdre")), None));
        var auth = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "browser", Request(PushPlatforms.WebPush, WebPush(auth: "tBH\u0000ItJ")), None));

        AssertInvalid(key, "pushChannel");
        AssertInvalid(auth, "pushChannel");
        hub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Register_HubRefusesTheChannel_Is400_OnPushChannel()
    {
        hub.Setup(h => h.UpsertDeviceAsync(It.IsAny<PushDevice>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PushDeliveryException("bad request", transient: false, status: 400));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", Request(PushPlatforms.Apns, "token"), None));

        AssertInvalid(error, "pushChannel");
    }

    [Theory]
    [InlineData(true, 503)]
    [InlineData(true, 429)]
    [InlineData(true, null)]
    [InlineData(false, 401)]
    [InlineData(false, 403)]
    public async Task Register_HubUnavailableOrMisconfigured_Is503_WithRetryAfter(bool transient, int? status)
    {
        var failure = new PushDeliveryException("hub failed", transient, status);
        hub.Setup(h => h.UpsertDeviceAsync(It.IsAny<PushDevice>(), It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", Request(PushPlatforms.Fcm, "token"), None));

        Assert.Equal(503, error.Status);
        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        Assert.NotNull(error.RetryAfter);
        Assert.True(error.RetryAfter > TimeSpan.Zero);
        Assert.Same(failure, error.InnerException);
    }

    [Fact]
    public async Task Register_TransientFailure_AsksForASoonerRetryThanAPermanentOne()
    {
        hub.SetupSequence(h => h.UpsertDeviceAsync(It.IsAny<PushDevice>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PushDeliveryException("throttled", transient: true, status: 429))
            .ThrowsAsync(new PushDeliveryException("forbidden", transient: false, status: 403));

        var transient = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", Request(PushPlatforms.Fcm, "token"), None));
        var permanent = await Assert.ThrowsAsync<ChatException>(() => Service.RegisterAsync("user1", "phone", Request(PushPlatforms.Fcm, "token"), None));

        Assert.True(transient.RetryAfter < permanent.RetryAfter);
    }

    [Fact]
    public async Task Remove_HubUnavailable_Is503_WithRetryAfter()
    {
        hub.Setup(h => h.DeleteDeviceAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PushDeliveryException("unreachable", transient: true));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RemoveAsync("user1", "phone", None));

        Assert.Equal(503, error.Status);
        Assert.NotNull(error.RetryAfter);
    }

    private static void AssertInvalid(ChatException error, string field)
    {
        Assert.Equal(400, error.Status);
        Assert.Equal(ErrorKind.Validation, error.Kind);
        Assert.Equal([field], error.Errors!.Keys);
    }

    private static RegisterDeviceRequest Request(string? platform, string channel) =>
        new(platform, JsonSerializer.SerializeToElement(channel));

    private static RegisterDeviceRequest Request(string? platform, JsonElement channel) => new(platform, channel);

    private static JsonElement WebPush(string endpoint = WebPushEndpoint, string p256dh = P256dh, string auth = Auth) =>
        JsonSerializer.SerializeToElement(new { endpoint, p256dh, auth });

    private static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);
}
