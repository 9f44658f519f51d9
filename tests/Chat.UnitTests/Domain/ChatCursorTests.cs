namespace Chat.UnitTests.Domain;

using System.Text;
using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.UnitTests.TestData;

public sealed class ChatCursorTests
{
    [Fact]
    public void Format_ThenParse_RoundTrips()
    {
        var chat = ChatBuilder.Group("g_abc").WithMember("a").Build() with { LastActivityAt = TestClock.Start.AddTicks(12345) };

        var position = ChatCursor.Parse(ChatCursor.Format(chat));

        Assert.NotNull(position);
        Assert.Equal(chat.LastActivityAt, position.LastActivityAt);
        Assert.Equal("g_abc", position.ChatId);
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

    [Fact]
    public void IsAfter_OrdersByActivityDescendingThenId()
    {
        var cursor = new ChatCursor.Position(TestClock.Start, "g_m");
        var older = ChatBuilder.Group("g_a").Build() with { LastActivityAt = TestClock.Start.AddSeconds(-1) };
        var sameTimeLaterId = ChatBuilder.Group("g_z").Build();
        var sameTimeEarlierId = ChatBuilder.Group("g_b").Build();
        var newer = ChatBuilder.Group("g_z").Build() with { LastActivityAt = TestClock.Start.AddSeconds(1) };

        Assert.True(ChatCursor.IsAfter(older, cursor));
        Assert.True(ChatCursor.IsAfter(sameTimeLaterId, cursor));
        Assert.False(ChatCursor.IsAfter(sameTimeEarlierId, cursor));
        Assert.False(ChatCursor.IsAfter(newer, cursor));
    }
}
