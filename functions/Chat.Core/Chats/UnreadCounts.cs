namespace Chat.Core.Chats;

/// <summary>
/// How many messages a member has not seen that can still be read: expired ones do not count. The chat's head keeps
/// when each of its last <see cref="Window"/> messages expires (<see cref="ChatRecord.RecentExpiries"/>), so the
/// count is exact for those. Older ones follow the order messages expire in (<see cref="ChatRecord.TimerFromSeq"/>):
/// once the window's oldest message has expired, so has every message of its run before it. Messages before that
/// run, and older ones while the window's oldest is live, still count (the head knows no more of them).
/// Cost: nothing read; the window adds ~14 bytes per message (~280 in all) to the head of a chat while one of its last
/// messages disappears (none otherwise).
/// </summary>
public static class UnreadCounts
{
    /// <summary>The last messages whose expiry the head keeps: more unread than this and the count may include expired ones.</summary>
    public const int Window = 20;

    /// <summary>The window once a message expiring at <paramref name="expiresAt"/> is the chat's newest (0 for one that
    /// does not expire). None while none of the last messages expires: the newest alone then gives the same count.</summary>
    public static IReadOnlyList<long> After(IReadOnlyList<long> recent, DateTimeOffset? expiresAt)
    {
        long[] next = [expiresAt?.ToUnixTimeMilliseconds() ?? 0, .. recent.Take(Window - 1)];
        return Array.TrueForAll(next, e => e == 0) ? [] : next;
    }

    /// <summary>The messages above <paramref name="seen"/> that have not expired at <paramref name="now"/>.</summary>
    public static long Of(ChatRecord chat, long seen, DateTimeOffset now)
    {
        var recent = Recent(chat);
        long unread = 0;
        for (var i = 0; i < recent.Count; i++)
        {
            if (chat.LastSeq - i <= seen)
            {
                return unread;
            }

            unread += Expired(recent[i], now) ? 0 : 1;
        }

        var oldestCovered = chat.LastSeq - recent.Count + 1;
        var olderThrough = recent.Count > 0 && Expired(recent[^1], now)
            ? Math.Min(oldestCovered - 1, chat.TimerFromSeq - 1) // its run expired up to it; what came before the run may not have
            : oldestCovered - 1;
        return unread + Math.Max(0, olderThrough - seen);
    }

    /// <summary>The head's window, newest first; for a head written without one, its newest message alone.</summary>
    private static IReadOnlyList<long> Recent(ChatRecord chat) =>
        chat.RecentExpiries.Count > 0 || chat.LastMessage is not { } newest || newest.Seq != chat.LastSeq
            ? chat.RecentExpiries
            : [newest.ExpiresAt?.ToUnixTimeMilliseconds() ?? 0];

    private static bool Expired(long expiresAt, DateTimeOffset now) => expiresAt != 0 && expiresAt <= now.ToUnixTimeMilliseconds();
}
