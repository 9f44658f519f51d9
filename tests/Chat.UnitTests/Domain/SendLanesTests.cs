namespace Chat.UnitTests.Domain;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Messages;
using Chat.UnitTests.TestData;

public sealed class SendLanesTests
{
    private readonly SendLanes lanes = new();

    [Fact]
    public async Task SendsIntoOneChat_TakeTurns_EachFromTheVersionThePreviousLeft()
    {
        var loaded = Version(ChatBuilder.Direct("alice", "bob").WithLastSeq(3).Build(), "e3");
        var inside = 0;
        var maxInside = 0;

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Called one after another on this thread, so all 20 are in the lane before the first append may end
        // (a lane that empties forgets what its last append left, as the next test shows).
        var sends = Enumerable.Range(0, 20).Select(_ => lanes.RunAsync(loaded.Value.ChatId, loaded, async basis =>
        {
            maxInside = Math.Max(maxInside, Interlocked.Increment(ref inside));
            await go.Task;
            await Task.Yield();
            Interlocked.Decrement(ref inside);
            var next = basis.Value with { LastSeq = basis.Value.LastSeq + 1 };
            return (basis.Value.LastSeq, (Versioned<ChatRecord>?)Version(next, "e" + next.LastSeq));
        }, CancellationToken.None)).ToArray();
        go.SetResult();
        var seen = await Task.WhenAll(sends);

        Assert.Equal(1, maxInside);
        Assert.Equal(Enumerable.Range(3, 20).Select(i => (long)i), seen.Order());
    }

    [Fact]
    public async Task AFresherLoad_WinsOverWhatTheLaneLeft_AndAnIdleLaneForgetsIt()
    {
        var chat = ChatBuilder.Direct("alice", "bob").Build();
        await lanes.RunAsync(chat.ChatId, Version(chat with { LastSeq = 1 }, "e1"), _ => Task.FromResult((0, (Versioned<ChatRecord>?)Version(chat with { LastSeq = 2 }, "e2"))), CancellationToken.None);

        var basis = await lanes.RunAsync(chat.ChatId, Version(chat with { LastSeq = 1 }, "e1"), b => Task.FromResult((b.ETag, (Versioned<ChatRecord>?)null)), CancellationToken.None);

        Assert.Equal("e1", basis); // the lane was idle in between: nothing of it is kept
    }

    private static Versioned<ChatRecord> Version(ChatRecord chat, string etag) => new(chat, etag);
}
