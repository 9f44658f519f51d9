namespace Chat.IntegrationTests;

using System.Diagnostics;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>A Cosmos emulator of its own that the test kills and brings back.</summary>
[Collection(BackendCollection.Name)]
public sealed class OutageTests(BackendFixture backend)
{
    [Fact]
    public async Task CosmosDown_Answers503WithRetryAfterWithinSeconds_NothingHalfWritten_ThenRecovers()
    {
        await using var cosmos = await CosmosEmulator.StartAsync();
        await using var host = await TestHost.StartAsync(cosmos.ConnectionString, backend.Storage.ConnectionString);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.SendTextAsync(chat.ChatId, "before the outage");

        cosmos.Kill();

        var watch = Stopwatch.StartNew();
        var e = await Expect.Problem(503, () => alice.SendTextAsync(chat.ChatId, "during the outage", clientMessageId: "outage-1"));
        watch.Stop();
        Assert.NotNull(e.RetryAfter);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"503 took {watch.Elapsed}");
        await Expect.Problem(503, () => alice.GetMessagesAsync(chat.ChatId));
        await Expect.Problem(503, () => host.NewClient().HealthAsync());
        await Expect.Problem(503, () => bob.GetChatAsync(chat.ChatId));

        // The emulator keeps data in memory: it comes back empty, so recovery means the service
        // answers again without a restart and serves what is written from then on.
        await cosmos.RestartAsync();
        await Expect.Eventually(async () =>
        {
            try
            {
                return (await host.NewClient().HealthAsync()).Status == "healthy";
            }
            catch (Chat.Client.ChatApiException)
            {
                return false;
            }
        });
        var carol = await host.NewUserAsync();
        var dave = await host.NewUserAsync();
        var fresh = await carol.OpenDirectAsync(dave.UserId);
        Assert.Equal(1, (await carol.SendTextAsync(fresh.ChatId, "after the outage")).Seq);
    }

    [Fact]
    public async Task QueuesUnreachable_SendsStillSucceed_PushIsLost_AndHealthSays503()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var deadQueues = backend.Storage.ConnectionString.Replace($":{backend.Storage.QueuePort}/", $":{Ports.Free()}/", StringComparison.Ordinal);
        await using var host = await TestHost.StartAsync(
            backend.Cosmos.ConnectionString, backend.Storage.ConnectionString, new Dictionary<string, string?> { ["AzureWebJobsStorage"] = deadQueues }, clock);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone", "fcm", "token");
        clock.Advance(TimeSpan.FromSeconds(61)); // bob is offline: the send tries to queue a push job

        var sent = await alice.SendTextAsync(chat.ChatId, "the queue is down");

        Assert.Equal(1, sent.Seq);
        Assert.Equal("the queue is down", Assert.Single((await bob.GetMessagesAsync(chat.ChatId)).Messages).Text);
        var health = await Expect.Problem(503, () => host.NewClient().HealthAsync());
        Assert.NotNull(health.RetryAfter);
        Assert.Contains("\"storage\":\"unavailable\"", health.RawBody, StringComparison.Ordinal);
        Assert.Contains("\"cosmos\":\"healthy\"", health.RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzuriteRestartedEmpty_HealthAnswers503NotA500_ThenRecoversAndQueuesPushAgain()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var storage = await Azurite.StartAsync();
        await using var host = await TestHost.StartAsync(backend.Cosmos.ConnectionString, storage.ConnectionString, time: clock);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await bob.RegisterDeviceAsync("phone", "fcm", "token-1");
        Assert.Equal("healthy", (await host.NewClient().HealthAsync()).Status);

        storage.Kill();
        await Expect.Problem(503, () => host.NewClient().HealthAsync());
        await storage.RestartAsync();

        // Back, but empty: the queues the host created before are gone until it makes them again.
        await Expect.Eventually(async () =>
        {
            try
            {
                return (await host.NewClient().HealthAsync()).Status == "healthy";
            }
            catch (Chat.Client.ChatApiException e) when (e.Status == 503)
            {
                return false;
            }
        });
        clock.Advance(TimeSpan.FromSeconds(61)); // bob is offline now: the send queues a push job
        await alice.SendTextAsync(chat.ChatId, "after storage came back");
        await Expect.Eventually(async () => (await alice.LocalNotificationsAsync(bob.UserId)).Count > 0, TimeSpan.FromSeconds(30), "the push goes out through the re-created queue");

        // The media container is gone too: it is made again, and a file goes through end to end.
        var bytes = "a file after the restart"u8.ToArray();
        var ticket = await alice.CreateMediaAsync("after.txt", "text/plain", bytes.Length);
        using (var upload = await alice.UploadAsync(ticket, bytes))
        {
            Assert.True(upload.IsSuccessStatusCode, $"upload answered {(int)upload.StatusCode}");
        }

        Assert.NotNull((await alice.SendAsync(chat.ChatId, new Chat.Client.SendMessage("file-1", "file", MediaId: ticket.MediaId))).Media);
    }

    [Fact]
    public async Task CosmosUnreachable_SendFails503_NothingHalfWritten_ResendAfterRecoveryStoresOnce()
    {
        await using var cosmos = await CosmosEmulator.StartAsync();
        await using var host = await TestHost.StartAsync(cosmos.ConnectionString, backend.Storage.ConnectionString);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.SendTextAsync(chat.ChatId, "before", clientMessageId: "m-1");

        await cosmos.TakeDownAsync();
        var watch = Stopwatch.StartNew();
        var e = await Expect.Problem(503, () => alice.SendTextAsync(chat.ChatId, "during", clientMessageId: "m-2"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"503 took {watch.Elapsed}");
        Assert.NotNull(e.RetryAfter);
        await Expect.Problem(503, () => bob.PostReceiptAsync(chat.ChatId, "read", 1));
        await Expect.Problem(503, () => alice.CreateGroupAsync("during", [bob.UserId]));

        await cosmos.BringUpAsync();
        await Expect.Eventually(async () =>
        {
            try
            {
                return (await bob.GetMessagesAsync(chat.ChatId)).Messages.Count == 1;
            }
            catch (Chat.Client.ChatApiException)
            {
                return false;
            }
        });

        // Nothing from the outage is visible: one message, no receipt, no group.
        var after = await bob.GetChatAsync(chat.ChatId);
        Assert.Equal(1, after.LastSeq);
        Assert.Equal(0, after.ReadSeq);
        Assert.Single((await alice.ListChatsAsync()).Chats);

        // The client retries its send: stored once, with the next seq.
        var retried = await alice.SendTextAsync(chat.ChatId, "during", clientMessageId: "m-2");
        Assert.Equal(2, retried.Seq);
        Assert.Equal(2, (await alice.SendTextAsync(chat.ChatId, "during", clientMessageId: "m-2")).Seq);
        Assert.Equal([1L, 2L], (await bob.GetMessagesAsync(chat.ChatId)).Messages.Select(m => m.Seq));
    }
}
