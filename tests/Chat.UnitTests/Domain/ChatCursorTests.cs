namespace Chat.UnitTests.Domain;

using System.Text;
using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.UnitTests.TestData;

public sealed class ChatCursorTests
{
    [Fact]
    public void Format_ThenParse_RoundTrips()
    {
        var entry = new ChatListEntry("g_abc", TestClock.Start.ToUniversalTime().AddTicks(12345));

        var position = ChatCursor.Parse(ChatCursor.Format(new ChatListCursor(entry)));

        Assert.Equal(new ChatListCursor(entry), position);
    }

    [Fact]
    public void Format_ThenParse_KeepsThePinAndTheSnapshot()
    {
        var cursor = new ChatListCursor(new ChatListEntry("g_abc", TestClock.Start, Pinned: true), "0f3a9c");

        Assert.Equal(cursor, ChatCursor.Parse(ChatCursor.Format(cursor)));
    }

    [Fact]
    public void Parse_ASnapshotThatIsNoId_Is400()
    {
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes("a|1|g_x|../other"));

        Assert.Equal(400, Assert.Throws<ChatException>(() => ChatCursor.Parse(cursor)).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Parse_NoCursor_IsNull(string? cursor)
    {
        Assert.Null(ChatCursor.Parse(cursor));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("bm8tc2VwYXJhdG9y")] // "no-separator"
    [InlineData("YWJjfGdfeA==")] // "abc|g_x"
    [InlineData("LTF8Z194")] // "-1|g_x"
    public void Parse_BadCursor_Is400(string cursor)
    {
        var error = Assert.Throws<ChatException>(() => ChatCursor.Parse(cursor));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("cursor"));
    }

    [Fact]
    public void Parse_TickCountOverflowingLong_Is400()
    {
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes("99999999999999999999|g_x"));

        var error = Assert.Throws<ChatException>(() => ChatCursor.Parse(cursor));

        Assert.Equal(400, error.Status);
    }
}
