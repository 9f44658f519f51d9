namespace Chat.Core.Ports;

/// <summary>
/// Whether a login session may still be used by its access tokens. Today an in-process cache over
/// <see cref="IUserStore"/>; a shared cache (Redis) can take its place without touching the callers.
/// </summary>
public interface ISessionCheck
{
    /// <summary>Completes when the session is active; 401 when it is revoked or gone; 503 when its
    /// state is unknown and the store cannot be read. The answer may be up to 60 s old (API.md v1.1).</summary>
    ValueTask EnsureActiveAsync(string userId, string sessionId, CancellationToken ct);

    /// <summary>As <see cref="EnsureActiveAsync"/>, but read from the store now: never a cached answer.</summary>
    Task EnsureActiveNowAsync(string userId, string sessionId, CancellationToken ct);

    /// <summary>Makes a revocation this instance just stored take effect here at once.</summary>
    void Revoked(string userId, string sessionId);
}
