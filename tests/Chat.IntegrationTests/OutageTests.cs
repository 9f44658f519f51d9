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
    public async Task CosmosDown_DuringSend_ResendAfterRecovery_StoresTheMessageOnce()
    {
        await using var cosmos = await CosmosEmulator.StartAsync();
        await using var host = await TestHost.StartAsync(cosmos.ConnectionString, backend.Storage.ConnectionString);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var first = await alice.SendTextAsync(chat.ChatId, "once", clientMessageId: "retry-1");
        var again = await alice.SendTextAsync(chat.ChatId, "once", clientMessageId: "retry-1");
        Assert.Equal(first.Seq, again.Seq);
        Assert.Single((await bob.GetMessagesAsync(chat.ChatId)).Messages);
    }
}
