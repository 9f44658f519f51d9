namespace Chat.UnitTests.Services;

using Chat.Core.Common;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

public sealed class RealtimeGroupSyncTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    private RealtimeGroupSync Sync => new(h.Chats.Object, h.Realtime.Object);

    [Fact]
    public async Task Reconcile_QueuedAddOfAMemberRemovedSince_RemovesInstead()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").Build());

        await Sync.ReconcileAsync(new GroupChange(chat.ChatId, "carol", Add: true, Attempt: 3), None);

        h.Realtime.Verify(r => r.ApplyAsync(It.Is<IReadOnlyCollection<GroupChange>>(c => c.SequenceEqual(new[] { new GroupChange(chat.ChatId, "carol", false, 3) })), None), Times.Once);
    }

    [Fact]
    public async Task Reconcile_QueuedRemoveOfAMemberWhoRejoined_AddsInstead()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());

        await Sync.ReconcileAsync(new GroupChange(chat.ChatId, "bob", Add: false, Attempt: 1), None);

        h.Realtime.Verify(r => r.ApplyAsync(It.Is<IReadOnlyCollection<GroupChange>>(c => c.SequenceEqual(new[] { new GroupChange(chat.ChatId, "bob", true, 1) })), None), Times.Once);
    }

    [Fact]
    public async Task Reconcile_ChatGone_RemovesTheUser()
    {
        await Sync.ReconcileAsync(new GroupChange("g_gone", "bob", Add: true), None);

        h.Realtime.Verify(r => r.ApplyAsync(It.Is<IReadOnlyCollection<GroupChange>>(c => c.Single().Add == false), None), Times.Once);
    }

    [Fact]
    public async Task Reconcile_QueuedPresenceAdd_AfterTheAnnouncerBlockedTheListener_RemovesInstead()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build() with { BlockedBy = ["alice"] });

        await Sync.ReconcileAsync(new GroupChange(chat.ChatId, "bob", Add: true, Attempt: 2, Group: PresenceGroups.Of("alice")), None);

        h.Realtime.Verify(r => r.ApplyAsync(It.Is<IReadOnlyCollection<GroupChange>>(c => c.SequenceEqual(new[] { new GroupChange(chat.ChatId, "bob", false, 2, PresenceGroups.Of("alice")) })), None), Times.Once);
    }

    [Fact]
    public async Task Reconcile_QueuedPresenceRemove_AfterAnUnblock_AddsInstead_AndTheOtherWayStays()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build() with { BlockedBy = ["bob"] });

        await Sync.ReconcileAsync(new GroupChange(chat.ChatId, "bob", Add: false, Group: PresenceGroups.Of("alice")), None);
        await Sync.ReconcileAsync(new GroupChange(chat.ChatId, "alice", Add: true, Group: PresenceGroups.Of("bob")), None);

        h.Realtime.Verify(r => r.ApplyAsync(It.Is<IReadOnlyCollection<GroupChange>>(c => c.Single().UserId == "bob" && c.Single().Add), None), Times.Once);
        h.Realtime.Verify(r => r.ApplyAsync(It.Is<IReadOnlyCollection<GroupChange>>(c => c.Single().UserId == "alice" && !c.Single().Add), None), Times.Once);
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(4, 40)]
    [InlineData(7, 300)]
    [InlineData(300, 300)]
    public void Backoff_DoublesFromTheBase_UpToTheCap(int retry, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), new Backoff(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), 300).DelayBefore(retry));

    [Fact]
    public void Backoff_ExhaustedPastTheLastRetry()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), MaxRetries: 4);

        Assert.False(backoff.Exhausted(4));
        Assert.True(backoff.Exhausted(5));
    }
}
