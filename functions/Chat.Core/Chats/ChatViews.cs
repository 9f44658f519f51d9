namespace Chat.Core.Chats;

using Chat.Core.Messages;
using Chat.Core.Ports;

public static class ChatViews
{
    /// <summary>The chat as <paramref name="viewerId"/> sees it, with their settings (pinned and archived from their
    /// list entry, <paramref name="placement"/>); without a viewer (events) no read state, no settings and no last
    /// message that any member may not see.</summary>
    public static ChatView ToView(ChatRecord chat, string? viewerId, IReadOnlyDictionary<string, ReceiptState> states, DateTimeOffset now, ChatListEntry? placement = null)
    {
        long? readSeq = null;
        long? unread = null;
        var member = viewerId is null ? null : chat.Member(viewerId);
        if (member is not null)
        {
            var state = states.GetValueOrDefault(member.UserId);
            readSeq = state?.ReadSeq ?? 0;
            var seen = Math.Max(state?.SeenSeq() ?? 0, member.JoinedAfterSeq);
            unread = UnreadCounts.Of(chat, seen, now);
        }

        // An event goes to every member at once, a late joiner included: it carries only what all of them see; never an expired message.
        var last = chat.LastMessage is { } m && (member?.Sees(m.Seq) ?? chat.AllMembersSee(m.Seq)) && !m.IsExpiredAt(now)
            ? MessageViews.ToView(m, MessageViews.Status(chat, m, states), now, replyFloor: member?.JoinedAfterSeq ?? ReplyQuotes.EveryMemberFloor(chat))
            : null;
        return new ChatView(
            chat.ChatId,
            chat.Type,
            chat.Name,
            chat.Description,
            chat.Members.Select(x => new MemberView(x.UserId, x.Role, x.JoinedAt)).ToArray(),
            last,
            chat.LastSeq,
            readSeq,
            unread,
            chat.CreatedAt,
            member is null ? null : new ChatSettingsView(member.MutedUntil, placement?.Pinned ?? false, placement?.Archived ?? false),
            chat.MessageTimer);
    }
}
