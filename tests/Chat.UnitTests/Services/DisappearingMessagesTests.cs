namespace Chat.UnitTests.Services;

using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Reactions;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

/// <summary>API v1.1 disappearing messages: the timer, expiresAt, and expiry on every read path at once.</summary>
public sealed class DisappearingMessagesTests
{
    private const int Day = 86_400;

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    [Theory]
    [InlineData(0, true)]
    [InlineData(86_400, true)]
    [InlineData(604_800, true)]
    [InlineData(7_776_000, true)]
    [InlineData(1, false)]
    [InlineData(3_600, false)]
    [InlineData(-86_400, false)]
    [InlineData(null, false)]
    public async Task Timer_TakesOnlyTheFourValues(int? seconds, bool allowed)
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Record.ExceptionAsync(() => h.ChatService.SetTimerAsync("bob", chat.ChatId, new TimerRequest(seconds), None));

        Assert.Equal(allowed ? null : 400, (error as ChatException)?.Status);
        Assert.Equal(allowed ? seconds : 0, h.Stored(chat.ChatId).MessageTimer);
        if (!allowed)
        {
            Assert.True(((ChatException)error!).Errors!.ContainsKey("seconds"));
        }
    }

    [Fact]
    public async Task Timer_InAGroup_IsForAdmins_AndEveryMemberHearsOfIt()
    {
        var group = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());

        Assert.Equal(403, (await Assert.ThrowsAsync<ChatException>(() => h.ChatService.SetTimerAsync("bob", group.ChatId, new TimerRequest(Day), None))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => h.ChatService.SetTimerAsync("mallory", group.ChatId, new TimerRequest(Day), None))).Status);
        var view = await h.ChatService.SetTimerAsync("alice", group.ChatId, new TimerRequest(Day), None);

        Assert.Equal(Day, view.MessageTimer);
        h.Realtime.Verify(r => r.SendToGroupAsync(group.ChatId, ClientMethods.Chat, It.Is<ChatView>(c => c.MessageTimer == Day), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task AMessageSentWhileTheTimerIsOn_ExpiresThatLongAfterItWasSent_OthersNever()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var before = await SendAsync(chat, "c0");
        await h.ChatService.SetTimerAsync("alice", chat.ChatId, new TimerRequest(7 * Day), None);

        var after = await SendAsync(chat, "c1");

        Assert.Null(before.ExpiresAt);
        Assert.Equal(after.SentAt.AddDays(7), after.ExpiresAt);
        Assert.Equal(after.ExpiresAt, h.Appended.Single(m => m.Seq == after.Seq).ExpiresAt);
    }

    [Fact]
    public async Task OnceTheNewestHasExpired_TheMessagesSentUnderTheTimerAreNoLongerUnread()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        await SendAsync(chat, "c0");
        await SendAsync(chat, "c1");
        await h.ChatService.SetTimerAsync("alice", chat.ChatId, new TimerRequest(Day), None);
        foreach (var id in new[] { "c2", "c3", "c4" })
        {
            await SendAsync(chat, id);
        }

        var before = await h.ChatService.GetAsync("bob", chat.ChatId, None);
        h.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var after = await h.ChatService.GetAsync("bob", chat.ChatId, None);

        Assert.Equal((5L, 5L), (before.LastSeq, before.UnreadCount!.Value));
        Assert.Equal((5L, 2L), (after.LastSeq, after.UnreadCount!.Value)); // the two sent before the timer never expire
        Assert.Null(after.LastMessage);
    }

    [Fact]
    public async Task OnceExpired_AMessageIsGoneFromHistorySearchReceiptsAndEveryAction()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build() with { MessageTimer = Day });
        var kept = await SendAsync(chat, "c0", text: "hello forever");
        h.Store(h.Stored(chat.ChatId) with { MessageTimer = 0 });
        var gone = await SendAsync(chat, "c1", text: "hello world");
        h.Store(h.Stored(chat.ChatId) with { MessageTimer = Day });
        var goneToo = await SendAsync(chat, "c2", text: "hello again");
        h.Time.Advance(TimeSpan.FromDays(1));

        var history = await h.MessageService.HistoryAsync("bob", chat.ChatId, new HistoryQuery(null, null, null), None);
        var search = await h.MessageService.SearchAsync("bob", chat.ChatId, new SearchQuery("hello", null, null), None);

        Assert.Equal([gone.Seq], history.Messages.Select(m => m.Seq)); // seqs of expired ones are skipped, never reused
        Assert.Equal([gone.Seq], search.Messages.Select(m => m.Seq));
        foreach (var seq in new[] { kept.Seq, goneToo.Seq })
        {
            await Expect404(() => h.MessageService.ReceiptsOfAsync("alice", chat.ChatId, seq, None));
            await Expect404(() => h.MessageService.DeleteAsync("alice", chat.ChatId, seq, None));
            await Expect404(() => h.ReactionService.ReactAsync("bob", chat.ChatId, seq, new ReactionRequest("👍"), None));
            await Expect404(() => h.EditService.EditAsync("alice", chat.ChatId, seq, new EditMessageRequest("edited"), None));
        }

        await Expect404(() => h.ForwardService.ForwardAsync("bob", chat.ChatId, goneToo.Seq, new ForwardRequest([chat.ChatId], "f1"), None));
        var reply = await Assert.ThrowsAsync<ChatException>(() => h.MessageService.SendAsync("bob", chat.ChatId, new SendMessageRequest("c3", MessageTypes.Text, "re", null, goneToo.Seq), None));
        Assert.True(reply.Errors!.ContainsKey("replyToSeq"));
    }

    [Fact]
    public async Task HistoryPassesOverPagesWhoseEveryMessageExpired_BothWays_SoPagingNeverStalls()
    {
        h.Limits.MessagesPerWindow = 1_000;
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var oldest = await SendAsync(chat, "c0", text: "kept");
        h.Store(h.Stored(chat.ChatId) with { MessageTimer = Day });
        for (var i = 1; i <= 120; i++)
        {
            await SendAsync(chat, "t" + i);
        }

        h.Store(h.Stored(chat.ChatId) with { MessageTimer = 0 });
        var newest = await SendAsync(chat, "c1", text: "kept too");
        h.Time.Advance(TimeSpan.FromDays(1));

        var back = await h.MessageService.HistoryAsync("bob", chat.ChatId, new HistoryQuery(newest.Seq, null, 10), None);
        var forward = await h.MessageService.HistoryAsync("bob", chat.ChatId, new HistoryQuery(null, oldest.Seq, 10), None);
        var newestPage = await h.MessageService.HistoryAsync("bob", chat.ChatId, new HistoryQuery(null, null, 10), None);

        Assert.Equal([oldest.Seq], back.Messages.Select(m => m.Seq));
        Assert.False(back.HasMore);
        Assert.Equal([newest.Seq], forward.Messages.Select(m => m.Seq));
        Assert.False(forward.HasMore);
        Assert.Equal([newest.Seq], newestPage.Messages.Select(m => m.Seq));
        Assert.True(newestPage.HasMore); // the oldest one lies below: the next page (beforeSeq = newest) finds it
    }

    [Fact]
    public async Task ASearchPage_IsFullOfLiveMatches_ItsLastSeqTheCursor()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var kept = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            h.Store(h.Stored(chat.ChatId) with { MessageTimer = i % 2 == 0 ? 0 : Day });
            var sent = await SendAsync(chat, "c" + i, text: "needle " + i);
            if (i % 2 == 0)
            {
                kept.Add(sent.Seq);
            }
        }

        h.Time.Advance(TimeSpan.FromDays(1));
        var page = await h.MessageService.SearchAsync("bob", chat.ChatId, new SearchQuery("needle", 2, null), None);

        Assert.Equal(new[] { kept[2], kept[1] }, page.Messages.Select(m => m.Seq));
        Assert.Equal((true, kept[1]), (page.HasMore, page.NextBeforeSeq));
    }

    [Fact]
    public async Task TheChat_NeverShowsAnExpiredLastMessage()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build() with { MessageTimer = Day });
        await SendAsync(chat, "c0");

        Assert.NotNull((await h.ChatService.GetAsync("bob", chat.ChatId, None)).LastMessage);
        h.Time.Advance(TimeSpan.FromDays(1));

        Assert.Null((await h.ChatService.GetAsync("bob", chat.ChatId, None)).LastMessage);
        Assert.Null(ChatViews.ToView(h.Stored(chat.ChatId), viewerId: null, new Dictionary<string, ReceiptState>(), h.Time.GetUtcNow()).LastMessage);
    }

    [Fact]
    public async Task AReplyOutlivingTheMessageItQuotes_LosesTheQuotedText()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build() with { MessageTimer = Day });
        var quoted = await SendAsync(chat, "c0", text: "soon gone");
        h.Store(h.Stored(chat.ChatId) with { MessageTimer = 0 });
        var reply = await h.MessageService.SendAsync("bob", chat.ChatId, new SendMessageRequest("c1", MessageTypes.Text, "noted", null, quoted.Seq), None);
        Assert.Equal("soon gone", reply.Message.ReplyTo!.Text);

        h.Time.Advance(TimeSpan.FromDays(1));
        var shown = Assert.Single((await h.MessageService.HistoryAsync("alice", chat.ChatId, new HistoryQuery(null, null, null), None)).Messages);

        Assert.Equal(reply.Message.Seq, shown.Seq);
        Assert.Equal((quoted.Seq, (string?)null, (bool?)null), (shown.ReplyTo!.Seq, shown.ReplyTo.Text, shown.ReplyTo.Deleted));
    }

    [Fact]
    public async Task AForward_TakesTheTargetChatsTimer_NotTheSources()
    {
        var source = h.Store(ChatBuilder.Group("g_plain").WithAdmin("alice").WithMember("bob").Build());
        var timed = h.Store(ChatBuilder.Direct("alice", "carol").Build() with { MessageTimer = 7 * Day });
        var sent = await SendAsync(source, "c0");

        var forwarded = await h.ForwardService.ForwardAsync("alice", source.ChatId, sent.Seq, new ForwardRequest([timed.ChatId], "f1"), None);

        var copy = Assert.Single(forwarded.Messages);
        Assert.Equal(copy.SentAt.AddDays(7), copy.ExpiresAt);
    }

    [Fact]
    public void MessageTimers_GiveNoExpiryWhenOff()
    {
        Assert.Null(MessageTimers.ExpiryOf(TestClock.Start, 0));
        Assert.Equal(TestClock.Start.AddDays(90), MessageTimers.ExpiryOf(TestClock.Start, 7_776_000));
        Assert.Equal([0, 86_400, 604_800, 7_776_000], MessageTimers.Allowed.Order());
    }

    private async Task<MessageView> SendAsync(ChatRecord chat, string clientMessageId, string text = "hello") =>
        (await h.MessageService.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest(text, clientMessageId), None)).Message;

    private static async Task Expect404(Func<Task> act) => Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(act)).Status);
}
