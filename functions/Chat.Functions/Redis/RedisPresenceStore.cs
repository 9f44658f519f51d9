namespace Chat.Functions.Redis;

using System.Globalization;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

/// <summary>
/// Last activity as one string key per user, <c>presence:{userId}</c> = Unix milliseconds, kept
/// <see cref="RedisOptions.LastSeenRetention"/> after the last write. A write is 1 round trip
/// (<c>SET key value EX ttl GET</c>), a read of up to 100 users 1 <c>MGET</c> (the Azure Managed Redis
/// database uses the Enterprise cluster policy, so keys of any slot may share one MGET).
/// </summary>
public sealed class RedisPresenceStore(IConnectionMultiplexer redis, IOptions<RedisOptions> options) : IPresenceStore
{
    public const string KeyPrefix = "presence:";

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> GetLastActiveAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var ids = userIds.ToArray();
        var values = await redis.RunAsync("presence store", RetryAfter, db => db.StringGetAsync(ids.Select(Key).ToArray()), ct);
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

    public async Task<DateTimeOffset?> SetLastActiveAsync(string userId, DateTimeOffset at, CancellationToken ct)
    {
        var value = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return Parse(await redis.RunAsync("presence store", RetryAfter, db => db.StringSetAndGetAsync(Key(userId), value, options.Value.LastSeenRetention), ct));
    }

    public static RedisKey Key(string userId) => KeyPrefix + userId;

    private static DateTimeOffset? Parse(RedisValue value) =>
        value.HasValue && long.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
}
