namespace Chat.IntegrationTests;

using System.Diagnostics;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>A Garnet of its own that the test stops and brings back on the same port.</summary>
[Collection(BackendCollection.Name)]
public sealed class RedisOutageTests(BackendFixture backend)
{
    [Fact]
    public async Task RedisDown_PresenceRoutesAnswerOfflineUnknownWithinSeconds_OthersWork_ThenRecovers()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var garnet = GarnetStandIn.Start();
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["Redis:ConnectionString"] = garnet.ConnectionString }, clock);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.HeartbeatAsync();
        Assert.True(Assert.Single(await bob.GetPresenceAsync([alice.UserId])).Online);

        garnet.Kill();
        clock.Advance(TimeSpan.FromSeconds(30)); // past the coalesce window: the heartbeat tries Redis

        var watch = Stopwatch.StartNew();
        await alice.HeartbeatAsync();
        var presence = Assert.Single(await bob.GetPresenceAsync([alice.UserId]));
        var profile = await bob.GetUserAsync(alice.UserId);
        watch.Stop();
        Assert.False(presence.Online);
        Assert.Null(presence.LastSeen);
        Assert.False(profile.Online);
        Assert.Null(profile.LastSeen);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"presence took {watch.Elapsed} without Redis");
        Assert.Equal(1, (await alice.SendTextAsync(chat.ChatId, "Redis is down")).Seq);
        Assert.False((await alice.GetMeAsync()).Online);

        // Garnet keeps nothing in memory across a restart: recovery means new activity is seen again.
        garnet.Restart();
        await Expect.Eventually(async () =>
        {
            clock.Advance(TimeSpan.FromSeconds(6));
            await alice.HeartbeatAsync();
            return Assert.Single(await bob.GetPresenceAsync([alice.UserId])).Online;
        });
    }
}
