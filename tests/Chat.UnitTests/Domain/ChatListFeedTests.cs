namespace Chat.UnitTests.Domain;

using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.UnitTests.TestData;
using Moq;

public sealed class ChatListFeedTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly Mock<IChatListJobs> jobs = new();

    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider time = TestClock.New();

    private ChatListFeed Feed => field ??= new ChatListFeed(jobs.Object, time);

    [Fact]
    public async Task ABurstInOneChat_QueuesOneRefresh_RunningAfterTheDelay()
    {
        for (var i = 0; i < 50; i++)
        {
            await Feed.NoteActivityAsync("g_busy", None);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        jobs.Verify(j => j.EnqueueAsync("g_busy", ChatListFeed.Delay, None), Times.Once);
    }

    [Fact]
    public async Task ActivityAfterTheQueuedRefreshMayHaveRun_QueuesAnother()
    {
        await Feed.NoteActivityAsync("g_busy", None);
        time.Advance(ChatListFeed.Delay);
        await Feed.NoteActivityAsync("g_busy", None);

        jobs.Verify(j => j.EnqueueAsync("g_busy", ChatListFeed.Delay, None), Times.Exactly(2));
    }

    [Fact]
    public async Task EachChat_GetsItsOwnRefresh()
    {
        await Feed.NoteActivityAsync("g_a", None);
        await Feed.NoteActivityAsync("d_b", None);

        jobs.Verify(j => j.EnqueueAsync("g_a", ChatListFeed.Delay, None), Times.Once);
        jobs.Verify(j => j.EnqueueAsync("d_b", ChatListFeed.Delay, None), Times.Once);
    }

    [Fact]
    public async Task ARefreshThatCouldNotBeQueued_IsTriedAgainByTheNextActivity()
    {
        jobs.SetupSequence(j => j.EnqueueAsync("g_busy", ChatListFeed.Delay, None))
            .ThrowsAsync(ChatErrors.Unavailable("queue storage", TimeSpan.FromSeconds(5)))
            .Returns(Task.CompletedTask);

        await Assert.ThrowsAsync<ChatException>(() => Feed.NoteActivityAsync("g_busy", None));
        await Feed.NoteActivityAsync("g_busy", None);

        jobs.Verify(j => j.EnqueueAsync("g_busy", ChatListFeed.Delay, None), Times.Exactly(2));
    }
}
