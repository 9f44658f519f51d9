namespace Chat.UnitTests.Domain;

using Chat.Core.Chats;
using Chat.Core.Messages;
using Chat.UnitTests.TestData;

public sealed class ChatViewsTests
{
    private static readonly Dictionary<string, ReceiptState> NoReceipts = new(StringComparer.Ordinal);

    private static readonly DateTimeOffset Now = TestClock.Start.AddDays(1);

    [Fact]
    public void ToView_NoReceipt_ReadSeqZero_AllUnread()
    {
        var chat = ChatBuilder.Direct("alice", "bob").WithLastSeq(4).Build();

        var view = ChatViews.ToView(chat, "bob", NoReceipts, Now);

        Assert.Equal(0, view.ReadSeq);
        Assert.Equal(4, view.UnreadCount);
    }

    [Fact]
    public void ToView_UnreadCount_CountsAboveReadSeq()
    {
        var chat = ChatBuilder.Direct("alice", "bob").WithLastSeq(10).Build();

        var view = ChatViews.ToView(chat, "bob", new Dictionary<string, ReceiptState> { ["bob"] = MessageBuilder.Receipt("bob", 8, 6) }, Now);

        Assert.Equal(6, view.ReadSeq);
        Assert.Equal(4, view.UnreadCount);
    }

    [Fact]
    public void ToView_OwnMessageImpliesReadBeforeIt()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithLastSeq(10).Build();

        var view = ChatViews.ToView(chat, "bob", new Dictionary<string, ReceiptState> { ["bob"] = MessageBuilder.Receipt("bob", 2, 2) with { LastSentSeq = 7 } }, Now);

        Assert.Equal(2, view.ReadSeq);
        Assert.Equal(3, view.UnreadCount);
    }

    [Fact]
    public void ToView_OnceTheNewestMessageHasExpired_NoneSentUnderItsTimerIsUnread_TheOlderOnesStill()
    {
        var newest = MessageBuilder.Text("g_group1", 5, "alice") with { ExpiresAt = TestClock.Start.AddHours(20) };
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithLastMessage(newest).Build() with { MessageTimer = 86400, TimerFromSeq = 3 };

        var live = ChatViews.ToView(chat, "bob", NoReceipts, TestClock.Start.AddHours(19));
        var expired = ChatViews.ToView(chat, "bob", NoReceipts, TestClock.Start.AddHours(21));
        var timerSinceCreation = ChatViews.ToView(chat with { TimerFromSeq = 0 }, "bob", NoReceipts, TestClock.Start.AddHours(21));

        Assert.Equal(5, live.UnreadCount);
        Assert.Equal(2, expired.UnreadCount); // seqs 1-2 were sent before the timer was set: they never expire
        Assert.Equal(0, timerSinceCreation.UnreadCount);
        Assert.Equal(5, expired.LastSeq);
    }

    [Theory]
    [InlineData(0, 86400, 9)] // turned on: a new run from the next seq
    [InlineData(604800, 86400, 9)] // shorter: a message sent now may expire before earlier ones
    [InlineData(86400, 604800, 3)] // longer: later messages still expire later, one run
    [InlineData(86400, 0, 3)] // off: what follows never expires, the run stays
    public void TimerFromSeq_MovesOnlyWhenTheTimerIsTurnedOnOrShortened(int before, int after, long expected)
    {
        var chat = ChatBuilder.Direct("alice", "bob").WithLastSeq(8).Build() with { MessageTimer = before, TimerFromSeq = 3 };

        Assert.Equal(expected, MessageTimers.FromSeqAfterChange(chat, after));
    }

    [Fact]
    public void ToView_MessagesBeforeTheJoin_AreNotUnread()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 8).WithLastSeq(10).Build();

        Assert.Equal(2, ChatViews.ToView(chat, "bob", NoReceipts, Now).UnreadCount);
    }

    [Fact]
    public void ToView_NoViewer_ShowsTheLastMessageOnlyWhenEveryMemberSeesIt()
    {
        var seenByAll = ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 4)
            .WithLastMessage(MessageBuilder.Text("g_group1", 5, "alice")).Build();
        var beforeALateJoin = seenByAll with { Members = [.. seenByAll.Members, new ChatMember { UserId = "carol", Role = Roles.Member, JoinedAt = TestClock.Start, JoinedAfterSeq = 5 }] };

        Assert.NotNull(ChatViews.ToView(seenByAll, viewerId: null, NoReceipts, Now).LastMessage);
        Assert.Null(ChatViews.ToView(beforeALateJoin, viewerId: null, NoReceipts, Now).LastMessage);
    }

    [Fact]
    public void ToView_LastMessageBeforeTheViewersJoin_IsHidden()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 5)
            .WithLastMessage(MessageBuilder.Text("g_group1", 5, "alice")).Build();

        Assert.Null(ChatViews.ToView(chat, "bob", NoReceipts, Now).LastMessage);
        Assert.NotNull(ChatViews.ToView(chat, "alice", NoReceipts, Now).LastMessage);
    }

    [Fact]
    public void ToView_LastMessageAfterTheViewersJoin_IsShownWithStatus()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 5)
            .WithLastMessage(MessageBuilder.Text("g_group1", 6, "alice")).Build();

        var view = ChatViews.ToView(chat, "alice", new Dictionary<string, ReceiptState> { ["bob"] = MessageBuilder.Receipt("bob", 6, 0) }, Now);

        Assert.Equal(6, view.LastMessage!.Seq);
        Assert.Equal(MessageStatus.Delivered, view.LastMessage.Status);
    }

    [Fact]
    public void ToView_WithoutViewer_HasNoReadState_ButShowsLastMessage()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 4)
            .WithLastMessage(MessageBuilder.Text("g_group1", 5, "alice")).Build();

        var view = ChatViews.ToView(chat, null, NoReceipts, Now);

        Assert.Null(view.ReadSeq);
        Assert.Null(view.UnreadCount);
        Assert.NotNull(view.LastMessage);
    }

    [Fact]
    public void ToView_NonMemberViewer_HasNoReadState()
    {
        var chat = ChatBuilder.Direct("alice", "bob").WithLastSeq(3).Build();

        var view = ChatViews.ToView(chat, "mallory", NoReceipts, Now);

        Assert.Null(view.ReadSeq);
        Assert.Null(view.UnreadCount);
    }

    [Fact]
    public void ToView_ListsMembersWithRoles()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build();

        var view = ChatViews.ToView(chat, "alice", NoReceipts, Now);

        Assert.Equal(
            [new MemberView("alice", Roles.Admin, TestClock.Start), new MemberView("bob", Roles.Member, TestClock.Start)],
            view.Members);
        Assert.Equal(ChatTypes.Group, view.Type);
        Assert.Equal("Friends", view.Name);
    }
}
