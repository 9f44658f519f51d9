namespace Chat.UnitTests.TestData;

using Chat.Core.Ports;

/// <summary>The shared revocations in memory, counting look-ups; <see cref="Failure"/> makes every call fail with it.</summary>
public sealed class FakeSessionRevocations : ISessionRevocations
{
    private readonly HashSet<string> revoked = new(StringComparer.Ordinal);

    public Exception? Failure { get; set; }

    public int Lookups { get; private set; }

    /// <summary>When set, the next look-up waits for it (a read in flight).</summary>
    public TaskCompletionSource<bool>? Pending { get; set; }

    public Task RecordAsync(string sessionId, CancellationToken ct)
    {
        if (Failure is not null)
        {
            return Task.FromException(Failure);
        }

        revoked.Add(sessionId);
        return Task.CompletedTask;
    }

    public Task<bool> IsRevokedAsync(string sessionId, CancellationToken ct)
    {
        Lookups++;
        if (Pending is { } pending)
        {
            Pending = null;
            return pending.Task;
        }

        return Failure is not null ? Task.FromException<bool>(Failure) : Task.FromResult(revoked.Contains(sessionId));
    }

    /// <summary>Another instance revokes the session.</summary>
    public void RevokeElsewhere(string sessionId) => revoked.Add(sessionId);

    public bool Contains(string sessionId) => revoked.Contains(sessionId);
}
