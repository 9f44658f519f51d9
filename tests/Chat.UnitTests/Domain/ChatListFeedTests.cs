namespace Chat.UnitTests.Domain;

using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.UnitTests.TestData;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

public sealed class ChatListFeedTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly Mock<IChatListOrder> order = new();

    private readonly Mock<IChatListJobs> jobs = new();

    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider time = TestClock.New();

    private readonly ChatRecord busy = ChatBuilder.Group("g_busy").WithAdmin("alice").WithMember("bob").Build();

    private ChatListFeed Feed => field ??= new ChatListFeed(order.Object, jobs.Object, time, NullLogger<ChatListFeed>.Instance);

    [Fact]
    public async Task AMessage_MovesTheChatInEveryMembersOrder_AtOnce()
    {
        await Feed.NoteMessageAsync(busy, TestClock.Start, None);

        VerifyTouched(busy.ChatId, TestClock.Start, Times.Once());
        jobs.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task ABurstInOneWindow_TouchesOnceAtOnce_AndOnceAtTheWindowsEnd_WithTheNewestActivity()
    {
        for (var i = 0; i < 50; i++)
        {
            await Feed.NoteMessageAsync(busy, time.GetUtcNow(), None);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        var newest = TestClock.Start.AddMilliseconds(490);
        VerifyTouched(busy.ChatId, TestClock.Start, Times.Once());
        VerifyTouched(busy.ChatId, newest, Times.Never()); // not before the window ends

        time.Advance(ChatListFeed.Window);

        VerifyTouched(busy.ChatId, newest, Times.Once());
        order.Verify(o => o.TouchAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task ASteadyStream_CostsOneTouchAWindow()
    {
        for (var i = 0; i < 100; i++) // 10 s at 10 messages a second
        {
            await Feed.NoteMessageAsync(busy, time.GetUtcNow(), None);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        time.Advance(ChatListFeed.Window);

        order.Verify(o => o.TouchAsync(busy.ChatId, It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Between(9, 11, Moq.Range.Inclusive));
        VerifyTouched(busy.ChatId, TestClock.Start.AddMilliseconds(9_900), Times.Once()); // the last message lands
    }

    [Fact]
    public async Task AMessageAfterAQuietWindow_TouchesAtOnceAgain()
    {
        await Feed.NoteMessageAsync(busy, TestClock.Start, None);
        time.Advance(ChatListFeed.Window);
        await Feed.NoteMessageAsync(busy, time.GetUtcNow(), None);

        VerifyTouched(busy.ChatId, TestClock.Start + ChatListFeed.Window, Times.Once());
    }

    [Fact]
    public async Task EachChat_HasItsOwnWindow()
    {
        var other = ChatBuilder.Direct("alice", "carol").Build();

        await Feed.NoteMessageAsync(busy, TestClock.Start, None);
        await Feed.NoteMessageAsync(other, TestClock.Start, None);

        VerifyTouched(busy.ChatId, TestClock.Start, Times.Once());
        VerifyTouched(other.ChatId, TestClock.Start, Times.Once());
    }

    [Fact]
    public async Task AFailedTouch_QueuesTheChatsListRefresh_AndAFailedQueueIsNoError()
    {
        order.Setup(o => o.TouchAsync(busy.ChatId, It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), None))
            .ThrowsAsync(ChatErrors.Unavailable("chat list store", TimeSpan.FromSeconds(1)));
        jobs.SetupSequence(j => j.EnqueueAsync(busy.ChatId, ChatListFeed.Delay, None))
            .Returns(Task.CompletedTask)
            .ThrowsAsync(ChatErrors.Unavailable("queue storage", TimeSpan.FromSeconds(5)));

        await Feed.NoteMessageAsync(busy, TestClock.Start, None);
        time.Advance(ChatListFeed.Window);
        await Feed.NoteMessageAsync(busy, time.GetUtcNow(), None);

        jobs.Verify(j => j.EnqueueAsync(busy.ChatId, ChatListFeed.Delay, None), Times.Exactly(2));
    }

    [Fact]
    public async Task AMembershipChange_QueuesTheRefreshOfTheMembersEntries()
    {
        await Feed.NoteMembersChangedAsync(busy.ChatId, None);

        jobs.Verify(j => j.EnqueueAsync(busy.ChatId, ChatListFeed.Delay, None), Times.Once);
        order.VerifyNoOtherCalls();
    }

    private void VerifyTouched(string chatId, DateTimeOffset at, Times times) =>
        order.Verify(
            o => o.TouchAsync(chatId, at, It.Is<IReadOnlyCollection<string>>(ids => ids.Count == 2), It.IsAny<CancellationToken>()),
            times);
}
