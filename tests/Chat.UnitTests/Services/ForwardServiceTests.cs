namespace Chat.UnitTests.Services;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

public sealed class ForwardServiceTests
{
    private const string Source = "g_source";

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    private ForwardService Service => h.ForwardService;

    [Fact]
    public async Task Forward_ToTwoChats_AppendsOnePerTarget_InTheirOrder_AsForwardedCopies_WithoutTheReply()
    {
        WithSource(MessageBuilder.Text(Source, 2, "bob", "see this") with { ReplyToSeq = 1, ReplyTo = new ReplyPreview(1, "alice", "text", "q", false) });
        var first = h.Store(ChatBuilder.Group("g_first").WithAdmin("alice").WithMember("carol").WithLastSeq(4).Build());
        var second = h.Store(ChatBuilder.Direct("alice", "dave").Build());

        var result = await Service.ForwardAsync("alice", Source, 2, new ForwardRequest([second.ChatId, first.ChatId], "fw-1"), None);

        Assert.True(result.Created);
        Assert.Equal([(second.ChatId, 1L), (first.ChatId, 5L)], result.Messages.Select(m => (m.ChatId, m.Seq)));
        Assert.All(result.Messages, m =>
        {
            Assert.True(m.Forwarded);
            Assert.Equal(("alice", "text", "see this", "fw-1"), (m.SenderId, m.Type, m.Text, m.ClientMessageId));
            Assert.Null(m.ReplyToSeq);
            Assert.Null(m.ReplyTo);
        });
        Assert.Equal(5, h.Stored(first.ChatId).LastSeq);
        Assert.True(h.Stored(first.ChatId).LastMessage!.Forwarded);
        h.Realtime.Verify(r => r.SendToGroupAsync(first.ChatId, ClientMethods.Message, It.Is<MessageView>(v => v.Seq == 5 && v.Forwarded == true), It.IsAny<CancellationToken>()), Times.Once);
        h.Realtime.Verify(r => r.SendToGroupAsync(second.ChatId, ClientMethods.Message, It.Is<MessageView>(v => v.Seq == 1), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(2, h.Stored(Source).LastSeq); // the source chat gets nothing
    }

    [Fact]
    public async Task Forward_ShowsForwarded_InTheTargetsHistory()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob", "fyi"));
        var target = h.Store(ChatBuilder.Group("g_target").WithAdmin("alice").WithMember("carol").Build());

        await Service.ForwardAsync("alice", Source, 1, new ForwardRequest([target.ChatId], "fw-1"), None);

        var shown = Assert.Single((await h.MessageService.HistoryAsync("carol", target.ChatId, new HistoryQuery(null, null, null), None)).Messages);
        Assert.Equal((true, "fyi"), (shown.Forwarded, shown.Text));
    }

    public static TheoryData<string?[]?, string?, int, string> BadRequests => new()
    {
        { null, "fw-1", 400, "chatIds" },
        { [], "fw-1", 400, "chatIds" },
        { ["g_a", "g_a"], "fw-1", 400, "chatIds" },
        { ["g_a", null], "fw-1", 400, "chatIds" },
        { ["g_a", ""], "fw-1", 400, "chatIds" },
        { ["g_a"], null, 400, "clientMessageId" },
        { ["g_a"], "", 400, "clientMessageId" },
        { ["g_a"], new string('c', 65), 400, "clientMessageId" },
        { ["g_1", "g_2", "g_3", "g_4", "g_5", "g_6"], "fw-1", 422, "" },
        { ["g_1", "g_2", "g_3", "g_4", "g_5", "g_5", "g_6"], "fw-1", 400, "chatIds" }, // malformed first, as for groups past their cap
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Forward_BadBody_IsRefused_BeforeAnythingIsRead(string?[]? chatIds, string? clientMessageId, int status, string field)
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob"));
        foreach (var id in new[] { "g_a", "g_1", "g_2", "g_3", "g_4", "g_5", "g_6" })
        {
            h.Store(ChatBuilder.Group(id).WithAdmin("alice").Build());
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ForwardAsync("alice", Source, 1, new ForwardRequest(chatIds, clientMessageId), None));

        Assert.Equal(status, error.Status);
        if (status == 400)
        {
            Assert.True(error.Errors!.ContainsKey(field));
        }

        NothingAppended();
    }

    [Fact]
    public async Task Forward_FiveTargets_IsAccepted()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob"));
        var ids = Enumerable.Range(1, 5).Select(i => h.Store(ChatBuilder.Group("g_" + i).WithAdmin("alice").Build()).ChatId).ToArray();

        var result = await Service.ForwardAsync("alice", Source, 1, new ForwardRequest(ids, "fw-5"), None);

        Assert.Equal(ids, result.Messages.Select(m => m.ChatId));
    }

