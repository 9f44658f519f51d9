namespace Chat.Core.Realtime;

using Chat.Core.Chats;

/// <summary>
/// Who hears a user's <c>presence</c> event: their direct-chat partners whom they have not blocked, kept as one real-time group
/// per user (of user ids, so every connection of a partner is in it), so an announcement is 1 group send whatever the number of
/// partners. Each direct chat decides both its members' places from its own data (members and <see cref="ChatRecord.BlockedBy"/>):
/// set when it is created (2 REST calls, once per pair of users) and on each block or unblock (1 REST call).
/// </summary>
public static class PresenceGroups
{
    /// <summary>The group that hears <paramref name="userId"/>'s presence.</summary>
    public static string Of(string userId) => "presence-" + userId;

    /// <summary>Each member of a direct chat in their partner's group, unless the partner has blocked them; nothing for a group chat.</summary>
    public static IReadOnlyList<GroupChange> Implied(ChatRecord chat)
    {
        if (chat.Type != ChatTypes.Direct || chat.Members.Count != 2)
        {
            return [];
        }

        var (first, second) = (chat.Members[0].UserId, chat.Members[1].UserId);
        return [Place(chat, listener: first, announcer: second), Place(chat, listener: second, announcer: first)];
    }

    private static GroupChange Place(ChatRecord chat, string listener, string announcer) =>
        new(chat.ChatId, listener, Add: !chat.BlockedBy.Contains(announcer), Group: Of(announcer));
}
