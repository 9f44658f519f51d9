namespace Chat.IntegrationTests.Stores;

using Chat.Core.Errors;
using Chat.Functions.Auth;
using Chat.Functions.Redis;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using Xunit;

/// <summary>The contract of <see cref="Chat.Core.Ports.ISessionRevocations"/>, run against <see cref="RedisSessionRevocations"/> on Garnet.</summary>
public sealed class RedisSessionRevocationsContractTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly IConnectionMultiplexer redis;
    private readonly RedisSessionRevocations revocations;
    private ProfilingSession session = new();

    public RedisSessionRevocationsContractTests()
    {
        redis = RedisPresenceStoreContractTests.Connect(GarnetStandIn.Shared.ConnectionString);
        redis.RegisterProfiler(() => session);
        revocations = new RedisSessionRevocations(RedisPresenceStoreContractTests.RoundTrips(redis), Options.Create(new AuthOptions()));
    }

    public void Dispose() => redis.Dispose();

    [Fact]
    public async Task Record_ThenIsRevoked_EachOneRoundTrip_OtherSessionsUntouched()
    {
        var id = StoreData.NewId("s_");

        Assert.Equal(["EXISTS"], await ProfiledAsync(async () => Assert.False(await revocations.IsRevokedAsync(id, Ct))));
        Assert.Equal(["SETEX"], await ProfiledAsync(() => revocations.RecordAsync(id, Ct)));

        Assert.True(await revocations.IsRevokedAsync(id, Ct));
        Assert.False(await revocations.IsRevokedAsync(id + "x", Ct));
    }

    [Fact]
    public async Task Record_OutlivesEveryAccessTokenOfTheSession()
    {
        var id = StoreData.NewId("s_");

        await revocations.RecordAsync(id, Ct);

        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(RedisSessionRevocations.Key(id));
        var longest = new AuthOptions().AccessTokenLifetime + AccessTokenValidator.ClockSkew;
        Assert.InRange(ttl!.Value, longest, longest + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task NothingListening_IsUnavailable_WithinTheBudget()
    {
        var deadPort = Ports.Free();
        using var dead = RedisPresenceStoreContractTests.Connect($"127.0.0.1:{deadPort}", waitConnected: false);
        var unreachable = new RedisSessionRevocations(RedisPresenceStoreContractTests.RoundTrips(dead), Options.Create(new AuthOptions()));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var read = await Assert.ThrowsAsync<ChatException>(() => unreachable.IsRevokedAsync("s_1", Ct));
        var write = await Assert.ThrowsAsync<ChatException>(() => unreachable.RecordAsync("s_1", Ct));

        Assert.Equal((503, 503), (read.Status, write.Status));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    private async Task<string[]> ProfiledAsync(Func<Task> call)
    {
        var mine = new ProfilingSession();
        session = mine;
        await call();
        session = new ProfilingSession();
        return mine.FinishProfiling().Select(c => c.Command).ToArray();
    }
}
