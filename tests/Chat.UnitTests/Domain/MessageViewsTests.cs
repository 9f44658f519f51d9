namespace Chat.UnitTests.Domain;

using Chat.Core.Messages;
using Chat.UnitTests.TestData;

public sealed class MessageViewsTests
{
    private static readonly IReadOnlyDictionary<string, ReceiptState> NoReceipts = new Dictionary<string, ReceiptState>();

    [Fact]
    public void CountedMembers_AreMembersAtSendTimeLessTheSender()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").WithLastSeq(3).Build();

        var counted = MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 3, "alice"));

        Assert.Equal(["bob", "carol"], counted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CountedMembers_LeaveOutJoinersAfterTheMessage()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("late", joinedAfterSeq: 5).WithLastSeq(6).Build();

        Assert.Equal(["bob"], MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 5, "alice")));
        Assert.Equal(["bob", "late"], MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 6, "alice")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CountedMembers_IncludePastMembersWhoWereThere()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob")
            .WithPastMember("dave", joinedAfterSeq: 1, leftAtSeq: 4)
            .WithLastSeq(6).Build();

        Assert.Equal(["bob"], MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 1, "alice")));
        Assert.Equal(["bob", "dave"], MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 2, "alice")).Order(StringComparer.Ordinal));
        Assert.Equal(["bob", "dave"], MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 4, "alice")).Order(StringComparer.Ordinal));
        Assert.Equal(["bob"], MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 5, "alice")));
    }

    [Fact]
    public void CountedMembers_RejoinedMemberCountsOnce()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 3)
            .WithPastMember("bob", joinedAfterSeq: 0, leftAtSeq: 5)
            .WithLastSeq(6).Build();

        Assert.Equal(["bob"], MessageViews.CountedMembers(chat, MessageBuilder.Text(chat.ChatId, 4, "alice")));
    }

    [Fact]
    public void Status_NobodyCounted_IsSent()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithLastSeq(1).Build();

        Assert.Equal(MessageStatus.Sent, MessageViews.Status(chat, MessageBuilder.Text(chat.ChatId, 1, "alice"), NoReceipts));
    }

    [Fact]
    public void Status_IsSentDeliveredReadByTheLeastAdvancedMember()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").WithLastSeq(3).Build();
        var message = MessageBuilder.Text(chat.ChatId, 3, "alice");

        Assert.Equal(MessageStatus.Sent, MessageViews.Status(chat, message, NoReceipts));
        Assert.Equal(MessageStatus.Sent, MessageViews.Status(chat, message, States(MessageBuilder.Receipt("bob", 3, 3))));
        Assert.Equal(
            MessageStatus.Delivered,
            MessageViews.Status(chat, message, States(MessageBuilder.Receipt("bob", 3, 3), MessageBuilder.Receipt("carol", 5, 2))));
        Assert.Equal(
            MessageStatus.Read,
            MessageViews.Status(chat, message, States(MessageBuilder.Receipt("bob", 3, 3), MessageBuilder.Receipt("carol", 4, 4))));
    }

    [Fact]
    public void Status_IgnoresTheSendersOwnReceipt()
    {
        var chat = ChatBuilder.Direct("alice", "bob").WithLastSeq(1).Build();
        var message = MessageBuilder.Text(chat.ChatId, 1, "alice");

        Assert.Equal(MessageStatus.Sent, MessageViews.Status(chat, message, States(MessageBuilder.Receipt("alice", 1, 1))));
    }

    [Fact]
    public void Status_PastMemberWhoNeverReadIt_KeepsItDelivered()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithPastMember("dave", 0, 2).WithLastSeq(2).Build();
        var message = MessageBuilder.Text(chat.ChatId, 2, "alice");

        var status = MessageViews.Status(chat, message, States(MessageBuilder.Receipt("bob", 2, 2), MessageBuilder.Receipt("dave", 2, 1)));

        Assert.Equal(MessageStatus.Delivered, status);
    }

    [Fact]
    public void ToView_DeletedMessage_LosesContent()
    {
        var message = MessageBuilder.Text("g_x", 2, "alice") with
        {
            Deleted = true,
            ReplyToSeq = 1,
            Media = new MediaRef("media1", "a.png", "image/png", 10),
        };

        var view = MessageViews.ToView(message, MessageStatus.Sent, TestClock.Start);

        Assert.Null(view.Text);
        Assert.Null(view.Media);
        Assert.Null(view.ReplyToSeq);
        Assert.True(view.Deleted);
        Assert.Equal(message.ClientMessageId, view.ClientMessageId);
    }

    [Fact]
    public void ToView_Media_PointsAtTheMediaRoute()
    {
        var message = MessageBuilder.Text("g_x", 2, "alice") with { Media = new MediaRef("media1", "a.png", "image/png", 10) };

        var view = MessageViews.ToView(message, MessageStatus.Sent, TestClock.Start);

        Assert.Equal("/api/media/media1", view.Media!.Url);
        Assert.Null(view.Deleted);
    }

    private static Dictionary<string, ReceiptState> States(params ReceiptState[] states) =>
        states.ToDictionary(s => s.UserId, StringComparer.Ordinal);
}
