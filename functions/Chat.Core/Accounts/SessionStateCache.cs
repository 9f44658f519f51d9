namespace Chat.Core.Accounts;

using System.Collections.Concurrent;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>
/// Session states held per instance: "not revoked" is re-checked after <see cref="SessionCacheOptions.Ttl"/>
/// with one look-up in the shared revocations (Redis), so a revocation made anywhere is refused here
/// within the TTL without a database read per request. A revocation is final: no earlier "active"
/// answer replaces it. While the revocations cannot be read the last known state answers (an outage
/// is never a 401); with none known, 503. Fresh reads (negotiate) go to the user store.
/// </summary>
public sealed partial class SessionStateCache(
    IUserStore users, ISessionRevocations revocations, IOptions<SessionCacheOptions> options, TimeProvider time, ILogger<SessionStateCache> logger) : ISessionCheck
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(string UserId, string SessionId), State> states = new();
    private readonly Lock shrinking = new();
    private int count;
    private long nextSweepTicks;

    /// <summary>How many session states this instance holds.</summary>
    public int Count => Volatile.Read(ref count);

    private SessionCacheOptions Options => options.Value;

    /// <summary>Cost while the state is fresh: one dictionary lookup and a clock read (measured: about 1.5 bare lookups); no I/O, no allocation.</summary>
    public ValueTask EnsureActiveAsync(string userId, string sessionId, CancellationToken ct)
    {
        if (states.TryGetValue((userId, sessionId), out var state) && (!state.Active || time.GetUtcNow() - state.ReadAt < Options.Ttl))
        {
            return state.Active ? ValueTask.CompletedTask : ValueTask.FromException(Refused());
        }

        return new ValueTask(RefreshAsync((userId, sessionId), ct));
    }

    /// <summary>Cost: one point read of the user store; its outage is a 503 here, as no cached state may answer.</summary>
    public async Task EnsureActiveNowAsync(string userId, string sessionId, CancellationToken ct)
    {
        if (!(await ReadAsync((userId, sessionId), ct)).Active)
        {
            throw Refused();
        }
    }

    /// <summary>Cost: one write to the shared revocations.</summary>
    public async Task RevokedAsync(string userId, string sessionId, CancellationToken ct)
    {
        Remember((userId, sessionId), new State(false, time.GetUtcNow()));
        await revocations.RecordAsync(sessionId, ct);
    }

    private static ChatException Refused() => ChatErrors.Unauthorized("The session has ended; log in again.");

    private async Task RefreshAsync((string UserId, string SessionId) key, CancellationToken ct)
    {
        State state;
        try
        {
            state = await ReadSharedAsync(key, ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            if (!states.TryGetValue(key, out var known))
            {
                throw ChatErrors.Unavailable("session revocation store", RetryAfter, e);
            }

            LogLastKnownState(logger, e, key.UserId, key.SessionId, known.Active);
            state = known;
        }

        if (!state.Active)
        {
            throw Refused();
        }
    }

    private async Task<State> ReadSharedAsync((string UserId, string SessionId) key, CancellationToken ct)
    {
        // Stamped before the read: a state is never older than its stamp says.
        var readAt = time.GetUtcNow();
        var revoked = await revocations.IsRevokedAsync(key.SessionId, ct);
        return Remember(key, new State(!revoked, readAt));
    }

    private async Task<State> ReadAsync((string UserId, string SessionId) key, CancellationToken ct)
    {
        // Stamped before the read: a state is never older than its stamp says.
        var readAt = time.GetUtcNow();
        var stored = await users.GetSessionAsync(key.UserId, key.SessionId, ct);
        if (stored is null)
        {
            // Refused, but not remembered as revoked: a replica that lags may not have a new session yet.
            Forget(key);
            return new State(false, readAt);
        }

        return Remember(key, new State(!stored.Value.Revoked, readAt));
    }

    private State Remember((string UserId, string SessionId) key, State state)
    {
        SweepIfDue(state.ReadAt);
        while (true)
        {
            if (states.TryGetValue(key, out var known))
            {
                // A revocation is final, and an older read never replaces a newer one.
                if (!known.Active || (state.Active && known.ReadAt > state.ReadAt))
                {
                    return known;
                }

                if (states.TryUpdate(key, state, known))
                {
                    return state;
                }
            }
            else
            {
                if (Count >= Options.MaxEntries)
                {
                    Shrink(state.ReadAt);
                }

                if (states.TryAdd(key, state))
                {
                    Interlocked.Increment(ref count);
                    return state;
                }
            }
        }
    }

    private void Forget((string UserId, string SessionId) key)
    {
        if (states.TryGetValue(key, out var known) && known.Active)
        {
            Remove(key, known);
        }
    }

    /// <summary>At most once a TTL, drops the states unrefreshed for longer than the retention (O(n), off the fresh path).</summary>
    private void SweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref nextSweepTicks);
        if (now.UtcTicks >= due && Interlocked.CompareExchange(ref nextSweepTicks, (now + Options.Ttl).UtcTicks, due) == due)
        {
            RemoveOlderThan(now - Options.Retention);
        }
    }

    /// <summary>At the size cap: sweeps, then drops the least recently read tenth.</summary>
    private void Shrink(DateTimeOffset now)
    {
        if (!shrinking.TryEnter())
        {
            return;
        }

        try
        {
            RemoveOlderThan(now - Options.Retention);
            var excess = Count - (Options.MaxEntries - (Options.MaxEntries / 10));
            if (excess > 0)
            {
                foreach (var (key, state) in states.OrderBy(p => p.Value.ReadAt).Take(excess).ToArray())
                {
                    Remove(key, state);
                }
            }
        }
        finally
        {
            shrinking.Exit();
        }
    }

    private void RemoveOlderThan(DateTimeOffset cutoff)
    {
        foreach (var (key, state) in states)
        {
            if (state.ReadAt < cutoff)
            {
                Remove(key, state);
            }
        }
    }

    private void Remove((string UserId, string SessionId) key, State state)
    {
        if (states.TryRemove(KeyValuePair.Create(key, state)))
        {
            Interlocked.Decrement(ref count);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Session revocations unreadable; session {SessionId} of user {UserId} keeps its last known state (active: {Active})")]
    private static partial void LogLastKnownState(ILogger logger, Exception exception, string userId, string sessionId, bool active);

    private sealed record State(bool Active, DateTimeOffset ReadAt);
}
