namespace Chat.UnitTests.Push;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Messages;
using Chat.Core.Push;
using Chat.Testing;
using Chat.UnitTests.TestData;
using Moq;

/// <summary>The queue-triggered dispatcher: who gets a push, in how many hub sends, what it says, and
/// what happens to the job when the hub fails.</summary>
public sealed class PushDispatchTests
{
    private const long Seq = 10;

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();
    private readonly List<(PushNotification Notification, string[] UserIds)> sent = [];
    private readonly List<string[]> logged = [];
    private readonly List<(PushJob Job, TimeSpan Delay)> requeued = [];
    private readonly List<PushJob> poisoned = [];
    private Func<int, Exception?> hubFailure = _ => null;

    public PushDispatchTests()
    {
        h.PushHub.Setup(p => p.SendAsync(It.IsAny<PushNotification>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .Returns((PushNotification notification, IReadOnlyCollection<string> ids, CancellationToken _) =>
            {
                sent.Add((notification, ids.ToArray()));
                return hubFailure(sent.Count) is { } e ? Task.FromException(e) : Task.CompletedTask;
            });

        // Snapshots of every push-log write (the service passes the set it keeps growing).
        h.PushLog.Setup(l => l.SetNotifiedAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .Callback((string chatId, long seq, IReadOnlyCollection<string> ids, CancellationToken _) =>
            {
                logged.Add(ids.Order(StringComparer.Ordinal).ToArray());
                h.Notified[(chatId, seq)] = ids.ToArray();
            })
            .Returns(Task.CompletedTask);
        h.PushJobs.Setup(j => j.EnqueueAsync(It.IsAny<PushJob>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .Callback((PushJob job, TimeSpan delay, CancellationToken _) => requeued.Add((job, delay)))
            .Returns(Task.CompletedTask);
        h.PushJobs.Setup(j => j.PoisonAsync(It.IsAny<PushJob>(), It.IsAny<CancellationToken>()))
            .Callback((PushJob job, CancellationToken _) => poisoned.Add(job))
            .Returns(Task.CompletedTask);
    }

    private PushService Service => h.PushService;

    private DateTimeOffset Now => h.Time.GetUtcNow();

    [Fact]
    public async Task Dispatch_DirectChat_PushesTheOfflinePartner_AndLogsThem()
    {
        var (chat, message) = Direct();

        await Service.DispatchAsync(Job(chat, "bob"), None);

        var (notification, userIds) = Assert.Single(sent);
        Assert.Equal(new PushNotification("User alice", "hello", chat.ChatId, Seq), notification);
        Assert.Equal(["bob"], userIds);
        Assert.Equal(["bob"], h.Notified[(chat.ChatId, Seq)]);
        Assert.Equal(message.Seq, notification.Seq);
    }

    [Fact]
    public async Task Dispatch_PresenceUnavailable_PushesEveryCandidateAsOffline_WithoutRetrying()
    {
        var (chat, _) = Group(3);
        h.LastActive["bob"] = Now; // online, but the store cannot say so
        h.Presence.Setup(p => p.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Chat.Core.Errors.ChatErrors.Unavailable("presence store", TimeSpan.FromSeconds(1)));

        await Service.DispatchAsync(Job(chat, Others(chat)), None);

        Assert.Equal(Others(chat).Order(StringComparer.Ordinal), Assert.Single(sent).UserIds);
        Assert.Empty(requeued);
        Assert.Empty(poisoned);
    }

    [Fact]
    public async Task Dispatch_RecordsPushLatency_FromSentAtToTheHub()
    {
        using var recorder = new MetricRecorder(h.Meters);
        var (chat, message) = Direct();

        await Service.DispatchAsync(Job(chat, "bob"), None);

        var latency = Assert.Single(recorder.Of(ChatMetrics.PushLatency));
        Assert.Equal((Now - message.SentAt).TotalMilliseconds, latency.Value);
        Assert.Equal(ChatTypes.Direct, latency.Tag(ChatMetrics.ChatTypeTag));
    }

    [Fact]
    public async Task Dispatch_Group_TitleIsTheGroup_BodyNamesTheSender()
    {
        var (chat, _) = Group(3);

        await Service.DispatchAsync(Job(chat, Others(chat)), None);

        var (notification, _) = Assert.Single(sent);
        Assert.Equal("Friends", notification.Title);
        Assert.Equal("User alice: hello", notification.Body);
    }

    [Fact]
    public async Task Dispatch_SenderAccountGone_IsSomeone()
    {
        var (chat, _) = Group(3);
        h.MissingUsers.Add("alice");

        await Service.DispatchAsync(Job(chat, Others(chat)), None);

        Assert.Equal("Someone: hello", Assert.Single(sent).Notification.Body);
    }

    [Fact]
    public async Task Dispatch_PreviewLength_ComesFromTheOptions()
    {
        h.PushOptions.PreviewLength = 10;
        var (chat, _) = Direct(text: "a rather long message that gets cut");

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Equal("a rather …", Assert.Single(sent).Notification.Body);
    }

    [Fact]
    public async Task Dispatch_45OfflineRecipients_SendsThreeTimes_20_20_5_AndLogsAfterEach()
    {
        var (chat, _) = Group(46);
        var recipients = Others(chat);

        await Service.DispatchAsync(Job(chat, recipients), None);

        Assert.Equal([20, 20, 5], sent.Select(s => s.UserIds.Length));
        Assert.Equal(recipients.Order(StringComparer.Ordinal), sent.SelectMany(s => s.UserIds));
        Assert.All(sent, s => Assert.Equal(sent[0].Notification, s.Notification));
        Assert.Equal([20, 40, 45], logged.Select(l => l.Length));
        Assert.Equal(recipients.Order(StringComparer.Ordinal), h.Notified[(chat.ChatId, Seq)].Order(StringComparer.Ordinal));
        Assert.Empty(requeued);
        Assert.Empty(poisoned);
    }

    [Fact]
    public async Task Dispatch_ARecipientWhoMutedTheChatSinceItWasQueued_IsNotPushed_OneWhoseMuteEnded_Is()
    {
        var (chat, _) = Group(4); // u001..u003
        Store(chat with { Members = [.. chat.Members.Select(m => m.UserId switch
        {
            "u001" => m with { MutedUntil = Now.AddHours(8) },
            "u002" => m with { MutedUntil = Now }, // ended just now
            _ => m,
        })] });

        await Service.DispatchAsync(Job(chat, Others(chat)), None);

        Assert.Equal(["u002", "u003"], Assert.Single(sent).UserIds);
    }

    [Fact]
    public async Task Dispatch_OnlineRecipients_AreSkipped()
    {
        var (chat, _) = Group(5); // u001..u004
        h.LastActive["u001"] = Now.AddSeconds(-5);
        h.LastActive["u003"] = Now.AddSeconds(-59);
        h.LastActive["u004"] = Now.AddSeconds(-60);

        await Service.DispatchAsync(Job(chat, Others(chat)), None);

        Assert.Equal(["u002", "u004"], Assert.Single(sent).UserIds);
    }

    [Fact]
    public async Task Dispatch_EveryoneOnline_SendsNothing_AndLogsNothing()
    {
        var (chat, _) = Group(4);
        foreach (var id in Others(chat))
        {
            h.LastActive[id] = Now;
        }

        await Service.DispatchAsync(Job(chat, Others(chat)), None);

        Assert.Empty(sent);
        Assert.Empty(logged);
    }

    [Fact]
    public async Task Dispatch_AlreadyNotifiedRecipients_AreNotPushedAgain_AndStayInTheLog()
    {
        var (chat, _) = Group(46);
        var recipients = Others(chat);
        var earlier = recipients.Take(20).ToArray();
        h.Notified[(chat.ChatId, Seq)] = earlier;

        await Service.DispatchAsync(Job(chat, recipients), None);

        Assert.Equal([20, 5], sent.Select(s => s.UserIds.Length));
        Assert.Empty(sent.SelectMany(s => s.UserIds).Intersect(earlier));
        Assert.Equal(recipients.Order(StringComparer.Ordinal), h.Notified[(chat.ChatId, Seq)].Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Dispatch_EveryoneAlreadyNotified_SendsNothing()
    {
        var (chat, _) = Direct();
        h.Notified[(chat.ChatId, Seq)] = ["bob"];

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Empty(sent);
        h.Presence.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Dispatch_DeletedMessage_SendsNothing()
    {
        var (chat, message) = Direct();
        StoreMessage(message with { Deleted = true });

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Empty(sent);
        h.PushLog.Verify(l => l.GetNotifiedAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Dispatch_MissingMessage_SendsNothing()
    {
        var (chat, _) = Direct();

        await Service.DispatchAsync(Job(chat, "bob") with { Seq = Seq + 5 }, None);

        Assert.Empty(sent);
        Assert.Empty(requeued);
        Assert.Empty(poisoned);
    }

    [Fact]
    public async Task Dispatch_MissingChat_SendsNothing_AndReadsNoMessage()
    {
        await Service.DispatchAsync(new PushJob("g_gone", Seq, ["bob"]), None);

        Assert.Empty(sent);
        h.Messages.Verify(m => m.GetAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Dispatch_OnlyCurrentMembersWhoCouldSeeTheMessage_AreCandidates()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob")
            .WithMember("carol", joinedAfterSeq: Seq - 1)
            .WithMember("dave", joinedAfterSeq: Seq)
            .WithPastMember("erin", 0, Seq + 1)
            .Build();
        Store(chat);

        await Service.DispatchAsync(Job(chat, "bob", "carol", "dave", "erin", "zed", "alice", "bob"), None);

        Assert.Equal(["bob", "carol"], Assert.Single(sent).UserIds);
    }

    [Fact]
    public async Task Dispatch_LaterMessageWithinTheCollapseWindow_SendsNothing()
    {
        var (chat, message) = Direct();
        Store(chat with { LastMessage = Later(message, TimeSpan.FromSeconds(1)), LastSeq = Seq + 1 });

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Empty(sent);
        Assert.Empty(requeued);
        h.PushLog.Verify(l => l.GetNotifiedAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Dispatch_LaterMessageExactlyAtTheCollapseWindow_SendsNothing()
    {
        var (chat, message) = Direct();
        Store(chat with { LastMessage = Later(message, h.PushOptions.CollapseWindow), LastSeq = Seq + 1 });

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Empty(sent);
    }

    [Fact]
    public async Task Dispatch_LaterMessageAfterTheCollapseWindow_StillPushesThisOne()
    {
        var (chat, message) = Direct();
        Store(chat with { LastMessage = Later(message, h.PushOptions.CollapseWindow + TimeSpan.FromMilliseconds(1)), LastSeq = Seq + 1 });

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Equal(Seq, Assert.Single(sent).Notification.Seq);
    }

    [Fact]
    public async Task Dispatch_InASteadyStream_CollapsesIntoTheNextMessage_NotTheNewest()
    {
        var (chat, message) = Direct();
        var next = Later(message, TimeSpan.FromMilliseconds(200));
        var newest = MessageBuilder.Text(message.ChatId, Seq + 30, "alice", "much later") with { SentAt = message.SentAt + TimeSpan.FromSeconds(6) };
        Store(chat with { LastMessage = newest, LastSeq = Seq + 30 });
        h.Messages.Setup(m => m.GetAsync(message.ChatId, Seq + 1, It.IsAny<CancellationToken>())).ReturnsAsync(next);

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Empty(sent);
    }

    [Fact]
    public async Task Dispatch_NextMessageInTheNextSpan_StillPushesThisOne_SoStreamsNotify()
    {
        var span = TimeSpan.FromTicks(h.PushOptions.CollapseWindow.Ticks * PushService.CollapseSpans);
        var boundary = new DateTimeOffset(DateTimeOffset.UtcNow.UtcTicks / span.Ticks * span.Ticks + span.Ticks, TimeSpan.Zero);
        var (chat, message) = Direct();
        message = message with { SentAt = boundary - TimeSpan.FromMilliseconds(100) };
        Prepare(chat with { LastMessage = Later(message, TimeSpan.FromMilliseconds(200)), LastSeq = Seq + 1 }, message);

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Equal(Seq, Assert.Single(sent).Notification.Seq);
    }

    [Fact]
    public async Task Dispatch_LaterMessageDeleted_StillPushesThisOne()
    {
        var (chat, message) = Direct();
        Store(chat with { LastMessage = Later(message, TimeSpan.FromSeconds(1)) with { Deleted = true }, LastSeq = Seq + 1 });

        await Service.DispatchAsync(Job(chat, "bob"), None);

        Assert.Single(sent);
    }

    [Fact]
    public async Task Dispatch_TransientFailure_RequeuesOnlyTheNotYetNotified_WithTheNextAttempt()
    {
        var (chat, _) = Group(46);
        var recipients = Others(chat);
        hubFailure = call => call == 2 ? new PushDeliveryException("throttled", transient: true, status: 429) : null;

        await Service.DispatchAsync(Job(chat, recipients), None);

        var (job, delay) = Assert.Single(requeued);
        Assert.Equal((chat.ChatId, Seq, 1), (job.ChatId, job.Seq, job.Attempt));
        Assert.Equal(recipients.Order(StringComparer.Ordinal).Skip(20), job.RecipientIds.Order(StringComparer.Ordinal));
        Assert.Equal(h.PushOptions.RetryBaseDelay, delay);
        Assert.Equal(recipients.Order(StringComparer.Ordinal).Take(20), h.Notified[(chat.ChatId, Seq)].Order(StringComparer.Ordinal));
        Assert.Equal(2, sent.Count); // the third batch waits for the retry
        Assert.Empty(poisoned);
    }

    [Fact]
    public async Task Dispatch_TransientFailure_RetryLeavesOutOnlineAndAlreadyNotifiedRecipients()
    {
        var (chat, _) = Group(6); // u001..u005
        h.Notified[(chat.ChatId, Seq)] = ["u001"];
        h.LastActive["u002"] = Now;
        hubFailure = _ => new PushDeliveryException("unreachable", transient: true);

        await Service.DispatchAsync(Job(chat, Others(chat)), None);

        Assert.Equal(["u003", "u004", "u005"], Assert.Single(requeued).Job.RecipientIds.Order(StringComparer.Ordinal));
        Assert.Empty(logged);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(5, 160)]
    [InlineData(6, 300)]
    [InlineData(18, 300)]
    public async Task Dispatch_TransientFailure_BacksOffExponentially_UpToTheMaximum(int attempt, int expectedSeconds)
    {
        h.PushOptions.RetryBaseDelay = TimeSpan.FromSeconds(5);
        h.PushOptions.RetryMaxDelay = TimeSpan.FromMinutes(5);
        h.PushOptions.MaxAttempts = 20;
        var (chat, _) = Direct();
        hubFailure = _ => new PushDeliveryException("server error", transient: true, status: 503);

        await Service.DispatchAsync(Job(chat, "bob") with { Attempt = attempt }, None);

        var (job, delay) = Assert.Single(requeued);
        Assert.Equal(attempt + 1, job.Attempt);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
        Assert.Empty(poisoned);
    }

    [Fact]
    public async Task Dispatch_TransientFailureOfTheLastAttempt_GoesToThePoisonQueue()
    {
        var (chat, _) = Group(4);
        hubFailure = _ => new PushDeliveryException("server error", transient: true, status: 500);

        await Service.DispatchAsync(Job(chat, Others(chat)) with { Attempt = h.PushOptions.MaxAttempts - 1 }, None);

        var job = Assert.Single(poisoned);
        Assert.Equal((chat.ChatId, Seq), (job.ChatId, job.Seq));
        Assert.Equal(Others(chat).Order(StringComparer.Ordinal), job.RecipientIds.Order(StringComparer.Ordinal));
        Assert.Empty(requeued);
    }

    [Fact]
    public async Task Dispatch_TransientFailureOfTheAttemptBeforeTheLast_IsStillRetried()
    {
        var (chat, _) = Direct();
        hubFailure = _ => new PushDeliveryException("server error", transient: true, status: 500);

        await Service.DispatchAsync(Job(chat, "bob") with { Attempt = h.PushOptions.MaxAttempts - 2 }, None);

        Assert.Equal(h.PushOptions.MaxAttempts - 1, Assert.Single(requeued).Job.Attempt);
        Assert.Empty(poisoned);
    }

    [Fact]
    public async Task Dispatch_PermanentFailure_GoesToThePoisonQueueAtOnce()
    {
        var (chat, _) = Group(46);
        var recipients = Others(chat);
        hubFailure = call => call == 3 ? new PushDeliveryException("unauthorized", transient: false, status: 401) : null;

        await Service.DispatchAsync(Job(chat, recipients), None);

        var job = Assert.Single(poisoned);
        Assert.Equal(recipients.Order(StringComparer.Ordinal).Skip(40), job.RecipientIds.Order(StringComparer.Ordinal));
        Assert.Empty(requeued);
        Assert.Equal(40, h.Notified[(chat.ChatId, Seq)].Length);
    }

    [Fact]
    public async Task Dispatch_RetriedJob_AfterAPartialSend_CompletesTheRest()
    {
        var (chat, _) = Group(46);
        hubFailure = call => call == 2 ? new PushDeliveryException("throttled", transient: true, status: 429) : null;
        await Service.DispatchAsync(Job(chat, Others(chat)), None);
        var retry = Assert.Single(requeued).Job;
        sent.Clear();
        hubFailure = _ => null; // the hub is back

        await Service.DispatchAsync(retry, None);

        Assert.Equal([20, 5], sent.Select(s => s.UserIds.Length));
        Assert.Equal(Others(chat).Order(StringComparer.Ordinal), h.Notified[(chat.ChatId, Seq)].Order(StringComparer.Ordinal));
        Assert.Single(requeued);
    }

    private static PushJob Job(ChatRecord chat, params string[] recipients) => new(chat.ChatId, Seq, recipients);

    private static string[] Others(ChatRecord chat) => chat.Members.Select(m => m.UserId).Where(id => id != "alice").ToArray();

    private static MessageRecord Later(MessageRecord message, TimeSpan after) =>
        MessageBuilder.Text(message.ChatId, message.Seq + 1, "bob", "and another thing") with { SentAt = message.SentAt + after };

    private (ChatRecord Chat, MessageRecord Message) Direct(string text = "hello")
    {
        var message = MessageBuilder.Text(ChatBuilder.Direct("alice", "bob").Build().ChatId, Seq, "alice", text);
        return Prepare(ChatBuilder.Direct("alice", "bob").WithLastMessage(message).Build(), message);
    }

    /// <summary>A group of <paramref name="members"/>: alice (the sender) and u001, u002, ...</summary>
    private (ChatRecord Chat, MessageRecord Message) Group(int members)
    {
        var message = MessageBuilder.Text("g_group1", Seq, "alice");
        return Prepare(ChatBuilder.Group().WithAdmin("alice").WithMembersUpTo(members).WithLastMessage(message).Build(), message);
    }

    private void Store(ChatRecord chat)
    {
        var message = MessageBuilder.Text(chat.ChatId, Seq, "alice");
        Prepare(chat.LastMessage is null ? chat with { LastMessage = message, LastSeq = Seq } : chat, message);
    }

    /// <summary>Stores the chat and the message, and sets the clock to just after the collapse window.</summary>
    private (ChatRecord Chat, MessageRecord Message) Prepare(ChatRecord chat, MessageRecord message)
    {
        h.Store(chat);
        StoreMessage(message);
        h.Time.SetUtcNow(message.SentAt + h.PushOptions.CollapseWindow + TimeSpan.FromMilliseconds(100));
        return (chat, message);
    }

    private void StoreMessage(MessageRecord message) =>
        h.Messages.Setup(m => m.GetAsync(message.ChatId, message.Seq, It.IsAny<CancellationToken>())).ReturnsAsync(message);
}
