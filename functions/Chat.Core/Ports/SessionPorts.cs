namespace Chat.Core.Ports;

/// <summary>
/// Whether a login session may still be used by its access tokens: a per-instance cache over the
/// revocations every instance shares (<see cref="ISessionRevocations"/>), and <see cref="IUserStore"/> for fresh reads.
/// </summary>
public interface ISessionCheck
{
    /// <summary>Completes when the session is active; 401 when it is revoked or gone; 503 when its
    /// state is unknown and the store cannot be read. The answer may be up to 60 s old (API.md v1.1).</summary>
    ValueTask EnsureActiveAsync(string userId, string sessionId, CancellationToken ct);

    /// <summary>As <see cref="EnsureActiveAsync"/>, but read from the store now: never a cached answer.</summary>
    Task EnsureActiveNowAsync(string userId, string sessionId, CancellationToken ct);

    /// <summary>Makes a revocation this instance just stored take effect here at once, and on every
    /// instance within the cache TTL; 503 when it cannot be shared (the caller's retry shares it).</summary>
    Task RevokedAsync(string userId, string sessionId, CancellationToken ct);
}

/// <summary>Revoked sessions, shared by every instance, kept as long as any access token of theirs may be valid.</summary>
public interface ISessionRevocations
{
    /// <summary>Records the revocation; 503 when the store cannot be written.</summary>
    Task RecordAsync(string sessionId, CancellationToken ct);

    /// <summary>Whether the session was revoked; 503 when the store cannot answer.</summary>
    Task<bool> IsRevokedAsync(string sessionId, CancellationToken ct);
}