    [Fact]
    public async Task Forward_OneTargetTheCallerIsNotIn_Is404_AndNothingIsWrittenAnywhere()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob"));
        var mine = h.Store(ChatBuilder.Group("g_mine").WithAdmin("alice").Build());
        var theirs = h.Store(ChatBuilder.Group("g_theirs").WithAdmin("mallory").Build());

        var error = await Assert.ThrowsAsync<ChatException>(
            () => Service.ForwardAsync("alice", Source, 1, new ForwardRequest([mine.ChatId, theirs.ChatId, "g_nowhere"], "fw-1"), None));

        Assert.Equal(404, error.Status);
        NothingAppended();
        Assert.Equal(0, h.Stored(mine.ChatId).LastSeq);
        h.Realtime.Verify(r => r.SendToGroupAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Forward_ADeletedSource_Is404()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob") with { Deleted = true, Text = null });
        var target = h.Store(ChatBuilder.Group("g_target").WithAdmin("alice").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ForwardAsync("alice", Source, 1, new ForwardRequest([target.ChatId], "fw-1"), None));

        Assert.Equal(404, error.Status);
        NothingAppended();
    }

    [Theory]
    [InlineData("alice", 1)] // sent before alice joined
    [InlineData("mallory", 3)] // not a member of the source chat
    [InlineData("alice", 9)] // no such message
    public async Task Forward_ASourceTheCallerDoesNotSee_Is404(string callerId, long seq)
    {
        h.Store(ChatBuilder.Group(Source).WithAdmin("bob").WithMember("alice", joinedAfterSeq: 2).WithLastSeq(3).Build());
        h.Appended.Add(MessageBuilder.Text(Source, 1, "bob"));
        h.Appended.Add(MessageBuilder.Text(Source, 3, "bob"));
        var target = h.Store(ChatBuilder.Group("g_target").WithAdmin(callerId).Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ForwardAsync(callerId, Source, seq, new ForwardRequest([target.ChatId], "fw-1"), None));

        Assert.Equal(404, error.Status);
        Assert.Equal(2, h.Appended.Count);
    }

    [Fact]
    public async Task Forward_SameClientMessageIdAgain_AnswersTheSameMessages_AsNotCreated_AndStoresNothingNew()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob"));
        var one = h.Store(ChatBuilder.Group("g_one").WithAdmin("alice").Build());
        var two = h.Store(ChatBuilder.Group("g_two").WithAdmin("alice").Build());
        var request = new ForwardRequest([one.ChatId, two.ChatId], "fw-1");
        var first = await Service.ForwardAsync("alice", Source, 1, request, None);

        var again = await Service.ForwardAsync("alice", Source, 1, request, None);

