namespace Chat.Core.Presence;

using System.Collections.Concurrent;
using Chat.Core.Accounts;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Microsoft.Extensions.Logging;

public sealed record PresenceView(string UserId, bool Online, DateTimeOffset? LastSeen);

/// <summary>
/// Online means activity within the last 60 s. Each instance writes a user's activity at most once
/// per <see cref="CoalesceWindow"/> (1 Redis round trip that also returns the previous time, no
/// Cosmos request), and chat partners hear a <c>presence</c> event when a user comes back after 60 s
/// or more. When the presence store is unavailable, users read as offline with last seen unknown.
/// </summary>
public sealed partial class PresenceService(
    IPresenceStore store, IUserStore users, IRealtime realtime, IUserConnections connections, TimeProvider time, ILogger<PresenceService> logger)
{
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromSeconds(60);

    /// <summary>Skipping writes within 5 s of this instance's last one makes "online" end at most 5 s early.</summary>
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, DateTimeOffset> written = new(StringComparer.Ordinal);

    /// <summary>Notes activity of <paramref name="userId"/>. Cost: nothing within the coalesce window,
    /// else 1 Redis round trip and 0 Cosmos requests (plus the announcement on coming back); only when
    /// the user's "hides last seen" choice is not cached (first activity in 30 days, a lost cache) 1 profile
    /// read and 1 Redis write more, so presence reads find it beside the activity.</summary>
    public async Task RecordActivityAsync(string userId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (written.TryGetValue(userId, out var last) && now >= last && now - last < CoalesceWindow)
        {
            return;
        }

        written[userId] = now;
        if (written.Count > 100_000)
        {
            written.Clear(); // bounded memory; the worst case is one extra write per user
        }

        var write = await store.SetLastActiveAsync(userId, now, ct);
        if (write.Previous is not { } previous || now - previous >= OnlineWindow)
        {
            await AnnounceAsync(userId, now, ct); // reads the profile, and writes its choice to the cache
        }
        else if (!write.ChoiceCached)
        {
            await HiddenAsync([userId], new Dictionary<string, bool>(), ct); // reads the profile, caches the choice
        }
    }

    public bool IsOnline(DateTimeOffset? lastActive) => lastActive is { } at && time.GetUtcNow() - at < OnlineWindow;

    /// <summary>Presence of up to 100 users, as the caller may see it. Cost: 1 Cosmos query (the caller's
    /// contacts, from their chat list) and 1 Redis MGET (activity and the "hides last seen" choices, which
    /// every activity write keeps beside it); a user with no activity needs no choice (offline, last seen
    /// unknown either way), and only one whose choice was lost from the cache costs a profile read.</summary>
    public async Task<IReadOnlyList<PresenceView>> GetAsync(string callerId, IReadOnlyList<string> userIds, CancellationToken ct)
    {
        new Validator()
            .When(userIds.Count is 0 or > 100, "userIds", "must name 1..100 users.")
            .When(userIds.Any(id => !Ids.IsWellFormed(id)), "userIds", "must be user ids.")
            .ThrowIfInvalid();
        var ids = userIds.Distinct(StringComparer.Ordinal).ToArray();
        var contacts = await users.ListContactsAsync(callerId, ct);
        var asked = ids.Where(contacts.Contains).ToArray();
        var read = await ReadPresenceAsync(asked, ct);
        var hidden = await HiddenAsync(asked.Where(read.LastActive.ContainsKey).ToArray(), read.Hidden, ct);
        return ids.Select(id => asked.Contains(id) && !hidden.Contains(id) && read.LastActive.TryGetValue(id, out var at)
            ? new PresenceView(id, IsOnline(at), at)
            : new PresenceView(id, false, null)).ToArray();
    }

    /// <summary>Writes the user's own "hides last seen" choice into the cache beside their presence, over
    /// whatever a reader cached (readers never overwrite it).</summary>
    public Task SetVisibilityAsync(string userId, HiddenChoice choice, CancellationToken ct) => store.SetHiddenAsync(userId, choice, ct);

    /// <summary>Which of the users hide their last seen: the cached choices, and the profiles of the others.</summary>
    private async Task<IReadOnlySet<string>> HiddenAsync(IReadOnlyCollection<string> userIds, IReadOnlyDictionary<string, bool> cached, CancellationToken ct)
    {
        var unknown = userIds.Where(id => !cached.ContainsKey(id)).ToArray();
        var hidden = cached.Where(c => c.Value).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        if (unknown.Length == 0)
        {
            return hidden;
        }

        var profiles = await users.GetManyAsync(unknown, ct);
        var choices = profiles.ToDictionary(p => p.UserId, p => p.LastSeenChoice(), StringComparer.Ordinal);
        hidden.UnionWith(choices.Where(c => c.Value.Hidden).Select(c => c.Key));
        hidden.UnionWith(unknown.Where(id => !choices.ContainsKey(id))); // no profile: nothing to show
        try
        {
            await store.RememberHiddenAsync(choices, ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            LogPresenceUnavailable(logger, e, choices.Count);
        }

        return hidden;
    }

    /// <summary>1 MGET, or nothing known when the store is unavailable (everyone offline, last seen unknown).</summary>
    private async Task<PresenceRead> ReadPresenceAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        try
        {
            return await store.ReadAsync(userIds, ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            LogPresenceUnavailable(logger, e, userIds.Count);
            return new PresenceRead(new Dictionary<string, DateTimeOffset>(), userIds.ToDictionary(id => id, _ => true, StringComparer.Ordinal));
        }
    }

    /// <summary>Presence of the given users as the caller may see it: only chat partners who do not hide it.</summary>
    public async Task<IReadOnlyDictionary<string, PresenceView>> ResolveAsync(string callerId, IReadOnlyCollection<UserAccount> profiles, CancellationToken ct)
    {
        var contacts = await ContactsAsync(callerId, ct);
        var visible = profiles.Where(p => contacts.Contains(p.UserId) && p.LastSeenVisibility != LastSeenVisibility.Nobody).Select(p => p.UserId).ToArray();
        var activity = await ActivityAsync(visible, ct);
        return profiles.ToDictionary(
            p => p.UserId,
            p => activity.TryGetValue(p.UserId, out var at) ? new PresenceView(p.UserId, IsOnline(at), at) : new PresenceView(p.UserId, false, null),
            StringComparer.Ordinal);
    }

    /// <summary>The user as <paramref name="callerId"/> sees them, presence included when they share a chat.</summary>
    public async Task<UserView> DescribeAsync(string callerId, UserAccount user, bool withPhone, CancellationToken ct)
    {
        if (user.UserId == callerId)
        {
            DateTimeOffset? mine = (await ActivityAsync([callerId], ct)).TryGetValue(callerId, out var own) ? own : null;
            return UserViews.Self(user, IsOnline(mine), mine);
        }

        var shared = (await ContactsAsync(callerId, ct)).Contains(user.UserId);
        DateTimeOffset? lastActive = shared && (await ActivityAsync([user.UserId], ct)).TryGetValue(user.UserId, out var at) ? at : null;
        return UserViews.Public(user, IsOnline(lastActive), lastActive, withPhone);
    }

    /// <summary>Last activity of the users (1 MGET), or none when the store is unavailable: presence
    /// is best effort, so a lost Redis shows "offline, last seen unknown" rather than failing the call.</summary>
    private async Task<IReadOnlyDictionary<string, DateTimeOffset>> ActivityAsync(IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        if (userIds.Count == 0)
        {
            return new Dictionary<string, DateTimeOffset>();
        }

        try
        {
            return await store.GetLastActiveAsync(userIds, ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            LogPresenceUnavailable(logger, e, userIds.Count);
            return new Dictionary<string, DateTimeOffset>();
        }
    }

    /// <summary>Every user who shares a chat with <paramref name="userId"/> and has not blocked them: 1 query of their chat list,
    /// whose entries carry each chat's members (a membership change reaches them with the chat-list job, ~1-2 s), and of
    /// their block markers (written by the block itself, so a block hides presence at once).</summary>
    public Task<IReadOnlySet<string>> ContactsAsync(string userId, CancellationToken ct) => users.ListContactsAsync(userId, ct);

    /// <summary>Tells the user's direct-chat partners that they are online (not when they hide it, nor those they have blocked:
    /// <see cref="PresenceGroups"/>, whose connections are skipped too, so a group that a race left stale leaks nothing).
    /// Cost by design (not in the benchmark): 1 point read (profile), 1 REST call (a group send, whatever the number of partners);
    /// for a user who has blocked someone, 1 pipelined Redis round trip more (one ZRANGEBYSCORE per blocked user, at most
    /// <see cref="UserConnectionLimits.MaxExcluded"/>: the newest blocks, around which a race can leave a place wrong).</summary>
    private async Task AnnounceAsync(string userId, DateTimeOffset now, CancellationToken ct)
    {
        var profile = await users.GetAsync(userId, ct);
        if (profile is null)
        {
            return;
        }

        var choice = profile.Value.LastSeenChoice();
        await CacheChoiceAsync(userId, choice, ct);
        if (choice.Hidden)
        {
            return;
        }

        var announcement = new PresenceEvent(userId, true, now);
        var blocked = profile.Value.BlockList.TakeLast(UserConnectionLimits.MaxExcluded).Select(b => b.UserId).ToArray();
        IReadOnlyList<string>? skipped = blocked.Length == 0 ? [] : await connections.SkippableAsync(blocked, ct); // null: unknown, the group alone decides
        await (skipped is { Count: > 0 }
            ? realtime.SendToGroupExceptAsync(PresenceGroups.Of(userId), skipped, ClientMethods.Presence, announcement, ct)
            : realtime.SendToGroupAsync(PresenceGroups.Of(userId), ClientMethods.Presence, announcement, ct));
    }

    /// <summary>The cached choice lives as long as the activity, so each comeback (after 60 s idle) writes the profile's
    /// over it: one that went wrong (a write lost in a failover, a change whose other half failed) heals then. The
    /// write carries the profile's version, so a change made meanwhile on another device is never undone by it.</summary>
    private async Task CacheChoiceAsync(string userId, HiddenChoice choice, CancellationToken ct)
    {
        try
        {
            await store.SetHiddenAsync(userId, choice, ct);
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            LogPresenceUnavailable(logger, e, 1);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of {Count} users could not be read; they show as offline, last seen unknown")]
    private static partial void LogPresenceUnavailable(ILogger logger, Exception exception, int count);
}
