namespace Chat.Functions.Redis;

using Chat.Core.Common;
using Chat.Core.Errors;
using StackExchange.Redis;

/// <summary>
/// Every round trip the stores make to Redis (one command, or one pipelined batch of commands): counted
/// as <see cref="ChatMetrics.RedisRequests"/> by store and command, and a Redis that does not answer
/// (disconnected, timed out) reported as the closed error catalog's 503.
/// </summary>
public sealed class RedisRoundTrips(IConnectionMultiplexer redis, ChatMetrics metrics)
{
    /// <param name="store">What the caller stores, for the 503's detail and the metric (a closed set).</param>
    /// <param name="command">The Redis command the round trip carries (a closed set).</param>
    public async Task<T> RunAsync<T>(string store, string command, TimeSpan retryAfter, Func<IDatabase, Task<T>> call, CancellationToken ct)
    {
        metrics.RedisRequest(store, command);
        try
        {
            return await call(redis.GetDatabase()).WaitAsync(ct);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw ChatErrors.Unavailable(store, retryAfter, e);
        }
    }
}
