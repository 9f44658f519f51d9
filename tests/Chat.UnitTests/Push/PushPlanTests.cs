namespace Chat.UnitTests.Push;

using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Push;
using Chat.UnitTests.TestData;
using Moq;

/// <summary>The send path's part of pushes: at most one queued job per message, presence read only
/// for small chats, and never a failed send because of pushes.</summary>
public sealed class PushPlanTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();
    private readonly List<(PushJob Job, TimeSpan Delay)> queued = [];

    public PushPlanTests()
    {
        h.PushJobs.Setup(j => j.EnqueueAsync(It.IsAny<PushJob>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .Callback((PushJob job, TimeSpan delay, CancellationToken _) => queued.Add((job, delay)))
            .Returns(Task.CompletedTask);
    }

    private PushService Service => h.PushService;

    private DateTimeOffset Now => h.Time.GetUtcNow();

    [Fact]
    public async Task Plan_DirectChat_PartnerOnline_QueuesNothing()
    {
        var (chat, message) = Direct();
        h.LastActive["bob"] = Now.AddSeconds(-30);

        await Service.PlanAsync(chat, message, None);

        Assert.Empty(queued);
        h.Presence.Verify(p => p.GetLastActiveAsync(It.Is<IReadOnlyCollection<string>>(ids => ids.SequenceEqual(new[] { "bob" })), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Plan_DirectChat_PartnerOffline_QueuesOneJobForThem_AfterTheCollapseWindow()
    {
        h.PushOptions.CollapseWindow = TimeSpan.FromSeconds(3);
        var (chat, message) = Direct();
        h.LastActive["bob"] = Now.AddMinutes(-5);

        await Service.PlanAsync(chat, message, None);

        var (job, delay) = Assert.Single(queued);
        Assert.Equal(chat.ChatId, job.ChatId);
        Assert.Equal(message.Seq, job.Seq);
        Assert.Equal(["bob"], job.RecipientIds);
        Assert.Equal(0, job.Attempt);
        Assert.Equal(TimeSpan.FromSeconds(3), delay);
    }

    [Fact]
    public async Task Plan_APartnerWhoMutedTheChat_GetsNoJob_AndNoPresenceIsRead_UntilTheMuteEnds()
    {
        var (chat, message) = Direct();
        ChatRecord MutedUntil(DateTimeOffset until) => chat with { Members = [.. chat.Members.Select(m => m.UserId == "bob" ? m with { MutedUntil = until } : m)] };

        await Service.PlanAsync(MutedUntil(Now.AddMinutes(1)), message, None);

        Assert.Empty(queued);
        h.Presence.Verify(p => p.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);

        await Service.PlanAsync(MutedUntil(Now), message, None);

        Assert.Equal(["bob"], Assert.Single(queued).Job.RecipientIds);
    }

    [Fact]
    public async Task Plan_PartnerNeverSeen_IsOffline()
    {
        var (chat, message) = Direct();

        await Service.PlanAsync(chat, message, None);

        Assert.Equal(["bob"], Assert.Single(queued).Job.RecipientIds);
    }

    [Theory]
    [InlineData(59, false)]
    [InlineData(60, true)]
    public async Task Plan_OnlineMeansActiveWithinTheLast60Seconds(int secondsAgo, bool pushed)
    {
        var (chat, message) = Direct();
        h.LastActive["bob"] = Now.AddSeconds(-secondsAgo);

        await Service.PlanAsync(chat, message, None);

        Assert.Equal(pushed, queued.Count == 1);
    }

    [Fact]
    public async Task Plan_SmallGroup_QueuesOnlyTheOfflineMembers_NeverTheSender()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").WithMember("dave").Build();
        var message = MessageBuilder.Text(chat.ChatId, 5, "alice");
        h.LastActive["alice"] = Now;
        h.LastActive["carol"] = Now.AddSeconds(-10);
        h.LastActive["dave"] = Now.AddHours(-1);

        await Service.PlanAsync(chat, message, None);

        Assert.Equal(["bob", "dave"], Assert.Single(queued).Job.RecipientIds.Order(StringComparer.Ordinal));
        h.Presence.Verify(p => p.GetLastActiveAsync(It.Is<IReadOnlyCollection<string>>(ids => ids.Contains("alice")), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Plan_GroupAtTheInlineLimit_StillReadsPresence()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMembersUpTo(h.PushOptions.InlinePresenceLimit + 1).Build();
        var message = MessageBuilder.Text(chat.ChatId, 5, "alice");
        foreach (var member in chat.Members)
        {
            h.LastActive[member.UserId] = Now;
        }

        await Service.PlanAsync(chat, message, None);

        Assert.Empty(queued);
        h.Presence.Verify(p => p.GetLastActiveAsync(It.Is<IReadOnlyCollection<string>>(ids => ids.Count == h.PushOptions.InlinePresenceLimit), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Plan_GroupAboveTheInlineLimit_QueuesEveryOtherMember_WithoutReadingPresence()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMembersUpTo(h.PushOptions.InlinePresenceLimit + 2).Build();
        var message = MessageBuilder.Text(chat.ChatId, 5, "alice");
        foreach (var member in chat.Members)
        {
            h.LastActive[member.UserId] = Now; // all online: the dispatcher is the one to find out
        }

        await Service.PlanAsync(chat, message, None);

        var (job, delay) = Assert.Single(queued);
        Assert.Equal(chat.Members.Select(m => m.UserId).Where(id => id != "alice").Order(StringComparer.Ordinal), job.RecipientIds.Order(StringComparer.Ordinal));
        Assert.Equal(h.PushOptions.InlinePresenceLimit + 1, job.RecipientIds.Count);
        Assert.Equal(h.PushOptions.CollapseWindow, delay);
        h.Presence.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Plan_InlineLimitZero_NeverReadsPresence()
    {
        h.PushOptions.InlinePresenceLimit = 0;
        var (chat, message) = Direct();
        h.LastActive["bob"] = Now;

        await Service.PlanAsync(chat, message, None);

        Assert.Equal(["bob"], Assert.Single(queued).Job.RecipientIds);
        h.Presence.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Plan_PresenceUnavailable_QueuesEveryRecipient()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build();
        var message = MessageBuilder.Text(chat.ChatId, 5, "alice");
        h.Presence.Setup(p => p.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("presence store", TimeSpan.FromSeconds(1)));

        await Service.PlanAsync(chat, message, None);

        Assert.Equal(["bob", "carol"], Assert.Single(queued).Job.RecipientIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Plan_QueueUnreachable_DoesNotThrow()
    {
        var (chat, message) = Direct();
        h.PushJobs.Setup(j => j.EnqueueAsync(It.IsAny<PushJob>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PushDeliveryException("queue down", transient: true));

        await Service.PlanAsync(chat, message, None);

        h.PushJobs.Verify(j => j.EnqueueAsync(It.IsAny<PushJob>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Plan_ChatWithOnlyTheSender_QueuesNothing_AndReadsNothing()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").Build();

        await Service.PlanAsync(chat, MessageBuilder.Text(chat.ChatId, 1, "alice"), None);

        Assert.Empty(queued);
        h.Presence.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Send_ToAnOfflinePartner_QueuesTheJobOfTheNewMessage()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(3).Build());

        var result = await h.MessageService.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("ping"), None);

        var (job, _) = Assert.Single(queued);
        Assert.Equal((chat.ChatId, 4L, 0), (job.ChatId, job.Seq, job.Attempt));
        Assert.Equal(result.Message.Seq, job.Seq);
        Assert.Equal(["bob"], job.RecipientIds);
    }

    [Fact]
    public async Task Send_WhenThePushQueueIsDown_StillSucceeds()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        h.PushJobs.Setup(j => j.EnqueueAsync(It.IsAny<PushJob>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PushDeliveryException("queue down", transient: true));

        var result = await h.MessageService.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("ping"), None);

        Assert.True(result.Created);
        Assert.Equal(result.Message.Seq, h.Stored(chat.ChatId).LastSeq);
    }

    private static (ChatRecord Chat, MessageRecord Message) Direct()
    {
        var chat = ChatBuilder.Direct("alice", "bob").WithLastSeq(1).Build();
        return (chat, MessageBuilder.Text(chat.ChatId, 1, "alice"));
    }
}
