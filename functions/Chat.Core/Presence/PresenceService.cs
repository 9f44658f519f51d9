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
public sealed partial class PresenceService(IPresenceStore store, IUserStore users, IChatStore chats, IRealtime realtime, TimeProvider time, ILogger<PresenceService> logger)
{
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromSeconds(60);

    /// <summary>Skipping writes within 5 s of this instance's last one makes "online" end at most 5 s early.</summary>
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, DateTimeOffset> written = new(StringComparer.Ordinal);

    /// <summary>Notes activity of <paramref name="userId"/>. Cost: nothing within the coalesce window,
    /// else 1 Redis round trip and 0 Cosmos requests (plus the announcement on coming back).</summary>
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

        var previous = await store.SetLastActiveAsync(userId, now, ct);
        if (previous is null || now - previous.Value >= OnlineWindow)
        {
            await AnnounceAsync(userId, now, ct);
        }
    }

    public bool IsOnline(DateTimeOffset? lastActive) => lastActive is { } at && time.GetUtcNow() - at < OnlineWindow;

    /// <summary>Presence of up to 100 users, as the caller may see it. Cost: the caller's contacts
    /// (1 query + 1 point read per chat) and the profiles (1 point read per user) in Cosmos, then 1 MGET
    /// (measured: 23 requests for 19 users, 104 for 100, the caller being in 3 chats).</summary>
    public async Task<IReadOnlyList<PresenceView>> GetAsync(string callerId, IReadOnlyList<string> userIds, CancellationToken ct)
    {
        new Validator()
            .When(userIds.Count is 0 or > 100, "userIds", "must name 1..100 users.")
            .When(userIds.Any(id => !Ids.IsWellFormed(id)), "userIds", "must be user ids.")
            .ThrowIfInvalid();
        var ids = userIds.Distinct(StringComparer.Ordinal).ToArray();
        var shown = await ResolveAsync(callerId, await users.GetManyAsync(ids, ct), ct);
        return ids.Select(id => shown.GetValueOrDefault(id) ?? new PresenceView(id, false, null)).ToArray();
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

        var shared = await SharesChatAsync(callerId, user.UserId, ct);
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

    /// <summary>Every user who shares a chat with <paramref name="userId"/>.</summary>
    public async Task<HashSet<string>> ContactsAsync(string userId, CancellationToken ct)
    {
        var chatIds = await users.ListChatIdsAsync(userId, ct);
        var loaded = await Task.WhenAll(chatIds.Select(id => chats.GetAsync(id, ct)));
        return loaded.Where(c => c?.Value.Member(userId) is not null)
            .SelectMany(c => c!.Value.Members.Select(m => m.UserId))
            .Where(id => id != userId)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>2 single-partition queries (both chat indexes), then point reads of the chats they
    /// have in common until one really holds both (an index entry alone proves nothing).</summary>
    private async Task<bool> SharesChatAsync(string a, string b, CancellationToken ct)
    {
        var mine = users.ListChatIdsAsync(a, ct);
        var theirs = users.ListChatIdsAsync(b, ct);
        foreach (var chatId in (await mine).Intersect(await theirs, StringComparer.Ordinal))
        {
            var chat = await chats.GetAsync(chatId, ct);
            if (chat?.Value.Member(a) is not null && chat.Value.Member(b) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Tells the user's direct-chat partners that they are online (not when they hide it).
    /// Cost: 1 point read (profile), 1 query (chat index), 1 point read per direct chat, 1 REST call.</summary>
    private async Task AnnounceAsync(string userId, DateTimeOffset now, CancellationToken ct)
    {
        var profile = await users.GetAsync(userId, ct);
        if (profile is null || profile.Value.LastSeenVisibility == LastSeenVisibility.Nobody)
        {
            return;
        }

        var direct = (await users.ListChatIdsAsync(userId, ct)).Where(id => id.StartsWith("d_", StringComparison.Ordinal));
        var loaded = await Task.WhenAll(direct.Select(id => chats.GetAsync(id, ct)));
        var partners = loaded.Where(c => c?.Value.Type == ChatTypes.Direct && c.Value.Member(userId) is not null)
            .SelectMany(c => c!.Value.Members.Select(m => m.UserId))
            .Where(id => id != userId)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (partners.Length > 0)
        {
            await realtime.SendToUsersAsync(partners, ClientMethods.Presence, new PresenceEvent(userId, true, now), ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence of {Count} users could not be read; they show as offline, last seen unknown")]
    private static partial void LogPresenceUnavailable(ILogger logger, Exception exception, int count);
}
