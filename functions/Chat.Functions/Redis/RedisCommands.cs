namespace Chat.Functions.Redis;

using Chat.Core.Errors;
using StackExchange.Redis;

/// <summary>One Redis command of a store, with a Redis that does not answer (disconnected, timed out)
/// reported as the closed error catalog's 503.</summary>
public static class RedisCommands
{
    public static async Task<T> RunAsync<T>(this IConnectionMultiplexer redis, string store, TimeSpan retryAfter, Func<IDatabase, Task<T>> command, CancellationToken ct)
    {
        try
        {
            return await command(redis.GetDatabase()).WaitAsync(ct);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw ChatErrors.Unavailable(store, retryAfter, e);
        }
    }
}
