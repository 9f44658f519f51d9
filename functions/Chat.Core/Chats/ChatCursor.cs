namespace Chat.Core.Chats;

using System.Globalization;
using System.Text;
using Chat.Core.Errors;

/// <summary>Opaque cursor of the chat list: the (last activity, chat id) of the last chat returned.</summary>
public static class ChatCursor
{
    public sealed record Position(DateTimeOffset LastActivityAt, string ChatId);

    public static string Format(ChatRecord chat) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(chat.LastActivityAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + chat.ChatId));

    public static Position? Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor)).Split('|', 2);
            return new Position(new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero), parts[1]);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw ChatErrors.Invalid("cursor", "is not a cursor this API returned.");
        }
    }

    /// <summary>True when <paramref name="chat"/> sorts after the cursor (newest activity first, then id).</summary>
    public static bool IsAfter(ChatRecord chat, Position cursor) =>
        chat.LastActivityAt < cursor.LastActivityAt
        || (chat.LastActivityAt == cursor.LastActivityAt && string.CompareOrdinal(chat.ChatId, cursor.ChatId) > 0);
}
