namespace Chat.Core.Realtime;

using Chat.Core.Errors;
using Chat.Core.Ports;
using Microsoft.Extensions.Logging;

/// <summary>The real-time groups that track connections by login session, so revoking one session closes its
/// connections only. Chat groups are named <c>d_…</c> and <c>g_…</c> (<see cref="Common.Ids"/>): these prefixes cannot collide.</summary>
public static class SessionGroups
{
    /// <summary>The connections opened with one session's negotiate answer.</summary>
    public static string Of(string sessionId) => "session-" + sessionId;
}

/// <summary>A client connection the real-time service reports, with the session its token was issued for, if any.</summary>
public sealed record RealtimeConnection(string ConnectionId, string UserId, string? SessionId);

/// <summary>
/// What the app does when the real-time service reports a connection. Azure SignalR's serverless upstream
/// has no blocking connect event (only <c>connected</c> and <c>disconnected</c>, see concept-upstream), so a
/// revoked session's still-valid client token can open a connection: it is closed here as soon as it is reported.
/// </summary>
public sealed partial class SessionConnections(ISessionCheck sessions, IRealtime realtime, IUserConnections userConnections, ILogger<SessionConnections> logger)
{
    public const string RevokedReason = "session-revoked";

    /// <summary>Handles one reported event of the <c>connections</c> category. A closed connection leaves its groups
    /// by itself; <c>disconnected</c> only takes it off its user's connection set.</summary>
    public Task ReportedAsync(string category, string @event, RealtimeConnection connection, CancellationToken ct) =>
        (category, @event) switch
        {
            ("connections", "connected") => ConnectedAsync(connection, ct),
            ("connections", "disconnected") => DisconnectedAsync(connection, ct),
            _ => Task.CompletedTask,
        };

    /// <summary>Adds the connection to its session's group, then reads the session fresh: added first, so a
    /// revocation that lands between the two closes it through the group, and one before the read is seen by it.
    /// Cost per connection by design (not in the benchmark): 1 REST call, 1 point read and 1 Redis round trip (1 more REST call when it is closed).</summary>
    public async Task ConnectedAsync(RealtimeConnection connection, CancellationToken ct)
    {
        if (connection.SessionId is not { } sid)
        {
            // Every negotiate binds its session; a connection without one (its token or query stripped of it) could
            // never be closed by a revocation, so it is closed now (a client that negotiates again is tracked).
            LogUntracked(logger, connection.ConnectionId, connection.UserId);
            await realtime.CloseConnectionAsync(connection.ConnectionId, "no-session", ct);
            return;
        }

        if (!await realtime.AddConnectionToGroupAsync(connection.ConnectionId, SessionGroups.Of(sid), ct))
        {
            // Untracked, it would outlive its session's revocation: closed, the client reconnects and is tracked then.
            LogUntracked(logger, connection.ConnectionId, connection.UserId);
            await realtime.CloseConnectionAsync(connection.ConnectionId, "untracked", ct);
            return;
        }

        try
        {
            await sessions.EnsureActiveNowAsync(connection.UserId, sid, ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unauthorized)
        {
            LogRefused(logger, connection.ConnectionId, connection.SessionId);
            await realtime.CloseConnectionAsync(connection.ConnectionId, RevokedReason, ct);
            return;
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            // It is in its session's group: a revocation from now on still closes it.
            LogUnchecked(logger, e, connection.ConnectionId, connection.SessionId);
        }

        // Listed under its user, so the user's own signals skip it (typing); unlisted, its user may see their own typing on it.
        await UpdateConnectionSetAsync(connection, () => userConnections.TrackAsync(connection.UserId, connection.ConnectionId, ct));
    }

    /// <summary>1 Redis round trip (an entry left behind ages out).</summary>
    private Task DisconnectedAsync(RealtimeConnection connection, CancellationToken ct) =>
        UpdateConnectionSetAsync(connection, () => userConnections.ForgetAsync(connection.UserId, connection.ConnectionId, ct));

    /// <summary>Best effort: the cache being down only costs the skip of the user's own connections.</summary>
    private async Task UpdateConnectionSetAsync(RealtimeConnection connection, Func<Task> change)
    {
        try
        {
            await change();
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            LogNotListed(logger, e, connection.ConnectionId, connection.UserId);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Connection {ConnectionId} of revoked session {SessionId} closed")]
    private static partial void LogRefused(ILogger logger, string connectionId, string sessionId);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Connection {ConnectionId} of user {UserId} has no session, or could not join its session's group; closed")]
    private static partial void LogUntracked(ILogger logger, string connectionId, string userId);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Session {SessionId} of connection {ConnectionId} could not be read; the connection stays in its group")]
    private static partial void LogUnchecked(ILogger logger, Exception exception, string connectionId, string sessionId);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "The connection set of user {UserId} could not be updated for connection {ConnectionId}")]
    private static partial void LogNotListed(ILogger logger, Exception exception, string connectionId, string userId);
}
