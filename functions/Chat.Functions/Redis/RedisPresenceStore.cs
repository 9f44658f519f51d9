namespace Chat.Functions.Redis;

using System.Globalization;
using Chat.Core.Accounts;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

/// <summary>
/// Last activity as one string key per user, <c>presence:{userId}</c> = Unix milliseconds, kept
/// <see cref="RedisOptions.LastSeenRetention"/> after the last write. A write is 1 round trip
/// (<c>SET key value EX ttl GET</c>), a read of up to 100 users 1 <c>MGET</c> (the Azure Managed Redis
/// database uses the Enterprise cluster policy, so keys of any slot may share one MGET).
/// Beside it, <c>presence-hidden:{userId}</c> caches the user's "hides last seen" choice
/// (<c>flag:version:unixMs</c>, flag "1" hidden or "0") as
/// long: every activity write renews both (pipelined, one round trip), so a presence read gets both in
/// one MGET. A choice that is missing where an activity exists (evicted, or lost with the cache) is read
/// from the profile again, never assumed. Readers only add a missing choice (<c>SET NX</c>); the user's
/// own change overwrites it.
/// </summary>
public sealed class RedisPresenceStore(RedisRoundTrips redis, IOptions<RedisOptions> options, TimeProvider time) : IPresenceStore
{
    public const string KeyPrefix = "presence:";

    public const string HiddenPrefix = "presence-hidden:";

    private const string Store = "presence store";

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>A newer choice written longer ago than this is settled: its profile write either landed (then an older
    /// version comes only from a stale read, refused by then anyway) or failed, and the profile's older one may replace it.</summary>
    public static readonly TimeSpan ChoiceSettled = TimeSpan.FromSeconds(30);

    // Refuses an older version over a newer one written after @settled (ms); returns 1 when it wrote.
    private static readonly LuaScript SetChoice = LuaScript.Prepare(
        """
        local current = redis.call('GET', @key)
        if current then
          local version, at = string.match(current, '^%d:(%d+):(%d+)$')
          if version and tonumber(version) > tonumber(@version) and tonumber(at) > tonumber(@settled) then
            return 0
          end
        end
        redis.call('SET', @key, @value, 'PX', @ttl)
        return 1
        """);

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> GetLastActiveAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var ids = userIds.ToArray();
        var values = await redis.RunAsync(Store, "MGET", RetryAfter, db => db.StringGetAsync(ids.Select(Key).ToArray()), ct);
        var found = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Length; i++)
        {
            if (Parse(values[i]) is { } at)
            {
                found[ids[i]] = at;
            }
        }

        return found;
    }

    /// <summary>1 round trip: <c>SET GET</c> of the activity and <c>EXPIRE</c> of the choice, pipelined.</summary>
    public async Task<ActivityWrite> SetLastActiveAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        var value = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var retention = options.Value.LastSeenRetention;
        return await redis.RunAsync(
            Store,
            "SET GET + EXPIRE",
            RetryAfter,
            async db =>
            {
                var previous = db.StringSetAndGetAsync(Key(userId), value, retention);
                var choice = db.KeyExpireAsync(HiddenKey(userId), retention);
                return new ActivityWrite(Parse(await previous), await choice);
            },
            ct);
    }

    /// <summary>1 MGET of both keys of every user.</summary>
    public async Task<PresenceRead> ReadAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var ids = userIds.ToArray();
        if (ids.Length == 0)
        {
            return new PresenceRead(new Dictionary<string, DateTimeOffset>(), new Dictionary<string, bool>());
        }

        var keys = ids.Select(Key).Concat(ids.Select(HiddenKey)).ToArray();
        var values = await redis.RunAsync(Store, "MGET", RetryAfter, db => db.StringGetAsync(keys), ct);
        var active = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var hidden = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Length; i++)
        {
            if (Parse(values[i]) is { } at)
            {
                active[ids[i]] = at;
            }

            if (values[ids.Length + i] is { HasValue: true } flag)
            {
                hidden[ids[i]] = ((string?)flag)?.StartsWith('1') == true;
            }
        }

        return new PresenceRead(active, hidden);
    }

    /// <summary>1 round trip (the SETs pipelined).</summary>
    public Task RememberHiddenAsync(IReadOnlyDictionary<string, HiddenChoice> choices, CancellationToken ct) =>
        redis.RunAsync(
            Store,
            "SET NX",
            RetryAfter,
            async db =>
            {
                var ttl = options.Value.LastSeenRetention;
                await Task.WhenAll(choices.Select(c => db.StringSetAsync(HiddenKey(c.Key), Value(c.Value), ttl, When.NotExists)));
                return true;
            },
            ct);

    /// <summary>1 round trip (<c>EVALSHA</c>).</summary>
    public Task SetHiddenAsync(string userId, HiddenChoice choice, CancellationToken ct) =>
        redis.RunAsync(
            Store,
            "EVALSHA",
            RetryAfter,
            db => db.ScriptEvaluateAsync(
                SetChoice,
                new
                {
                    key = HiddenKey(userId),
                    value = Value(choice),
                    version = choice.Version,
                    settled = (time.GetUtcNow() - ChoiceSettled).ToUnixTimeMilliseconds(),
                    ttl = (long)options.Value.LastSeenRetention.TotalMilliseconds,
                }),
            ct);

    public static RedisKey Key(string userId) => KeyPrefix + userId;

    public static RedisKey HiddenKey(string userId) => HiddenPrefix + userId;

    private string Value(HiddenChoice choice) =>
        string.Create(CultureInfo.InvariantCulture, $"{(choice.Hidden ? 1 : 0)}:{choice.Version}:{time.GetUtcNow().ToUnixTimeMilliseconds()}");

    private static DateTimeOffset? Parse(RedisValue value) =>
        value.HasValue && long.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
}
