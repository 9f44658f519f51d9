namespace Chat.Core.Realtime;

using Chat.Core.Errors;
using Chat.Core.Ports;

/// <summary>Connections to leave out of one group send (those of users who must not hear it).</summary>
public static class SkippedConnections
{
    /// <summary>The connections of <paramref name="userIds"/> (1 Redis round trip); null when they cannot be known (the cache
    /// is down) or are more than one send can skip (<see cref="UserConnectionLimits.MaxExcluded"/>).</summary>
    public static async Task<IReadOnlyList<string>?> SkippableAsync(this IUserConnections connections, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        try
        {
            var skipped = await connections.OfAsync(userIds, ct);
            return skipped.Count <= UserConnectionLimits.MaxExcluded ? skipped : null;
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            return null;
        }
    }
}
