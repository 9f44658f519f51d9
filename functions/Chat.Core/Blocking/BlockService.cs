namespace Chat.Core.Blocking;

using Chat.Core.Accounts;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Presence;

/// <summary>
/// The caller's block list (API v1.1). A block is kept where each path that obeys it already reads: the blocker's
/// profile (group adds and creations read the profiles of the users they add), a marker in the blocked user's partition
/// (their contacts query, which every presence read makes, leaves the blocker out), and the direct chat's metadata (every
/// send reads it; it also decides who is in the blocker's presence group, which announcements go to). So a block adds no
/// request to a send, a presence read or an announcement. Both changes are idempotent and write in an order that a retry completes.
/// </summary>
public sealed class BlockService(IUserStore users, ChatService chats, PresenceService presence, TimeProvider time)
{
    /// <summary>Cost by design (not in the benchmark): 1 point read of the user, 1 read and 1 replace of the caller's profile,
    /// 1 upsert of the marker, 1 point read of the direct chat's head and, when it exists and changes, 1 batch replace and 1 REST call.</summary>
    public async Task BlockAsync(string callerId, string userId, CancellationToken ct)
    {
        EnsureOther(callerId, userId);
        if (await users.GetAsync(userId, ct) is null)
        {
            throw ChatErrors.NotFound("user");
        }

        await ChangeProfileAsync(callerId, userId, blocked: true, ct);
        await users.SetBlockedByAsync(userId, callerId, blocked: true, ct);
        await chats.SetBlockAsync(callerId, userId, blocked: true, ct);
    }

    /// <summary>The reverse of <see cref="BlockAsync"/>, in the same order (the profile first, which a direct chat being created
    /// reads again once it exists, so neither change can be lost to that race); a user who was not blocked changes nothing.</summary>
    public async Task UnblockAsync(string callerId, string userId, CancellationToken ct)
    {
        EnsureOther(callerId, userId);
        await ChangeProfileAsync(callerId, userId, blocked: false, ct);
        await users.SetBlockedByAsync(userId, callerId, blocked: false, ct);
        await chats.SetBlockAsync(callerId, userId, blocked: false, ct);
    }

    /// <summary>The users the caller has blocked, oldest block first. Cost: 1 point read of the profile, 1 point read per
    /// blocked user, and the presence read of <see cref="PresenceService.ResolveAsync"/>.</summary>
    public async Task<IReadOnlyList<UserView>> ListAsync(string callerId, CancellationToken ct)
    {
        var me = await users.GetAsync(callerId, ct) ?? throw ChatErrors.Unauthorized("The account no longer exists.");
        var profiles = (await users.GetManyAsync(me.Value.BlockList.Select(b => b.UserId).ToArray(), ct)).ToDictionary(p => p.UserId, StringComparer.Ordinal);
        var listed = me.Value.BlockList.Where(b => profiles.ContainsKey(b.UserId)).Select(b => profiles[b.UserId]).ToArray();
        var shown = await presence.ResolveAsync(callerId, listed, ct);
        return listed.Select(p => UserViews.Public(p, shown[p.UserId].Online, shown[p.UserId].LastSeen)).ToArray();
    }

    private static void EnsureOther(string callerId, string userId)
    {
        if (!Ids.IsWellFormed(userId))
        {
            throw ChatErrors.NotFound("user");
        }

        if (userId == callerId)
        {
            throw ChatErrors.Invalid("userId", "must be another user.");
        }
    }

    private async Task ChangeProfileAsync(string callerId, string userId, bool blocked, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await users.GetAsync(callerId, ct) ?? throw ChatErrors.Unauthorized("The account no longer exists.");
            var changed = BlockRules.WithBlocked(stored.Value, userId, blocked, time.GetUtcNow());
            if (ReferenceEquals(changed, stored.Value) || await users.TryReplaceAsync(changed, stored.ETag, ct))
            {
                return;
            }

            await Backoff.Contention.PauseAsync(attempt, "user store (contention)", ct);
        }
    }
}
