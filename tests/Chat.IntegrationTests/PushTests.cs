namespace Chat.IntegrationTests;

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using Chat.Client;
using Chat.Functions.Push;
using Chat.Functions.Queues;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using ReceivedNotification = Chat.Client.ReceivedNotification;

/// <summary>
/// Push notifications end to end: devices registered through the API, messages sent through the API,
/// the queue-triggered dispatcher, and the local Notification Hubs sink (SAS-checked REST) on a host
/// whose clock the tests move to make users go offline (API.md: no activity for 60 s).
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class PushTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private TestHost host = null!;

    private LocalNotificationHubSink Sink => host.Services.GetRequiredService<LocalNotificationHubSink>();

    public async Task InitializeAsync() => host = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task OfflineUser_WithADevice_GetsExactlyOneNotification_WithTagAndPayload()
    {
        var alice = await host.NewUserAsync("Alice");
        var bob = await host.NewUserAsync("Bob");
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone-1", "fcm", "fcm-token-of-bob");
        GoOffline();

        var sent = await alice.SendTextAsync(chat.ChatId, "Dinner at 8? \"yes\" \\ <b>");

        var notification = await SingleNotificationAsync(bob);
        Assert.Equal([bob.UserId], notification.Tags);
        Assert.Equal("fcm", notification.Platform);
        var message = notification.Payload.GetProperty("message");
        Assert.Equal("Alice", message.GetProperty("notification").GetProperty("title").GetString());
        Assert.Equal("Dinner at 8? \"yes\" \\ <b>", message.GetProperty("notification").GetProperty("body").GetString());
        Assert.Equal(chat.ChatId, message.GetProperty("data").GetProperty("chatId").GetString());
        Assert.Equal(sent.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), message.GetProperty("data").GetProperty("seq").GetString());
        Assert.Empty(await alice.LocalNotificationsAsync(alice.UserId));
    }

    [Fact]
    public async Task MutedMember_GetsNoPush_UntilUnmuted()
    {
        var alice = await host.NewUserAsync("Alice");
        var bob = await host.NewUserAsync("Bob");
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone-1", "fcm", "fcm-token-of-bob");
        var until = clock.GetUtcNow().AddHours(8);
        var muted = await bob.UpdateChatSettingsAsync(chat.ChatId, new System.Text.Json.Nodes.JsonObject { ["mutedUntil"] = until.ToString("O") });
        GoOffline();

        await alice.SendTextAsync(chat.ChatId, "while muted");
        await WaitForQueueDrainedAsync();
        Assert.Empty(await bob.LocalNotificationsAsync(bob.UserId));

        var unmuted = await bob.UpdateChatSettingsAsync(chat.ChatId, new System.Text.Json.Nodes.JsonObject { ["mutedUntil"] = null });
        GoOffline();
        await alice.SendTextAsync(chat.ChatId, "after unmuting");

        var notification = await SingleNotificationAsync(bob);
        Assert.Equal("after unmuting", notification.Payload.GetProperty("message").GetProperty("notification").GetProperty("body").GetString());
        Assert.Equal(until.ToUnixTimeMilliseconds(), muted.Settings!.MutedUntil!.Value.ToUnixTimeMilliseconds());
        Assert.Null(unmuted.Settings!.MutedUntil);
    }

    [Fact]
    public async Task OnlineUser_GetsNone_AndNothingIsQueued()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone-1", "apns", "apns-token-of-bob");
        GoOffline();
        await bob.HeartbeatAsync();

        await alice.SendTextAsync(chat.ChatId, "you are online");

        Assert.Equal(0, await PendingJobsAsync());
        Assert.Empty(await bob.LocalNotificationsAsync(bob.UserId));
    }

    [Fact]
    public async Task GroupMessage_NotifiesOnlyItsOfflineMembers_OncePerDevice()
    {
        var alice = await host.NewUserAsync("Alice");
        var members = await host.NewUsersAsync(11); // more than the inline presence limit: the dispatcher checks presence
        var outsider = await host.NewUserAsync();
        var group = await alice.CreateGroupAsync("Climbing club", members.Select(m => m.UserId));
        await Task.WhenAll(members.Append(outsider).Select((m, i) => m.RegisterDeviceAsync("device-" + i, "fcm", "token-" + i)));
        await members[0].RegisterDeviceAsync("second-device", "webpush", new { endpoint = "https://push.example.com/send/abc", p256dh = "BPk-key", auth = "auth-secret" });
        GoOffline();
        var online = members.Take(3).ToArray();
        await Task.WhenAll(online.Select(m => m.HeartbeatAsync()));
        var offline = members.Skip(3).ToArray();

        await alice.SendTextAsync(group.ChatId, "Wall at 6");

        await Expect.Eventually(async () => (await Task.WhenAll(offline.Select(m => m.LocalNotificationsAsync(m.UserId)))).All(n => n.Count == 1), TimeSpan.FromSeconds(30));
        await WaitForQueueDrainedAsync();
        foreach (var member in offline)
        {
            var notification = Assert.Single(await member.LocalNotificationsAsync(member.UserId));
            var body = notification.Payload.GetProperty("message").GetProperty("notification");
            Assert.Equal("Climbing club", body.GetProperty("title").GetString());
            Assert.Equal("Alice: Wall at 6", body.GetProperty("body").GetString());
        }

        foreach (var member in online.Append(outsider).Append(alice))
        {
            Assert.Empty(await member.LocalNotificationsAsync(member.UserId));
        }
    }

    [Fact]
    public async Task EveryPlatform_GetsItsOwnPayload_FromOneSend()
    {
        var alice = await host.NewUserAsync("Alice & \"Co\"");
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("android", "fcm", "fcm-token");
        await bob.RegisterDeviceAsync("iphone", "apns", "apns-token");
        await bob.RegisterDeviceAsync("surface", "wns", "https://db5.notify.windows.com/?token=abc");
        await bob.RegisterDeviceAsync("browser", "webpush", new { endpoint = "https://fcm.googleapis.com/fcm/send/xyz", p256dh = "BPk", auth = "secret" });
        GoOffline();

        await alice.SendTextAsync(chat.ChatId, "one <send>\nfour devices");

        await Expect.Eventually(async () => (await bob.LocalNotificationsAsync(bob.UserId)).Count == 4, TimeSpan.FromSeconds(30));
        var byPlatform = (await bob.LocalNotificationsAsync(bob.UserId)).ToDictionary(n => n.Platform);
        const string Preview = "one <send> four devices"; // a preview is one line
        Assert.Equal(Preview, byPlatform["fcm"].Payload.GetProperty("message").GetProperty("notification").GetProperty("body").GetString());
        var aps = byPlatform["apns"].Payload.GetProperty("aps");
        Assert.Equal("Alice & \"Co\"", aps.GetProperty("alert").GetProperty("title").GetString());
        Assert.Equal(chat.ChatId, aps.GetProperty("thread-id").GetString());
        Assert.Equal(Preview, byPlatform["webpush"].Payload.GetProperty("body").GetString());
        var toast = XDocument.Parse(byPlatform["wns"].Payload.GetString()!);
        Assert.Equal(["Alice & \"Co\"", Preview], toast.Descendants("text").Select(t => t.Value));
    }

    [Fact]
    public async Task ABurstToAnOfflineUser_BecomesOneNotification_ShowingTheLatest()
    {
        var alice = await host.NewUserAsync("Alice");
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone", "fcm", "token");
        GoOffline();

        for (var i = 1; i <= 4; i++)
        {
            await alice.SendTextAsync(chat.ChatId, "part " + i);
        }

        var notification = await SingleNotificationAsync(bob);
        Assert.Equal("part 4", notification.Payload.GetProperty("message").GetProperty("notification").GetProperty("body").GetString());
    }

    [Fact]
    public async Task FailingSink_RetriesThenPoisons_WhileSendsKeepSucceeding_AndRecovers()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone", "fcm", "token");
        GoOffline();
        Sink.FailWith = 503;
        try
        {
            var sent = await alice.SendTextAsync(chat.ChatId, "during the outage");
            Assert.Equal(1, sent.Seq);

            var poison = await PoisonedJobsAsync(TimeSpan.FromSeconds(60));
            var job = Assert.Single(poison);
            Assert.Equal(chat.ChatId, job.GetProperty("chatId").GetString());
            Assert.Equal([bob.UserId], job.GetProperty("recipientIds").EnumerateArray().Select(e => e.GetString()));
            Assert.True(Sink.Refused >= 5, $"five attempts with back-off before poison, saw {Sink.Refused}");
        }
        finally
        {
            Sink.FailWith = null;
        }

        Assert.Empty(await bob.LocalNotificationsAsync(bob.UserId));
        GoOffline();
        await alice.SendTextAsync(chat.ChatId, "after the outage");
        var notification = await SingleNotificationAsync(bob);
        Assert.Equal("after the outage", notification.Payload.GetProperty("message").GetProperty("notification").GetProperty("body").GetString());
    }

    [Fact]
    public async Task PermanentHubFailure_PoisonsAtOnce_AndDeviceCallsAnswer503()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone", "fcm", "token");
        GoOffline();
        Sink.FailWith = 403;
        try
        {
            await alice.SendTextAsync(chat.ChatId, "refused");
            Assert.Single(await PoisonedJobsAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(1, Sink.Refused);

            var error = await Expect.Problem(503, () => bob.RegisterDeviceAsync("tablet", "fcm", "token-2"));
            Assert.NotNull(error.RetryAfter);
        }
        finally
        {
            Sink.FailWith = null;
        }
    }

    [Fact]
    public async Task Sink_RejectsBadSas_AndAcceptsTheHubKey()
    {
        var url = new Uri(host.BaseAddress, "_local/notification-hubs/chat-tests/installations/probe-1?api-version=2020-06");
        var hub = new Uri(host.BaseAddress, "_local/notification-hubs/chat-tests");
        var body = """{"installationId":"probe-1","platform":"fcmv1","pushChannel":"t","tags":["probe"]}""";
        var now = clock.GetUtcNow();
        var wrongKey = Convert.ToBase64String("not-the-hub-key-not-the-hub-key!"u8.ToArray());

        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(url, body, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(url, body, NotificationHubSas.Create(hub, "DefaultFullSharedAccessSignature", wrongKey, now.AddMinutes(5))));
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(url, body, NotificationHubSas.Create(hub, "DefaultFullSharedAccessSignature", TestHost.NotificationHubKey, now.AddMinutes(-1))));
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(url, body, NotificationHubSas.Create(hub, "DefaultListenSharedAccessSignature", TestHost.NotificationHubKey, now.AddMinutes(5))));
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(url, body, NotificationHubSas.Create(new Uri(host.BaseAddress, "_local/notification-hubs/other-hub"), "DefaultFullSharedAccessSignature", TestHost.NotificationHubKey, now.AddMinutes(5))));
        var tampered = NotificationHubSas.Create(hub, "DefaultFullSharedAccessSignature", TestHost.NotificationHubKey, now.AddMinutes(5)).Replace("&se=", "&se=9", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await PutAsync(url, body, tampered));
        Assert.Null(Sink.Installation("probe-1"));

        Assert.Equal(HttpStatusCode.OK, await PutAsync(url, body, NotificationHubSas.Create(hub, "DefaultFullSharedAccessSignature", TestHost.NotificationHubKey, now.AddMinutes(5))));
        Assert.NotNull(Sink.Installation("probe-1"));
    }

    [Fact]
    public async Task DeletingTheDevice_OrLoggingOutWithIt_StopsNotifications()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone", "fcm", "token-phone");
        await bob.RegisterDeviceAsync("tablet", "fcm", "token-tablet");
        Assert.NotNull(Sink.Installation($"{bob.UserId}-phone"));

        await bob.RemoveDeviceAsync("phone");
        await bob.RemoveDeviceAsync("phone"); // idempotent
        await bob.LogoutAsync(installationId: "tablet");

        Assert.Null(Sink.Installation($"{bob.UserId}-phone"));
        Assert.Null(Sink.Installation($"{bob.UserId}-tablet"));
        GoOffline();
        await alice.SendTextAsync(chat.ChatId, "anyone there?");
        await WaitForQueueDrainedAsync();
        Assert.Empty(await alice.LocalNotificationsAsync(bob.UserId));
    }

    [Fact]
    public async Task AnotherUser_CannotOverwriteOrDeleteYourInstallation()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var eve = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("device-1", "fcm", "bobs-token");

        await eve.RegisterDeviceAsync("device-1", "fcm", "eves-token");
        await eve.RemoveDeviceAsync("device-1");

        var bobs = Sink.Installation($"{bob.UserId}-device-1")!.Value;
        Assert.Equal("bobs-token", bobs.GetProperty("pushChannel").GetString());
        Assert.Equal([bob.UserId], bobs.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        GoOffline();
        await alice.SendTextAsync(chat.ChatId, "for bob only");
        Assert.Equal("for bob only", (await SingleNotificationAsync(bob)).Payload.GetProperty("message").GetProperty("notification").GetProperty("body").GetString());
        Assert.Empty(await alice.LocalNotificationsAsync(eve.UserId));
    }

    [Fact]
    public async Task Devices_ValidateTheirInput()
    {
        var bob = await host.NewUserAsync();
        await Expect.Validation("installationId", () => bob.RegisterDeviceAsync(new string('a', 65), "fcm", "token"));
        await Expect.Validation("installationId", () => bob.RegisterDeviceAsync("has.dot", "fcm", "token"));
        await Expect.Validation("platform", () => bob.RegisterDeviceAsync("d1", "sms", "token"));
        await Expect.Validation("pushChannel", () => bob.RegisterDeviceAsync("d1", "fcm", new { endpoint = "https://x" }));
        await Expect.Validation("pushChannel", () => bob.RegisterDeviceAsync("d1", "webpush", "just-a-string"));
        await Expect.Validation("pushChannel", () => bob.RegisterDeviceAsync("d1", "webpush", new { endpoint = "http://insecure.example.com", p256dh = "k", auth = "a" }));
        await Expect.Validation("pushChannel", () => bob.RegisterDeviceAsync("d1", "wns", "not-a-uri"));
        await Expect.Validation("pushChannel", () => bob.RegisterDeviceAsync("d1", "fcm", ""));
        await Expect.Validation("installationId", () => bob.RemoveDeviceAsync("bad.id"));
        using var missing = await bob.SendRawAsync(HttpMethod.Put, "api/devices/d1", """{"platform":"fcm"}""");
        await Expect.Problem(400, missing);
        await Expect.Problem(401, () => host.NewClient().RegisterDeviceAsync("d1", "fcm", "token"));
        Assert.Null(Sink.Installation($"{bob.UserId}-d1"));
    }

    private void GoOffline() => clock.Advance(TimeSpan.FromSeconds(61));

    /// <summary>Waits for the user's first notification, then for the push queue to hold nothing more
    /// (no job pending or being retried), and returns the one notification there must be.</summary>
    private async Task<ReceivedNotification> SingleNotificationAsync(ChatClient user)
    {
        await Expect.Eventually(async () => (await user.LocalNotificationsAsync(user.UserId)).Count > 0, TimeSpan.FromSeconds(30), "a notification arrives");
        await WaitForQueueDrainedAsync();
        return Assert.Single(await user.LocalNotificationsAsync(user.UserId));
    }

    private async Task<int> PendingJobsAsync()
    {
        var queue = await host.Services.GetRequiredService<StorageQueues>().GetAsync(QueueNames.PushNotifications);
        return (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
    }

    /// <summary>The queue counts hidden (delayed or in-flight) messages too, so zero means every job is done.</summary>
    private Task WaitForQueueDrainedAsync() =>
        Expect.Eventually(async () => await PendingJobsAsync() == 0, TimeSpan.FromSeconds(30), "the push queue drains");

    private async Task<JsonElement[]> PoisonedJobsAsync(TimeSpan within)
    {
        var poison = await host.Services.GetRequiredService<StorageQueues>().GetAsync(QueueNames.PushNotifications + "-poison");
        JsonElement[] jobs = [];
        await Expect.Eventually(
            async () =>
            {
                jobs = (await poison.PeekMessagesAsync(32)).Value.Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement.Clone()).ToArray();
                return jobs.Length > 0;
            },
            within,
            "the job lands in the poison queue");
        await WaitForQueueDrainedAsync();
        return (await poison.PeekMessagesAsync(32)).Value.Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement.Clone()).ToArray();
    }

    private async Task<HttpStatusCode> PutAsync(Uri url, string body, string? authorization)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StringContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