        Assert.False(again.Created);
        Assert.Equal(first.Messages.Select(m => (m.ChatId, m.Seq, m.MessageId)), again.Messages.Select(m => (m.ChatId, m.Seq, m.MessageId)));
        Assert.All(again.Messages, m => Assert.True(m.Forwarded));
        Assert.Equal(3, h.Appended.Count);
        Assert.Equal((1L, 1L), (h.Stored(one.ChatId).LastSeq, h.Stored(two.ChatId).LastSeq));
    }

    [Fact]
    public async Task Forward_RetriedAfterTheLimitIsSpentOrTheSourceIsGone_StillAnswersTheStoredForwards()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob"));
        var one = h.Store(ChatBuilder.Group("g_one").WithAdmin("alice").Build());
        var two = h.Store(ChatBuilder.Group("g_two").WithAdmin("alice").Build());
        var request = new ForwardRequest([one.ChatId, two.ChatId], "fw-1");
        h.Limits.MessagesPerWindow = 2;
        var first = await Service.ForwardAsync("alice", Source, 1, request, None);

        var afterTheLimit = await Service.ForwardAsync("alice", Source, 1, request, None);
        h.Store(h.Stored(Source) with { Members = h.Stored(Source).Members.Where(m => m.UserId != "alice").ToArray() });
        var afterLeaving = await Service.ForwardAsync("alice", Source, 1, request, None);

        Assert.All(new[] { afterTheLimit, afterLeaving }, again =>
        {
            Assert.False(again.Created);
            Assert.Equal(first.Messages.Select(m => (m.ChatId, m.Seq)), again.Messages.Select(m => (m.ChatId, m.Seq)));
        });
        var other = await Assert.ThrowsAsync<ChatException>(() => Service.ForwardAsync("alice", Source, 1, new ForwardRequest([one.ChatId], "fw-2"), None));
        Assert.Equal(404, other.Status); // a new forward is still refused
        Assert.Equal(3, h.Appended.Count);
    }

    [Fact]
    public async Task Forward_FailingAtTheSecondTarget_LeavesTheFirst_AndARetryCompletesTheSecond_WithoutDuplicatingTheFirst()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob"));
        var one = h.Store(ChatBuilder.Group("g_one").WithAdmin("alice").Build());
        var two = h.Store(ChatBuilder.Group("g_two").WithAdmin("alice").Build());
        var request = new ForwardRequest([one.ChatId, two.ChatId], "fw-1");
        h.AppendFault = m => m.ChatId == two.ChatId ? ChatErrors.Unavailable("message store", TimeSpan.FromSeconds(1)) : null;
        var failed = await Assert.ThrowsAsync<ChatException>(() => Service.ForwardAsync("alice", Source, 1, request, None));
        Assert.Equal(503, failed.Status);
        var firstTry = h.Appended.Single(m => m.ChatId == one.ChatId);

        h.AppendFault = null;
        var retry = await Service.ForwardAsync("alice", Source, 1, request, None);

        Assert.True(retry.Created); // the second target was written now
        Assert.Equal([(one.ChatId, firstTry.MessageId), (two.ChatId, retry.Messages[1].MessageId)], retry.Messages.Select(m => (m.ChatId, m.MessageId)));
        Assert.Single(h.Appended, m => m.ChatId == one.ChatId);
        Assert.Single(h.Appended, m => m.ChatId == two.ChatId);
        Assert.Equal((1L, 1L), (h.Stored(one.ChatId).LastSeq, h.Stored(two.ChatId).LastSeq));
    }

    [Fact]
    public async Task Forward_CountsOneMessagePerTarget_AndARefusedOneCountsNothing()
    {
        WithSource(MessageBuilder.Text(Source, 1, "bob"));
        var one = h.Store(ChatBuilder.Group("g_one").WithAdmin("alice").Build());
        var two = h.Store(ChatBuilder.Group("g_two").WithAdmin("alice").Build());
        h.Limits.MessagesPerWindow = 3;
        await Service.ForwardAsync("alice", Source, 1, new ForwardRequest([one.ChatId, two.ChatId], "fw-1"), None);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ForwardAsync("alice", Source, 1, new ForwardRequest([one.ChatId, two.ChatId], "fw-2"), None));

        Assert.Equal(429, error.Status);
        Assert.Equal(3, h.Appended.Count);
        await h.MessageService.SendAsync("alice", one.ChatId, MessageBuilder.TextRequest("the third", "c-3"), None); // the one permit left
        await Assert.ThrowsAsync<ChatException>(() => h.MessageService.SendAsync("alice", one.ChatId, MessageBuilder.TextRequest("a fourth", "c-4"), None));
    }

    [Fact]
    public async Task Forward_Media_KeepsTheOneBlob_AndAddsEachTargetAsACarrier()
    {
        var media = MediaBuilder.Attached(Source, 1, ownerId: "bob");
        var stored = new Versioned<MediaRecord>(media, "e1");
        h.Media.Setup(m => m.GetAsync(media.MediaId, It.IsAny<CancellationToken>())).ReturnsAsync(() => stored);
        h.Media.Setup(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((MediaRecord r, string tag, CancellationToken _) =>
            {
                stored = new Versioned<MediaRecord>(r, tag + "+");
                return true;
            });
        WithSource(MessageBuilder.Text(Source, 1, "bob", text: null!) with { Type = MessageTypes.Image, Media = MediaService.ToRef(media) });
        var one = h.Store(ChatBuilder.Group("g_one").WithAdmin("alice").Build());
        var two = h.Store(ChatBuilder.Direct("alice", "dave").Build());

        var result = await Service.ForwardAsync("alice", Source, 1, new ForwardRequest([one.ChatId, two.ChatId], "fw-img"), None);

        Assert.All(result.Messages, m => Assert.Equal((MessageTypes.Image, media.MediaId), (m.Type, m.Media!.MediaId)));
        Assert.Equal([new MediaCarrier(Source, 1), new MediaCarrier(one.ChatId, 1), new MediaCarrier(two.ChatId, 1)], stored.Value.Carriers);
        h.Blobs.VerifyNoOtherCalls(); // no copy of the bytes
    }

    [Fact]
    public async Task Forward_Media_WhoseCarrierCannotBeAdded_Answers503_AndItsRetry_AtTheLimit_AddsItThenAnnounces()
    {
        var media = MediaBuilder.Attached(Source, 1, ownerId: "bob");
        var stored = new Versioned<MediaRecord>(media, "e1");
        var storeDown = true;
        h.Media.Setup(m => m.GetAsync(media.MediaId, It.IsAny<CancellationToken>())).ReturnsAsync(() => stored);
        h.Media.Setup(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((MediaRecord r, string tag, CancellationToken _) =>
            {
                stored = storeDown ? throw ChatErrors.Unavailable("media store", TimeSpan.FromSeconds(1)) : new Versioned<MediaRecord>(r, tag + "+");
                return true;
            });
        WithSource(MessageBuilder.Text(Source, 1, "bob", text: null!) with { Type = MessageTypes.Image, Media = MediaService.ToRef(media) });
        var target = h.Store(ChatBuilder.Direct("alice", "dave").Build());
        var request = new ForwardRequest([target.ChatId], "fw-img");
        h.Limits.MessagesPerWindow = 1; // the first try spends it: the retry is refused, and answers what is stored

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ForwardAsync("alice", Source, 1, request, None));
        h.Realtime.Verify(r => r.SendToGroupAsync(target.ChatId, ClientMethods.Message, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Never);
        storeDown = false;
        var retried = await Service.ForwardAsync("alice", Source, 1, request, None);

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        Assert.False(retried.Created);
        Assert.Single(h.Appended, m => m.ChatId == target.ChatId); // stored by the first try, found by the retry
        Assert.Equal([new MediaCarrier(Source, 1), new MediaCarrier(target.ChatId, 1)], stored.Value.Carriers);
        h.Realtime.Verify(r => r.SendToGroupAsync(target.ChatId, ClientMethods.Message, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    private void WithSource(MessageRecord message)
    {
        h.Store(ChatBuilder.Group(Source).WithAdmin("bob").WithMember("alice").WithLastSeq(message.Seq).Build());
        h.Appended.Add(message);
    }

    private void NothingAppended() =>
        h.Chats.Verify(c => c.TryAppendAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<MessageRecord>(), It.IsAny<CancellationToken>()), Times.Never);
}
