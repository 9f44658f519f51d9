namespace Chat.Core.Chats;

using System.Globalization;
using System.Text;
using Chat.Core.Errors;
using Chat.Core.Ports;

/// <summary>Opaque cursor of the chat list: the (pinned, last activity, chat id) of the last chat returned, and the
/// snapshot of the order the next pages read.</summary>
public static class ChatCursor
{
    private const int MaxSnapshotLength = 32;

    public static string Format(ChatListCursor cursor) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(
            (cursor.Last.Pinned ? "p|" : "a|") + cursor.Last.ActivityAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + cursor.Last.ChatId
            + (cursor.Snapshot is null ? string.Empty : "|" + cursor.Snapshot)));

    public static ChatListCursor? Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            var parts = text.StartsWith("p|", StringComparison.Ordinal) || text.StartsWith("a|", StringComparison.Ordinal)
                ? text.Split('|', 4)
                : ["a", .. text.Split('|', 2)]; // a cursor from before pinning: "ticks|chatId"
            var last = new ChatListEntry(parts[2], new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero), Pinned: parts[0] == "p");
            return new ChatListCursor(last, parts.Length == 4 ? Snapshot(parts[3]) : null);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            throw ChatErrors.Invalid("cursor", "is not a cursor this API returned.");
        }
    }

    private static string Snapshot(string text) =>
        text.Length is > 0 and <= MaxSnapshotLength && text.All(char.IsAsciiLetterOrDigit) ? text : throw new FormatException("not a snapshot id");
}
