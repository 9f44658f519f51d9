namespace Chat.Functions.Redis;

using Chat.Core.Ports;
using StackExchange.Redis;

/// <summary>
/// Each user's open real-time connections as one sorted set, <c>connections:{userId}</c>: member the connection id,
/// score when it was reported (Unix milliseconds). Each connect drops the entries older than
/// <see cref="UserConnectionLimits.Retention"/> (a disconnection that was never reported) and renews the key for that long.
/// Costs by design (not in the benchmark): a connect 1 round trip (<c>ZADD</c>, <c>ZREMRANGEBYSCORE</c> and <c>PEXPIRE</c>, pipelined), a disconnect 1
/// (<c>ZREM</c>), a read of N users 1 (N <c>ZRANGEBYSCORE</c>, pipelined: one key each, as a cluster needs).
/// </summary>
public sealed class RedisUserConnections(RedisRoundTrips redis, TimeProvider time) : IUserConnections
{
    public const string KeyPrefix = "connections:";

    private const string Store = "connection store";

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    public static RedisKey Key(string userId) => KeyPrefix + "{" + userId + "}";

    public Task TrackAsync(string userId, string connectionId, CancellationToken ct) =>
        redis.RunAsync(
            Store,
            "ZADD",
            RetryAfter,
            async db =>
            {
                var key = Key(userId);
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                await Task.WhenAll(
                    db.SortedSetAddAsync(key, connectionId, now),
                    db.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, Oldest(now), Exclude.Stop),
                    db.KeyExpireAsync(key, UserConnectionLimits.Retention));
                return true;
            },
            ct);

    public Task ForgetAsync(string userId, string connectionId, CancellationToken ct) =>
        redis.RunAsync(Store, "ZREM", RetryAfter, db => db.SortedSetRemoveAsync(Key(userId), connectionId), ct);

    public Task<IReadOnlyList<string>> OfAsync(IReadOnlyCollection<string> userIds, CancellationToken ct) =>
        redis.RunAsync<IReadOnlyList<string>>(
            Store,
            "ZRANGEBYSCORE",
            RetryAfter,
            async db =>
            {
                var oldest = Oldest(time.GetUtcNow().ToUnixTimeMilliseconds());
                var sets = await Task.WhenAll(userIds.Select(id => db.SortedSetRangeByScoreAsync(Key(id), oldest, double.PositiveInfinity)));
                return sets.SelectMany(set => set).Select(id => id.ToString()).ToArray();
            },
            ct);

    private static double Oldest(long now) => now - UserConnectionLimits.Retention.TotalMilliseconds;
}
