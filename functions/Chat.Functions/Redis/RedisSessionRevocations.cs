namespace Chat.Functions.Redis;

using Chat.Core.Ports;
using Chat.Functions.Auth;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

/// <summary>
/// A revoked session as one key, <c>revoked:{sessionId}</c>, kept for the access-token lifetime plus the
/// validator's clock skew and a minute for clocks apart: longer than any access token of the session
/// lives (none is issued after its revocation). Record: 1 round trip (<c>SETEX key ttl 1</c>); check:
/// 1 round trip (<c>EXISTS</c>), made by each instance at most once a cache TTL per session.
/// </summary>
public sealed class RedisSessionRevocations(RedisRoundTrips redis, IOptions<AuthOptions> auth) : ISessionRevocations
{
    public const string KeyPrefix = "revoked:";

    private const string Store = "session revocation store";

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>How long a revocation is kept.</summary>
    public TimeSpan Retention => auth.Value.AccessTokenLifetime + AccessTokenValidator.ClockSkew + TimeSpan.FromMinutes(1);

    public static RedisKey Key(string sessionId) => KeyPrefix + sessionId;

    public Task RecordAsync(string sessionId, CancellationToken ct) =>
        redis.RunAsync(Store, "SETEX", RetryAfter, db => db.StringSetAsync(Key(sessionId), 1, Retention), ct);

    public Task<bool> IsRevokedAsync(string sessionId, CancellationToken ct) =>
        redis.RunAsync(Store, "EXISTS", RetryAfter, db => db.KeyExistsAsync(Key(sessionId)), ct);
}
