namespace Chat.Core.Blocking;

using Chat.Core.Accounts;
using Chat.Core.Chats;
using Chat.Core.Errors;

/// <summary>
/// What a block does (API v1.1). While A has blocked B: in their direct chat neither can send, forward into it,
/// react or edit (403); B cannot add A to a group nor create one with A in it (403); B sees A offline with no last
/// seen and gets no presence or typing events from A. Groups they share are not affected otherwise.
/// </summary>
public static class BlockRules
{
    /// <summary>A block list this long is refused another entry (422): the list lives in the profile, read often.</summary>
    public const int MaxBlocked = 1_000;

    /// <summary>Whether a block stands between the members of this direct chat (either way).</summary>
    public static bool IsBlocked(ChatRecord chat) => chat.Type == ChatTypes.Direct && chat.BlockedBy.Count > 0;

    /// <summary>Sends, forwards, reactions and edits into a chat: refused in a direct chat with a block either way.</summary>
    public static void EnsureMayPost(ChatRecord chat)
    {
        if (IsBlocked(chat))
        {
            throw ChatErrors.Forbidden("This chat is blocked: neither member can post in it while the block stands.");
        }
    }

    /// <summary>Adding users to a group (or creating one with them): refused when any of them has blocked the caller.</summary>
    public static void EnsureMayInclude(string callerId, IEnumerable<UserAccount> users)
    {
        if (users.Any(u => u.HasBlocked(callerId)))
        {
            throw ChatErrors.Forbidden("A user who has blocked you cannot be added to a group by you.");
        }
    }

    /// <summary>The members of a direct chat of <paramref name="a"/> and <paramref name="b"/> who have blocked the other.</summary>
    public static IReadOnlyList<string> BlockersOf(UserAccount a, UserAccount b) =>
        new[] { a.HasBlocked(b.UserId) ? a.UserId : null, b.HasBlocked(a.UserId) ? b.UserId : null }.OfType<string>().ToArray();

    /// <summary>The chat with <paramref name="blockerId"/>'s block on or off; the same record when nothing changes.</summary>
    public static ChatRecord WithBlock(ChatRecord chat, string blockerId, bool blocked)
    {
        var has = chat.BlockedBy.Contains(blockerId, StringComparer.Ordinal);
        if (has == blocked)
        {
            return chat;
        }

        return chat with { BlockedBy = blocked ? [.. chat.BlockedBy, blockerId] : chat.BlockedBy.Where(id => id != blockerId).ToArray() };
    }

    /// <summary>The profile with <paramref name="userId"/> added to or removed from its block list; the same record when nothing changes.</summary>
    public static UserAccount WithBlocked(UserAccount user, string userId, bool blocked, DateTimeOffset now)
    {
        if (user.HasBlocked(userId) == blocked)
        {
            return user;
        }

        if (blocked && user.BlockList.Count >= MaxBlocked)
        {
            throw ChatErrors.Policy($"At most {MaxBlocked} users can be blocked.");
        }

        var list = blocked ? [.. user.BlockList, new BlockedUser(userId, now)] : user.BlockList.Where(b => b.UserId != userId).ToArray();
        return user with { Blocked = list.Length == 0 ? null : list };
    }
}
