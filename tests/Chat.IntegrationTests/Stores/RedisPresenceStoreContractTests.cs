namespace Chat.IntegrationTests.Stores;

using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Functions.Redis;
using Chat.IntegrationTests.Infrastructure;
using Chat.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using Xunit;

/// <summary>The contract of <see cref="IPresenceStore"/>, run against <see cref="RedisPresenceStore"/> on Garnet;
/// every operation is also profiled to count its round trips.</summary>
public sealed class RedisPresenceStoreContractTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DateTimeOffset At = new(2026, 12, 1, 10, 0, 0, 123, TimeSpan.Zero);

    private readonly IConnectionMultiplexer redis;
    private readonly TestMeterFactory meters = new();
    private readonly MetricRecorder recorded;
    private readonly RedisPresenceStore store;
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private ProfilingSession session = new();

    public RedisPresenceStoreContractTests()
    {
        redis = Connect(GarnetStandIn.Shared.ConnectionString);
        redis.RegisterProfiler(() => session);
        recorded = new MetricRecorder(meters);
        store = new RedisPresenceStore(
            new RedisRoundTrips(redis, new ChatMetrics(meters)), Options.Create(new RedisOptions { ConnectionString = GarnetStandIn.Shared.ConnectionString }),
            time);
    }

    public void Dispose()
    {
        recorded.Dispose();
        meters.Dispose();
        redis.Dispose();
    }

    [Fact]
    public async Task EveryRoundTrip_IsCounted_ByStoreAndCommand()
    {
        var id = StoreData.NewId("u_");

        var (_, sent) = await ProfiledAsync(async () =>
        {
            await store.SetLastActiveAsync(id, At, Ct);
            await store.ReadAsync([id], Ct);
            await store.RememberHiddenAsync(new Dictionary<string, HiddenChoice> { [id] = new(false, 0) }, Ct);
            return 0;
        });

        var counted = recorded.Of(ChatMetrics.RedisRequests, (ChatMetrics.StoreTag, "presence store"));
        Assert.Equal(["SET GET + EXPIRE", "MGET", "SET NX"], counted.Select(m => m.Tag(ChatMetrics.OperationTag)));
        // An activity write pipelines SET GET and EXPIRE: two commands, one round trip.
        Assert.Equal(["SET", "EXPIRE", "MGET", "SET"], sent);
        Assert.Equal(3, counted.Sum(m => m.Value));
    }

    [Fact]
    public async Task Set_ThenGet_ReturnsTheTime_ToTheMillisecond()
    {
        var id = StoreData.NewId("u_");

        await store.SetLastActiveAsync(id, At, Ct);

        Assert.Equal(At, (await store.GetLastActiveAsync([id], Ct))[id]);
    }

    [Fact]
    public async Task Set_ReturnsThePreviousTime_NullTheFirstTime_AndWhetherTheChoiceIsCached_InOneRoundTrip()
    {
        var id = StoreData.NewId("u_");

        var (first, commands) = await ProfiledAsync(() => store.SetLastActiveAsync(id, At, Ct));
        await store.RememberHiddenAsync(new Dictionary<string, HiddenChoice> { [id] = new(true, 0) }, Ct);
        var second = await store.SetLastActiveAsync(id, At.AddSeconds(30), Ct);

        Assert.Equal(new ActivityWrite(null, ChoiceCached: false), first);
        Assert.Equal(new ActivityWrite(At, ChoiceCached: true), second);
        Assert.Equal(["SET", "EXPIRE"], commands); // pipelined: one round trip
        Assert.Equal(At.AddSeconds(30), (await store.GetLastActiveAsync([id], Ct))[id]);
    }

    [Fact]
    public async Task Get_100Users_IsOneMget_AndOmitsThoseNeverSeen()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => StoreData.NewId("u_")).ToArray();
        for (var i = 0; i < ids.Length; i += 2)
        {
            await store.SetLastActiveAsync(ids[i], At.AddSeconds(i), Ct);
        }

        var (found, commands) = await ProfiledAsync(() => store.GetLastActiveAsync(ids, Ct));

        Assert.Equal(["MGET"], commands);
        Assert.Equal(50, found.Count);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i % 2 == 0, found.TryGetValue(ids[i], out var at));
            Assert.Equal(i % 2 == 0 ? At.AddSeconds(i) : default, at);
        }
    }

    [Fact]
    public async Task Set_KeepsTheActivityAndTheChoiceForTheRetention_RenewedOnEveryWrite()
    {
        var id = StoreData.NewId("u_");
        var db = redis.GetDatabase();

        await store.SetLastActiveAsync(id, At, Ct);
        await store.RememberHiddenAsync(new Dictionary<string, HiddenChoice> { [id] = new(false, 0) }, Ct);
        await db.KeyExpireAsync(RedisPresenceStore.Key(id), TimeSpan.FromDays(1));
        await db.KeyExpireAsync(RedisPresenceStore.HiddenKey(id), TimeSpan.FromDays(1));
        await store.SetLastActiveAsync(id, At.AddMinutes(1), Ct);

        foreach (var key in new[] { RedisPresenceStore.Key(id), RedisPresenceStore.HiddenKey(id) })
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        }
    }

    [Fact]
    public async Task NothingListening_IsUnavailable_WithinTheBudget()
    {
        var deadPort = Ports.Free();
        using var dead = Connect($"127.0.0.1:{deadPort}", waitConnected: false);
        var unreachable = new RedisPresenceStore(RoundTrips(dead), Options.Create(new RedisOptions { ConnectionString = $"127.0.0.1:{deadPort}" }), TimeProvider.System);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var read = await Assert.ThrowsAsync<ChatException>(() => unreachable.GetLastActiveAsync(["u_1"], Ct));
        var write = await Assert.ThrowsAsync<ChatException>(() => unreachable.SetLastActiveAsync("u_1", At, Ct));

        Assert.Equal((ErrorKind.Unavailable, ErrorKind.Unavailable), (read.Kind, write.Kind));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Read_ReturnsActivityAndCachedHidingChoices_InOneMget_MissingChoicesStayMissing()
    {
        string seen = StoreData.NewId("u_"), hiding = StoreData.NewId("u_"), unknown = StoreData.NewId("u_");
        await store.SetLastActiveAsync(seen, At, Ct);
        await store.SetLastActiveAsync(hiding, At, Ct);
        await store.RememberHiddenAsync(new Dictionary<string, HiddenChoice> { [seen] = new(false, 0), [hiding] = new(true, 0) }, Ct);

        var (read, commands) = await ProfiledAsync(() => store.ReadAsync([seen, hiding, unknown], Ct));

        Assert.Equal(["MGET"], commands);
        Assert.Equal(new[] { seen, hiding }.Order(), read.LastActive.Keys.Order());
        Assert.Equal(At, read.LastActive[seen]);
        Assert.Equal(new Dictionary<string, bool> { [seen] = false, [hiding] = true }, read.Hidden.ToDictionary());
    }

    [Fact]
    public async Task SetHidden_OverwritesTheCachedChoice_ButRememberNeverDoes_AndBothLastAsLongAsTheActivity()
    {
        var id = StoreData.NewId("u_");
        await store.RememberHiddenAsync(new Dictionary<string, HiddenChoice> { [id] = new(false, 0) }, Ct);

        await store.SetHiddenAsync(id, new HiddenChoice(true, 1), Ct);
        await store.RememberHiddenAsync(new Dictionary<string, HiddenChoice> { [id] = new(false, 0) }, Ct); // a reader with the old profile
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(RedisPresenceStore.HiddenKey(id));

        Assert.True((await store.ReadAsync([id], Ct)).Hidden[id]);
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
    }

    [Fact]
    public async Task SetHidden_RefusesAnOlderVersionOverANewerOne_UntilTheNewerIsSettled()
    {
        var id = StoreData.NewId("u_");
        await store.SetHiddenAsync(id, new HiddenChoice(true, 5), Ct); // a change on one device

        await store.SetHiddenAsync(id, new HiddenChoice(false, 4), Ct); // a comeback that read the profile before it
        var afterStale = (await store.ReadAsync([id], Ct)).Hidden[id];
        time.Advance(RedisPresenceStore.ChoiceSettled + TimeSpan.FromSeconds(1)); // the change's profile write never landed
        await store.SetHiddenAsync(id, new HiddenChoice(false, 4), Ct);

        Assert.True(afterStale);
        Assert.False((await store.ReadAsync([id], Ct)).Hidden[id]);
    }

    [Fact]
    public async Task SetHidden_WritesTheSameOrANewerVersion()
    {
        var id = StoreData.NewId("u_");
        await store.SetHiddenAsync(id, new HiddenChoice(true, 2), Ct);
        await store.SetHiddenAsync(id, new HiddenChoice(false, 2), Ct);
        var same = (await store.ReadAsync([id], Ct)).Hidden[id];
        await store.SetHiddenAsync(id, new HiddenChoice(true, 3), Ct);

        Assert.False(same);
        Assert.True((await store.ReadAsync([id], Ct)).Hidden[id]);
    }

    /// <summary>The app's multiplexer; it connects in the background and fails commands fast until then, so a
    /// reachable server is waited for (a test's first command would otherwise race the connection under load).</summary>
    /// <summary>The stores' round trips over <paramref name="connection"/>, counted into a meter of their own.</summary>
    public static RedisRoundTrips RoundTrips(IConnectionMultiplexer connection) => new(connection, new ChatMetrics(new TestMeterFactory()));

    public static IConnectionMultiplexer Connect(string connectionString, bool waitConnected = true)
    {
        var services = new ServiceCollection().BuildServiceProvider();
        // A live server gets a generous command timeout: these suites check what the stores do, and the run's other
        // suites share the 2 cores (the production 1 s timed out a setup write once). Unreachable ones keep the
        // production timeout, which their tests measure.
        var options = new RedisOptions { ConnectionString = connectionString };
        if (waitConnected)
        {
            options.OperationTimeout = TimeSpan.FromSeconds(10);
        }

        var factory = new RedisConnectionFactory(Options.Create(options), services, TimeProvider.System, NullLoggerFactory.Instance);
        var multiplexer = factory.Connect();
        if (waitConnected && !SpinWait.SpinUntil(() => multiplexer.IsConnected, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("Garnet did not accept a connection within 30 s.");
        }

        return multiplexer;
    }

    /// <summary>Runs <paramref name="call"/> in a profiling session of its own and names the commands it sent.</summary>
    private async Task<(T Result, string[] Commands)> ProfiledAsync<T>(Func<Task<T>> call)
    {
        var mine = new ProfilingSession();
        session = mine;
        var result = await call();
        session = new ProfilingSession();
        return (result, mine.FinishProfiling().Select(c => c.Command).ToArray());
    }
}
