namespace Chat.IntegrationTests.Stores;

using Chat.Core.Ports;
using Chat.Functions.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xunit;

/// <summary>The contract of <see cref="IUserConnections"/>, run against <see cref="RedisUserConnections"/> on Garnet.</summary>
public sealed class RedisUserConnectionsContractTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly IConnectionMultiplexer redis;
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly RedisUserConnections connections;

    public RedisUserConnectionsContractTests()
    {
        redis = RedisPresenceStoreContractTests.Connect(GarnetStandIn.Shared.ConnectionString);
        connections = new RedisUserConnections(RedisPresenceStoreContractTests.RoundTrips(redis), clock);
    }

    public void Dispose() => redis.Dispose();

    [Fact]
    public async Task Tracked_ConnectionsAreListedPerUser_UntilForgotten()
    {
        var (alice, bob) = (StoreData.NewId("u_"), StoreData.NewId("u_"));

        await connections.TrackAsync(alice, "a1", Ct);
        await connections.TrackAsync(alice, "a2", Ct);
        await connections.TrackAsync(bob, "b1", Ct);
        await connections.ForgetAsync(alice, "a1", Ct);

        Assert.Equal(["a2", "b1"], (await connections.OfAsync([alice, bob], Ct)).Order());
        Assert.Empty(await connections.OfAsync([StoreData.NewId("u_")], Ct));
    }

    [Fact]
    public async Task AConnectionWhoseDisconnectionWasNeverReported_AgesOut_AndEachConnectRenewsTheSet()
    {
        var alice = StoreData.NewId("u_");
        await connections.TrackAsync(alice, "stale", Ct);
        clock.Advance(UserConnectionLimits.Retention / 2);
        await connections.TrackAsync(alice, "fresh", Ct);

        clock.Advance(UserConnectionLimits.Retention / 2 + TimeSpan.FromSeconds(1));

        Assert.Equal(["fresh"], await connections.OfAsync([alice], Ct));
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(RedisUserConnections.Key(alice));
        Assert.InRange(ttl!.Value, UserConnectionLimits.Retention - TimeSpan.FromMinutes(1), UserConnectionLimits.Retention);
        await connections.TrackAsync(alice, "next", Ct);
        Assert.Equal(["fresh", "next"], (await connections.OfAsync([alice], Ct)).Order());
    }
}
