namespace Chat.Core.Ports;

using Chat.Core.Accounts;
using Chat.Core.Realtime;

/// <summary>
/// The real-time service (Azure SignalR Service, or the local one). One group per chat, and one per user that hears their
/// presence (<see cref="PresenceGroups"/>), whose members are user ids, so every connection of a member is in it without a
/// call per connection.
/// Delivery is best effort: implementations log failures and never throw.
/// </summary>
public interface IRealtime
{
    /// <summary>One send to a group: a chat's (its id) or another one (<see cref="PresenceGroups"/>).</summary>
    Task SendToGroupAsync(string group, string method, object argument, CancellationToken ct);

    /// <summary>One send to the chat's group that skips the given connections (at most
    /// <see cref="UserConnectionLimits.MaxExcluded"/> of them; the service takes them as query parameters).</summary>
    Task SendToGroupExceptAsync(string group, IReadOnlyCollection<string> excludedConnections, string method, object argument, CancellationToken ct);

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

/// <summary>The open real-time connections of each user, as the service reports them (its upstream's <c>connected</c> and
/// <c>disconnected</c> events), so one group send can skip some users' connections. An entry whose disconnection was
/// never reported ages out (<see cref="UserConnectionLimits.Retention"/>); failures surface as <c>Unavailable</c>.</summary>
public interface IUserConnections
{
    Task TrackAsync(string userId, string connectionId, CancellationToken ct);

    Task ForgetAsync(string userId, string connectionId, CancellationToken ct);

    /// <summary>The listed connections of these users, in 1 round trip.</summary>
    Task<IReadOnlyList<string>> OfAsync(IReadOnlyCollection<string> userIds, CancellationToken ct);
}

/// <summary>Bounds of the per-user connection sets.</summary>
public static class UserConnectionLimits
{
    /// <summary>How long a connection stays listed after it was reported; each connect of the user renews the set. A
    /// connection open longer is no longer skipped, so its user may see their own typing signal.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    /// <summary>The most connections one send skips (query parameters of one request).</summary>
    public const int MaxExcluded = 64;
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
