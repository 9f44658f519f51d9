namespace Chat.Core.Realtime;

using Chat.Core.Ports;

/// <summary>Real-time access for a caller whose session is active by a fresh read, so a revoked
/// session cannot reopen a connection even while an instance's cache still says it is active.</summary>
public sealed class NegotiateService(ISessionCheck sessions, IRealtime realtime)
{
    /// <summary>Cost: one point read (the session); the negotiate answer itself calls nothing.</summary>
    public async Task<NegotiateResult> NegotiateAsync(string userId, string sessionId, DateTimeOffset notAfter, CancellationToken ct)
    {
        await sessions.EnsureActiveNowAsync(userId, sessionId, ct);
        return await realtime.NegotiateAsync(userId, sessionId, notAfter, ct);
    }
}
