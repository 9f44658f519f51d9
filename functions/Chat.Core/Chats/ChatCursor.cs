namespace Chat.Core.Chats;

using System.Globalization;
using System.Text;
using Chat.Core.Errors;
using Chat.Core.Ports;

/// <summary>Opaque cursor of the chat list: the (pinned, last activity, chat id) of the last chat returned.</summary>
public static class ChatCursor
{
    public static string Format(ChatListEntry entry) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes((entry.Pinned ? "p|" : "a|") + entry.ActivityAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + entry.ChatId));

    public static ChatListEntry? Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var parts = text.StartsWith("p|", StringComparison.Ordinal) || text.StartsWith("a|", StringComparison.Ordinal)
                ? text.Split('|', 3)
                : ["a", .. text.Split('|', 2)]; // a cursor from before pinning: "ticks|chatId"
            return new ChatListEntry(parts[2], new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero), Pinned: parts[0] == "p");
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw ChatErrors.Invalid("cursor", "is not a cursor this API returned.");
        }
    }
}
