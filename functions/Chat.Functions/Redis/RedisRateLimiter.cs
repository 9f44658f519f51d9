namespace Chat.Functions.Redis;

using System.Security.Cryptography;
using System.Text;
using Chat.Core.Common;
using Chat.Core.Errors;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

/// <summary>
/// Fixed-window counters in Redis, shared by every instance: key <c>limit:{name}:{key}</c> holds the
/// count, and expires with its window (set on its first use, Redis's clock). Cost: 1 Redis round trip
/// per limit check (one script that reads or counts and returns the count and the window's time left).
/// When Redis cannot answer within the connection's budget, a <see cref="RateLimit.FailOpen"/> limit
/// lets the call through and every other one refuses it with 503, so an outage never unthrottles a login.
/// </summary>
public sealed partial class RedisRateLimiter(RedisRoundTrips redis, ChatMetrics metrics, TimeProvider time, ILogger<RedisRateLimiter> logger) : IRateLimiter
{
    public const string KeyPrefix = "limit:";

    /// <summary>Keys longer than this are hashed, so no input sizes a Redis key.</summary>
    public const int MaxKeyLength = 128;

    private const string Store = "rate-limit store";

    private static readonly TimeSpan RetryAfterUnavailable = TimeSpan.FromSeconds(5);

    /// <summary>One warning per this interval while Redis is down, not one per request.</summary>
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    // @mode "try" counts @uses when they fit under the limit, "record" always (one), "peek" never, "release" takes one
    // back from a count above zero (DECRBY keeps the window's expiry; no counter, nothing to take back); the first count starts the window
    // (PTTL -1: a counter without expiry, given one by SET PX; -2: the window ended while the script ran, so nothing counts).
    // SET PX, not PEXPIRE: Garnet 2.2.8 answers a PEXPIRE that races the key's expiry with a malformed
    // reply (tools/README.md). Returns {counted 0|1, count, ms left in the window}.
    private static readonly LuaScript Script = LuaScript.Prepare(
        """
        local count = tonumber(redis.call('GET', @key) or '0')
        local counted = 0
        if @mode == 'record' or (@mode == 'try' and count + tonumber(@uses) <= tonumber(@permits)) then
          count = redis.call('INCRBY', @key, @uses)
          counted = 1
        elseif @mode == 'release' and count > 0 then
          count = redis.call('DECRBY', @key, @uses)
          counted = 1
        end
        local left = redis.call('PTTL', @key)
        if left == -1 then
          redis.call('SET', @key, count, 'PX', @window)
          left = tonumber(@window)
        elseif left < 0 then
          count = 0
          left = 0
        end
        return {counted, count, left}
        """);

    private long nextWarningTicks;

    public ValueTask AcquireAsync(RateLimit limit, string key, CancellationToken ct) => AcquireAsync(limit, key, 1, ct);

    public async ValueTask AcquireAsync(RateLimit limit, string key, int uses, CancellationToken ct)
    {
        if (await RunAsync(limit, key, "try", ct, uses) is { Counted: false } window)
        {
            throw ChatErrors.RateLimited(RetryAfter(window.Left));
        }
    }

    public async ValueTask<bool> TryAcquireAsync(RateLimit limit, string key, CancellationToken ct) =>
        await RunAsync(limit, key, "try", ct) is not { Counted: false };

    public async ValueTask ThrowIfExhaustedAsync(RateLimit limit, string key, CancellationToken ct)
    {
        if (await RunAsync(limit, key, "peek", ct) is { } window && window.Count >= limit.Permits)
        {
            throw ChatErrors.RateLimited(RetryAfter(window.Left));
        }
    }

    public async ValueTask RecordAsync(RateLimit limit, string key, CancellationToken ct) => await RunAsync(limit, key, "record", ct);

    /// <summary>Gives one use back; when Redis cannot answer, the use stays spent (logged like any store failure).</summary>
    public async ValueTask ReleaseAsync(RateLimit limit, string key, CancellationToken ct)
    {
        try
        {
            await RunAsync(limit with { FailOpen = true }, key, "release", ct);
        }
        catch (OperationCanceledException)
        {
            // the caller went away; the use stays spent
        }
    }

    /// <summary>The Redis key of a limit's counter; a long key becomes its SHA-256 (hex).</summary>
    public static RedisKey Key(RateLimit limit, string key)
    {
        var full = KeyPrefix + limit.Name + ":" + key;
        return full.Length <= MaxKeyLength ? full : KeyPrefix + limit.Name + ":#" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    private static TimeSpan RetryAfter(long leftMs) => TimeSpan.FromMilliseconds(Math.Max(1000, leftMs));

    /// <summary>The window after the script ran, or null when Redis could not answer and the limit fails open.</summary>
    private async Task<Window?> RunAsync(RateLimit limit, string key, string mode, CancellationToken ct, int uses = 1)
    {
        try
        {
            var result = (RedisResult[])(await redis.RunAsync(
                Store,
                "EVALSHA",
                RetryAfterUnavailable,
                db => db.ScriptEvaluateAsync(
                    Script,
                    new { key = Key(limit, key), window = (long)limit.Window.TotalMilliseconds, permits = limit.Permits, mode, uses }),
                ct))!;
            return new Window((long)result[0] == 1, (long)result[1], (long)result[2]);
        }
        catch (ChatException e) when (e.Status == 503)
        {
            metrics.RateLimitStoreFailed(limit.Name, limit.FailOpen);
            if (WarningDue())
            {
                LogStoreUnavailable(logger, e.InnerException ?? e, limit.Name, limit.FailOpen);
            }

            if (!limit.FailOpen)
            {
                throw;
            }

            return null;
        }
    }

    private bool WarningDue()
    {
        var now = time.GetUtcNow().UtcTicks;
        var due = Interlocked.Read(ref nextWarningTicks);
        return now >= due && Interlocked.CompareExchange(ref nextWarningTicks, now + WarningInterval.Ticks, due) == due;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Rate-limit store (Redis) unavailable; limit {Limit} fails open: {FailOpen} (logged at most every 10 s)")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception exception, string limit, bool failOpen);

    private readonly record struct Window(bool Counted, long Count, long Left);
}
