namespace Chat.UnitTests.Services;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Reactions;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

public sealed class MessageServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    private MessageService Service => h.MessageService;

    [Fact]
    public async Task Send_NewMessage_TakesTheNextSeq_AndBecomesTheLastMessage()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(3).Build());
        h.Time.Advance(TimeSpan.FromMinutes(30));

        var result = await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("hi"), None);

        Assert.True(result.Created);
        Assert.Equal(4, result.Message.Seq);
        Assert.Equal("hi", result.Message.Text);
        Assert.Equal(MessageStatus.Sent, result.Message.Status);
        var stored = h.Stored(chat.ChatId);
        Assert.Equal(4, stored.LastSeq);
        Assert.Equal(result.Message.MessageId, stored.LastMessage!.MessageId);
        Assert.Equal(4, h.ReceiptStates.Single(r => r.UserId == "alice").LastSentSeq);
        Assert.Equal(h.Time.GetUtcNow(), stored.LastActivityAt);
    }

    [Fact]
    public async Task Send_ToAChatTheCallerIsNotIn_Is404_AndWritesNothing()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("mallory", chat.ChatId, MessageBuilder.TextRequest(), None));

        Assert.Equal(404, error.Status);
        h.Chats.Verify(c => c.TryAppendAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<MessageRecord>(), It.IsAny<CancellationToken>()), Times.Never);
        h.Chats.Verify(c => c.TryReplaceAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Send_TextMessageWithoutText_Is400(string? text)
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(
            () => Service.SendAsync("alice", chat.ChatId, new SendMessageRequest("c1", MessageTypes.Text, text, null, null), None));

        Assert.True(error.Errors!.ContainsKey("text"));
    }

    [Fact]
    public async Task Send_TextOf4096_IsAccepted_4097_Is400()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest(new string('x', 4096), "c1"), None);
        var error = await Assert.ThrowsAsync<ChatException>(
            () => Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest(new string('x', 4097), "c2"), None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("text"));
    }

    [Theory]
    [InlineData(null, "text", "clientMessageId")]
    [InlineData("c1", "sticker", "type")]
    [InlineData("c1", null, "type")]
    public async Task Send_BadFields_Are400(string? clientMessageId, string? type, string field)
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(
            () => Service.SendAsync("alice", chat.ChatId, new SendMessageRequest(clientMessageId, type, "hi", null, null), None));

        Assert.True(error.Errors!.ContainsKey(field));
    }

    [Fact]
    public async Task Send_ClientMessageIdLongerThan64_Is400()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(
            () => Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("hi", new string('c', 65)), None));

        Assert.True(error.Errors!.ContainsKey("clientMessageId"));
    }

    [Fact]
    public async Task Send_ReplyToAFutureSeq_Is400()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(3).Build());

        var error = await Assert.ThrowsAsync<ChatException>(
            () => Service.SendAsync("alice", chat.ChatId, new SendMessageRequest("c1", MessageTypes.Text, "hi", null, 9), None));

        Assert.True(error.Errors!.ContainsKey("replyToSeq"));
    }

    [Fact]
    public async Task Send_AnotherSenderGotTheSeqFirst_ReadsTheHeadAgain_AndTakesTheNext()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(3).Build());
        var tried = new List<long>();
        h.Chats.SetupSequence(c => c.TryAppendAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<MessageRecord>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() =>
            {
                h.Store(h.Stored(chat.ChatId) with { LastSeq = 4 }); // bob's message 4 landed meanwhile
                return new AppendResult(AppendOutcome.Conflict);
            })
            .ReturnsAsync(new AppendResult(AppendOutcome.Appended, "e-after"));
        h.Chats.Invocations.Clear();

        var result = await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest(), None);

        Assert.Equal(5, result.Message.Seq);
        Assert.Equal(
            [4L, 5L],
            h.Chats.Invocations.Where(i => i.Method.Name == nameof(IChatStore.TryAppendAsync)).Select(i => ((MessageRecord)i.Arguments[2]!).Seq));
    }

    [Fact]
    public async Task Send_ConcurrentSendersInOneChat_EachGetsItsOwnSeq_NoGaps()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());
        h.Limits.MessagesPerWindow = 1000;

        var sent = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(() => Service.SendAsync(new[] { "alice", "bob", "carol" }[i % 3], chat.ChatId, MessageBuilder.TextRequest($"m{i}", $"c{i}"), None))));

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), sent.Select(r => r.Message.Seq).Order());
        Assert.Equal(30, h.Stored(chat.ChatId).LastSeq);
    }

    [Fact]
    public async Task Send_SameClientMessageId_ReturnsStoredMessage()
    {
        var original = MessageBuilder.Text("g_group1", 3, "alice", "first", clientMessageId: "client-1");
        var chat = h.Store(ChatBuilder.Group().WithAdmin("bob").WithMember("alice").WithLastMessage(original).Build());
        h.Appended.Add(original);

        var result = await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("first again", "client-1"), None);

        Assert.False(result.Created);
        Assert.Equal(3, result.Message.Seq);
        Assert.Equal("first", result.Message.Text);
        Assert.Equal(original.MessageId, result.Message.MessageId);
        Assert.Equal(3, h.Stored(chat.ChatId).LastSeq);
        h.Chats.Verify(c => c.TryReplaceAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Send_PastTheMessageRate_Is429()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        h.Limits.MessagesPerWindow = 2;

        await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("1", "c1"), None);
        await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("2", "c2"), None);
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("3", "c3"), None));

        Assert.Equal(429, error.Status);
    }

    [Fact]
    public async Task Send_RefusedByTheChat_SpendsNoneOfTheMessageLimit_AndItsRefusalComesFirst()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var hidden = h.Store(ChatBuilder.Direct("carol", "dave").Build());
        h.Limits.MessagesPerWindow = 2;
        await h.BlockService.BlockAsync("bob", "alice", None);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("alice", hidden.ChatId, MessageBuilder.TextRequest("x", $"h{i}"), None))).Status);
            Assert.Equal(403, (await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("x", $"b{i}"), None))).Status);
        }

        await h.BlockService.UnblockAsync("bob", "alice", None);
        await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("1", "c1"), None);
        await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("2", "c2"), None);
        Assert.Equal(429, (await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("3", "c3"), None))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("alice", hidden.ChatId, MessageBuilder.TextRequest("x", "h9"), None))).Status);
    }

    [Fact]
    public async Task Receipt_LowerUpToSeqAfterAHigherOne_WritesNothing()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(6).Build());
        h.ReadsState("bob", new Versioned<ReceiptState>(MessageBuilder.Receipt("bob", 5, 5), "r1"));

        var read = await Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(ReceiptTypes.Read, 3), None);
        var delivered = await Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(ReceiptTypes.Delivered, 5), None);

        Assert.Empty(read);
        Assert.Empty(delivered);
        h.Receipts.Verify(r => r.TrySaveAsync(It.IsAny<string>(), It.IsAny<ReceiptState>(), It.IsAny<string?>(), It.IsAny<IReadOnlyCollection<ReceiptAdvance>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Receipt_UpToSeqPastLastSeq_IsClampedToLastSeq()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(5).Build());
        h.Receipts.Setup(r => r.TrySaveAsync(chat.ChatId, It.IsAny<ReceiptState>(), null, It.IsAny<IReadOnlyCollection<ReceiptAdvance>>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);

        var advances = await Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(ReceiptTypes.Delivered, 100), None);

        var advance = Assert.Single(advances);
        Assert.Equal((ReceiptTypes.Delivered, 0L, 5L), (advance.Type, advance.FromSeq, advance.UpToSeq));
        h.Receipts.Verify(r => r.TrySaveAsync(chat.ChatId, It.Is<ReceiptState>(s => s.DeliveredSeq == 5 && s.ReadSeq == 0), null, It.IsAny<IReadOnlyCollection<ReceiptAdvance>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Receipt_StoreFailsHalfway_NothingMoves_AndTheRetryRecordsTheSameAdvance()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(5).Build());
        h.Receipts.SetupSequence(r => r.TrySaveAsync(chat.ChatId, It.IsAny<ReceiptState>(), null, It.IsAny<IReadOnlyCollection<ReceiptAdvance>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5)))
            .ReturnsAsync(true);

        await Assert.ThrowsAsync<ChatException>(() => Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(ReceiptTypes.Read, 5), None));
        var advances = await Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(ReceiptTypes.Read, 5), None);

        Assert.Equal([(ReceiptTypes.Delivered, 5L), (ReceiptTypes.Read, 5L)], advances.Select(a => (a.Type, a.UpToSeq)));
        h.Receipts.Verify(
            r => r.TrySaveAsync(chat.ChatId, It.Is<ReceiptState>(s => s.ReadSeq == 5), null, It.Is<IReadOnlyCollection<ReceiptAdvance>>(a => a.Count == 2), It.IsAny<CancellationToken>()),
            Times.Exactly(2));
    }

    [Fact]
    public async Task Receipt_Read_ImpliesDelivered()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(5).Build());
        h.ReadsState("bob", new Versioned<ReceiptState>(MessageBuilder.Receipt("bob", 1, 0), "r1"));
        h.Receipts.Setup(r => r.TrySaveAsync(chat.ChatId, It.IsAny<ReceiptState>(), "r1", It.IsAny<IReadOnlyCollection<ReceiptAdvance>>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);

        var advances = await Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(ReceiptTypes.Read, 3), None);

        Assert.Equal(
            [(ReceiptTypes.Delivered, 1L, 3L), (ReceiptTypes.Read, 0L, 3L)],
            advances.Select(a => (a.Type, a.FromSeq, a.UpToSeq)));
        h.Receipts.Verify(
            r => r.TrySaveAsync(
                chat.ChatId,
                It.Is<ReceiptState>(s => s.DeliveredSeq == 3 && s.ReadSeq == 3),
                "r1",
                It.Is<IReadOnlyCollection<ReceiptAdvance>>(a => a.Count == 2
                    && a.Any(x => x.Type == ReceiptTypes.Delivered && x.UpToSeq == 3) && a.Any(x => x.Type == ReceiptTypes.Read && x.UpToSeq == 3)),
                It.IsAny<CancellationToken>()),
            Times.Once);
    }

    [Fact]
    public async Task Receipt_ConcurrentChange_RetriesOnTheFreshState()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(5).Build());
        h.ReadsState("bob", (Versioned<ReceiptState>?)null, new Versioned<ReceiptState>(MessageBuilder.Receipt("bob", 2, 0), "r2"));
        h.Receipts.Setup(r => r.TrySaveAsync(chat.ChatId, It.IsAny<ReceiptState>(), null, It.IsAny<IReadOnlyCollection<ReceiptAdvance>>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        h.Receipts.Setup(r => r.TrySaveAsync(chat.ChatId, It.IsAny<ReceiptState>(), "r2", It.IsAny<IReadOnlyCollection<ReceiptAdvance>>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);

        var advances = await Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(ReceiptTypes.Delivered, 4), None);

        Assert.Equal((2L, 4L), (Assert.Single(advances).FromSeq, advances[0].UpToSeq));
    }

    [Theory]
    [InlineData("seen", 1L, "type")]
    [InlineData(null, 1L, "type")]
    [InlineData("read", null, "upToSeq")]
    [InlineData("read", -1L, "upToSeq")]
    public async Task Receipt_BadFields_Are400(string? type, long? upToSeq, string field)
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ReceiptAsync("bob", chat.ChatId, new ReceiptRequest(type, upToSeq), None));

        Assert.True(error.Errors!.ContainsKey(field));
    }

    [Fact]
    public async Task ReceiptsOf_ByANonSender_Is403()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithLastSeq(3).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 3, It.IsAny<CancellationToken>())).ReturnsAsync(MessageBuilder.Text(chat.ChatId, 3, "bob"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ReceiptsOfAsync("alice", chat.ChatId, 3, None));

        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task ReceiptsOf_BySender_ListsEachCountedMemberWithFirstTimes()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").WithMember("late", joinedAfterSeq: 3).WithLastSeq(4).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 3, It.IsAny<CancellationToken>())).ReturnsAsync(MessageBuilder.Text(chat.ChatId, 3, "alice"));
        var t1 = TestClock.Start.AddMinutes(1);
        var t2 = TestClock.Start.AddMinutes(2);
        h.Receipts.Setup(r => r.ListCoveringAsync(chat.ChatId, 3, It.IsAny<CancellationToken>())).ReturnsAsync(
        [
            new ReceiptAdvance("bob", ReceiptTypes.Delivered, 0, 3, t1),
            new ReceiptAdvance("bob", ReceiptTypes.Read, 0, 4, t2),
            new ReceiptAdvance("carol", ReceiptTypes.Read, 2, 3, t2),
        ]);

        var receipts = await Service.ReceiptsOfAsync("alice", chat.ChatId, 3, None);

        Assert.Equal(
            [new MemberReceiptView("bob", t1, t2), new MemberReceiptView("carol", t2, t2)],
            receipts.OrderBy(r => r.UserId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReceiptsOf_MessageBeforeTheCallersJoin_Is404()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice", joinedAfterSeq: 5).WithLastSeq(6).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 3, It.IsAny<CancellationToken>())).ReturnsAsync(MessageBuilder.Text(chat.ChatId, 3, "alice"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ReceiptsOfAsync("alice", chat.ChatId, 3, None));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task Delete_ByANonSenderNonAdmin_Is403()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").WithLastSeq(3).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 3, It.IsAny<CancellationToken>())).ReturnsAsync(MessageBuilder.Text(chat.ChatId, 3, "bob"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.DeleteAsync("carol", chat.ChatId, 3, None));

        Assert.Equal(403, error.Status);
        h.Messages.Verify(m => m.ReplaceAsync(It.IsAny<MessageRecord>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Delete_OtherMemberOfADirectChat_Is403()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(3).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 3, It.IsAny<CancellationToken>())).ReturnsAsync(MessageBuilder.Text(chat.ChatId, 3, "bob"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.DeleteAsync("alice", chat.ChatId, 3, None));

        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task Delete_ByGroupAdmin_BlanksTheMessage_AndTheLastMessage()
    {
        var message = MessageBuilder.Text("g_group1", 3, "bob") with { ReplyToSeq = 2 };
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithLastMessage(message).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 3, It.IsAny<CancellationToken>())).ReturnsAsync(message);

        var deleted = await Service.DeleteAsync("alice", chat.ChatId, 3, None);

        Assert.True(deleted.Deleted);
        Assert.Null(deleted.Text);
        Assert.Null(deleted.ReplyToSeq);
        h.Messages.Verify(m => m.ReplaceAsync(It.Is<MessageRecord>(r => r.Deleted && r.Text == null && r.Seq == 3), It.IsAny<CancellationToken>()), Times.Once);
        Assert.True(h.Stored(chat.ChatId).LastMessage!.Deleted);
    }

    [Fact]
    public async Task Delete_AMessageWithReactions_RemovesOnlyItsReactions()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(2).Build());
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 1, "alice"));
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 2, "bob"));
        await h.ReactionService.ReactAsync("bob", chat.ChatId, 1, new ReactionRequest("👍"), None);
        await h.ReactionService.ReactAsync("alice", chat.ChatId, 1, new ReactionRequest("❤️"), None);
        await h.ReactionService.ReactAsync("alice", chat.ChatId, 2, new ReactionRequest("😂"), None);

        await Service.DeleteAsync("alice", chat.ChatId, 1, None);

        Assert.Equal([(2L, "alice")], h.ReactionItems.Keys.Select(k => (k.Seq, k.UserId)));
    }

    [Fact]
    public async Task Delete_RetriedAfterItsReplaceLanded_FixesTheLastMessage_AnnouncesAgain_AndClearsTheReactions()
    {
        var live = MessageBuilder.Text("g_group1", 1, "alice");
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithLastMessage(live).Build());
        h.Appended.Add(live with { Deleted = true, Text = null }); // the first attempt's replace landed, nothing after it
        h.ReactionItems[(chat.ChatId, 1, "bob")] = new ReactionRecord(chat.ChatId, 1, "bob", "👍", h.Time.GetUtcNow());

        var again = await Service.DeleteAsync("alice", chat.ChatId, 1, None);

        Assert.True(again.Deleted);
        Assert.True(h.Stored(chat.ChatId).LastMessage!.Deleted);
        Assert.Empty(h.ReactionItems);
        h.Realtime.Verify(r => r.SendToGroupAsync(chat.ChatId, ClientMethods.MessageDeleted, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Send_WithMedia_WhoseAttachFails_Answers503_AndItsResendAttachesThenAnnounces()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var stored = new Versioned<MediaRecord>(MediaBuilder.Pending(contentType: "application/pdf"), "e1");
        var storeDown = true;
        h.Media.Setup(m => m.GetAsync("media1", It.IsAny<CancellationToken>())).ReturnsAsync(() => stored);
        h.Media.Setup(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((MediaRecord r, string tag, CancellationToken _) =>
            {
                // The claim lands; the attach does not while the store is down.
                stored = storeDown && r.State == MediaStates.Attached ? throw ChatErrors.Unavailable("media store", TimeSpan.FromSeconds(1)) : new Versioned<MediaRecord>(r, tag + "+");
                return true;
            });
        h.Blobs.Setup(b => b.InspectAsync("media1", It.IsAny<CancellationToken>())).ReturnsAsync(new BlobFacts(1000, "\"0xBLOB\"", MediaBuilder.HeadOf("application/pdf")));
        var request = new SendMessageRequest("client-file", MessageTypes.File, null, "media1", null);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("alice", chat.ChatId, request, None));
        h.Realtime.Verify(r => r.SendToGroupAsync(chat.ChatId, ClientMethods.Message, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Never);
        storeDown = false;
        var resent = await Service.SendAsync("alice", chat.ChatId, request, None);

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        Assert.False(resent.Created);
        Assert.Equal((MediaStates.Attached, "\"0xBLOB\""), (stored.Value.State, stored.Value.BlobETag));
        Assert.Equal([new MediaCarrier(chat.ChatId, 1)], stored.Value.Carriers);
        h.Realtime.Verify(r => r.SendToGroupAsync(chat.ChatId, ClientMethods.Message, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Send_WithMedia_WhoseMessageAConcurrentAttemptStored_AttachesThatMessagesMedia_NotItsOwn()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var claim = MediaClaims.Of(chat.ChatId, "client-file");
        var records = new Dictionary<string, Versioned<MediaRecord>>(StringComparer.Ordinal)
        {
            ["media1"] = new(MediaBuilder.Pending(mediaId: "media1", contentType: "application/pdf"), "e1"),
            ["media2"] = new(MediaBuilder.Pending(mediaId: "media2", contentType: "application/pdf") with { ClaimedBy = claim }, "e1"),
        };
        h.Media.Setup(m => m.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync((string id, CancellationToken _) => records.GetValueOrDefault(id));
        h.Media.Setup(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((MediaRecord r, string tag, CancellationToken _) =>
            {
                records[r.MediaId] = new Versioned<MediaRecord>(r, tag + "+");
                return true;
            });
        h.Blobs.Setup(b => b.InspectAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(new BlobFacts(1000, "\"0xBLOB\"", MediaBuilder.HeadOf("application/pdf")));

        // A concurrent first attempt of the same send, with another upload, stored seq 1 after this one looked for it.
        var first = MessageBuilder.Text(chat.ChatId, 1, "alice") with { ClientMessageId = "client-file", Type = MessageTypes.File, Text = null, Media = MediaService.ToRef(records["media2"].Value) };
        h.Appended.Add(first);
        h.Messages.SetupSequence(m => m.FindSentAsync(chat.ChatId, "alice", "client-file", It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SentMessage?)null)
            .ReturnsAsync(new SentMessage(first, []));

        var result = await Service.SendAsync("alice", chat.ChatId, new SendMessageRequest("client-file", MessageTypes.File, null, "media1", null), None);

        Assert.False(result.Created);
        Assert.Equal(MediaStates.Attached, records["media2"].Value.State);
        Assert.Equal([new MediaCarrier(chat.ChatId, 1)], records["media2"].Value.Carriers);
        Assert.Equal((MediaStates.Pending, claim), (records["media1"].Value.State, records["media1"].Value.ClaimedBy)); // reserved, never attached: the sweep takes it
    }

    [Fact]
    public async Task Send_AReply_CarriesAPreviewOfTheQuotedMessage()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").WithLastSeq(1).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 1, It.IsAny<CancellationToken>())).ReturnsAsync(MessageBuilder.Text(chat.ChatId, 1, "bob", "lunch?"));

        var result = await Service.SendAsync("alice", chat.ChatId, MessageBuilder.TextRequest("yes") with { ReplyToSeq = 1 }, None);

        Assert.Equal(new ReplyToView(1, "bob", "text", "lunch?", null), result.Message.ReplyTo);
        Assert.Equal(new ReplyPreview(1, "bob", "text", "lunch?", false), h.Appended.Single().ReplyTo);
    }

    [Fact]
    public async Task Send_AReplyToAMessageBeforeTheSendersJoin_Is400()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 2).WithLastSeq(3).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string _, long seq, CancellationToken _) => MessageBuilder.Text(chat.ChatId, seq, "alice"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.SendAsync("bob", chat.ChatId, MessageBuilder.TextRequest("what?") with { ReplyToSeq = 2 }, None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("replyToSeq"));
        Assert.Empty(h.Appended);
    }

    [Fact]
    public async Task Delete_BlanksThePreviewInEveryReply()
    {
        var quoted = MessageBuilder.Text("g_group1", 1, "bob", "embarrassing");
        var reply = MessageBuilder.Text("g_group1", 2, "alice", "lol") with { ReplyToSeq = 1, ReplyTo = ReplyQuotes.PreviewOf(quoted) };
        h.Appended.Add(reply);
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithLastMessage(reply).Build());
        h.Messages.Setup(m => m.GetAsync(chat.ChatId, 1, It.IsAny<CancellationToken>())).ReturnsAsync(quoted);

        await Service.DeleteAsync("bob", chat.ChatId, 1, None);

        h.Messages.Verify(m => m.SetReplyPreviewAsync(chat.ChatId, 2, new ReplyPreview(1, "bob", "text", null, true), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(new ReplyPreview(1, "bob", "text", null, true), h.Stored(chat.ChatId).LastMessage!.ReplyTo); // the chat list's copy too
    }

    [Fact]
    public async Task History_StartsAtTheCallersJoin()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 4).WithLastSeq(6).Build());
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 4, "alice"));
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 5, "alice"));
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 6, "alice"));

        var page = await Service.HistoryAsync("bob", chat.ChatId, new HistoryQuery(null, null, null), None);

        Assert.Equal([5L, 6L], page.Messages.Select(m => m.Seq));
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task History_BothCursors_Is400()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.HistoryAsync("bob", chat.ChatId, new HistoryQuery(5, 1, null), None));

        Assert.True(error.Errors!.ContainsKey("afterSeq"));
    }
}
