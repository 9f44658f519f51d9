namespace Chat.Core.Ports;

using Chat.Core.Accounts;
using Chat.Core.Realtime;

/// <summary>
/// The real-time service (Azure SignalR Service, or the local one). One group per chat, whose
/// members are user ids, so every connection of a member is in it without a call per connection.
/// Delivery is best effort: implementations log failures and never throw.
/// </summary>
public interface IRealtime
{
    Task SendToGroupAsync(string chatId, string method, object argument, CancellationToken ct);

    Task SendToUsersAsync(IReadOnlyCollection<string> userIds, string method, object argument, CancellationToken ct);

    /// <summary>Applies membership changes; a change that cannot be applied now is retried later
    /// (through a queue) until it is, so a removed member stops receiving.</summary>
    Task ApplyAsync(IReadOnlyCollection<GroupChange> changes, CancellationToken ct);

    /// <summary>Closes the connections of one session (it was revoked): those in its group (<see cref="SessionGroups.Of"/>). The user's
    /// other sessions stay connected. A close the service does not take at once is retried (queued) until it does.</summary>
    Task CloseSessionAsync(SessionClose close, CancellationToken ct);

    /// <summary>Adds one connection to a group; false when the service did not take it (after the adapter's own retries).</summary>
    Task<bool> AddConnectionToGroupAsync(string connectionId, string group, CancellationToken ct);

    /// <summary>Closes one connection (best effort).</summary>
    Task CloseConnectionAsync(string connectionId, string reason, CancellationToken ct);

    /// <summary>The serverless negotiate answer for the user's session, valid until <paramref name="notAfter"/> at most.</summary>
    Task<NegotiateResult> NegotiateAsync(string userId, string sessionId, DateTimeOffset notAfter, CancellationToken ct);
}

/// <summary>Last activity per user (Azure Managed Redis; Garnet locally). Failures surface as
/// <c>Unavailable</c>; callers degrade to "offline, last seen unknown".</summary>
public interface IPresenceStore
{
    /// <summary>Last activity of up to 100 users in one round trip; users never seen are missing.</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset>> GetLastActiveAsync(IReadOnlyCollection<string> userIds, CancellationToken ct);

    /// <summary>Stores <paramref name="at"/> as the user's last activity and keeps their cached "hides last
    /// seen" choice as long; returns the activity it replaced and whether a choice was cached, in one round trip.</summary>
    Task<ActivityWrite> SetLastActiveAsync(string userId, DateTimeOffset at, CancellationToken ct);

    /// <summary>Last activity of up to 100 users and whichever of their "hides last seen" choices are cached,
    /// in one round trip; a choice that is not cached (never, expired, or lost with the cache) is missing.</summary>
    Task<PresenceRead> ReadAsync(IReadOnlyCollection<string> userIds, CancellationToken ct);

    /// <summary>Caches the users' "hides last seen" choices read from their profiles, as long as their last
    /// activity, where no choice is cached (a reader never overwrites the one the user's own change wrote).</summary>
    Task RememberHiddenAsync(IReadOnlyDictionary<string, HiddenChoice> choices, CancellationToken ct);

    /// <summary>Writes the choice over a cached one of the same or an older version, never over a newer one: a
    /// comeback that read the profile before a change on another device cannot undo that change.</summary>
    Task SetHiddenAsync(string userId, HiddenChoice choice, CancellationToken ct);
}

/// <summary>What an activity write found: the activity it replaced, and whether the user's choice is cached beside it.</summary>
public sealed record ActivityWrite(DateTimeOffset? Previous, bool ChoiceCached);

/// <summary>What one presence read found: last activity, and the cached choices of who hides it.</summary>
public sealed record PresenceRead(IReadOnlyDictionary<string, DateTimeOffset> LastActive, IReadOnlyDictionary<string, bool> Hidden);
