namespace Chat.Core.Chats;

using Chat.Core.Messages;

public static class ChatViews
{
    /// <summary>The chat as <paramref name="viewerId"/> sees it; without a viewer (events) no read state.</summary>
    public static ChatView ToView(ChatRecord chat, string? viewerId, IReadOnlyDictionary<string, ReceiptState> states)
    {
        long? readSeq = null;
        long? unread = null;
        var member = viewerId is null ? null : chat.Member(viewerId);
        if (member is not null)
        {
            readSeq = states.TryGetValue(member.UserId, out var s) ? s.ReadSeq : 0;
            var seen = Math.Max(Math.Max(readSeq.Value, member.JoinedAfterSeq), member.LastSentSeq);
            unread = Math.Max(0, chat.LastSeq - seen);
        }

        var last = chat.LastMessage is { } m && (member is null || m.Seq > member.JoinedAfterSeq)
            ? MessageViews.ToView(m, MessageViews.Status(chat, m, states))
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
            chat.CreatedAt);
    }
}
