namespace Chat.UnitTests.Services;

using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Reactions;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

public sealed class ReactionServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    private ReactionService Service => h.ReactionService;

    [Fact]
    public async Task React_StoresOnePerMember_ANewOneReplacesTheOld_AndTellsEveryMember()
    {
        var chat = WithMessage(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());

        await Service.ReactAsync("bob", chat.ChatId, 1, new ReactionRequest("👍"), None);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await Service.ReactAsync("carol", chat.ChatId, 1, new ReactionRequest("😂"), None);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var view = await Service.ReactAsync("bob", chat.ChatId, 1, new ReactionRequest("❤️"), None);

        Assert.Equal([("carol", "😂"), ("bob", "❤️")], view.Reactions.Select(r => (r.UserId, r.Emoji)));
        Assert.Equal(2, h.ReactionItems.Count);
        h.Realtime.Verify(
            r => r.SendToGroupAsync(chat.ChatId, ClientMethods.Reaction, It.Is<ReactionEvent>(e => e.UserId == "bob" && e.Emoji == "❤️" && e.Seq == 1), It.IsAny<CancellationToken>()),
            Times.Once);
    }

    [Fact]
    public async Task Unreact_RemovesTheCallersOnly_AndIsFineWhenThereIsNone()
    {
        var chat = WithMessage(ChatBuilder.Direct("alice", "bob").Build());
        await Service.ReactAsync("alice", chat.ChatId, 1, new ReactionRequest("👍"), None);
        await Service.ReactAsync("bob", chat.ChatId, 1, new ReactionRequest("👎"), None);

        await Service.UnreactAsync("bob", chat.ChatId, 1, None);
        await Service.UnreactAsync("bob", chat.ChatId, 1, None);

        Assert.Equal(["alice"], h.ReactionItems.Values.Select(r => r.UserId));
        h.Realtime.Verify(
            r => r.SendToGroupAsync(chat.ChatId, ClientMethods.Reaction, It.Is<ReactionEvent>(e => e.UserId == "bob" && e.Emoji == null), It.IsAny<CancellationToken>()),
            Times.Once); // the second removal had nothing to remove
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ok")]
    [InlineData("👍👍")]
    public async Task React_WithoutOneEmoji_Is400WithErrorsEmoji(string? emoji)
    {
        var chat = WithMessage(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ReactAsync("bob", chat.ChatId, 1, new ReactionRequest(emoji), None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("emoji"));
        Assert.Empty(h.ReactionItems);
    }

    [Fact]
    public async Task React_ToADeletedMissingOrPreJoinMessage_OrInAChatOfOthers_Is404()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 1).WithLastSeq(2).Build());
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 1, "alice"));
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 2, "alice") with { Deleted = true, Text = null });
        var others = WithMessage(ChatBuilder.Direct("carol", "dave").Build());

        foreach (var (chatId, seq) in new[] { (chat.ChatId, 1L), (chat.ChatId, 2L), (chat.ChatId, 7L), (others.ChatId, 1L) })
        {
            var error = await Assert.ThrowsAsync<ChatException>(() => Service.ReactAsync("bob", chatId, seq, new ReactionRequest("👍"), None));
            Assert.Equal(404, error.Status);
            await Assert.ThrowsAsync<ChatException>(() => Service.UnreactAsync("bob", chatId, seq, None));
        }

        Assert.Empty(h.ReactionItems);
    }

    [Fact]
    public async Task React_ToAMessageDeletedWhileTheRequestRan_Is404_AndTellsNobody()
    {
        var chat = WithMessage(ChatBuilder.Direct("alice", "bob").Build());
        h.Reactions.Setup(r => r.PutAsync(It.IsAny<ReactionRecord>(), It.IsAny<CancellationToken>())).ReturnsAsync(false); // the store saw it deleted

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ReactAsync("bob", chat.ChatId, 1, new ReactionRequest("👍"), None));

        Assert.Equal(404, error.Status);
        h.Realtime.Verify(r => r.SendToGroupAsync(It.IsAny<string>(), ClientMethods.Reaction, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task History_ShowsEachMessagesReactions_AndNoneOnADeletedOne()
    {
        var chat = WithMessage(ChatBuilder.Direct("alice", "bob").Build());
        await Service.ReactAsync("bob", chat.ChatId, 1, new ReactionRequest("🎉"), None);
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 2, "alice") with { Deleted = true, Text = null });
        h.ReactionItems[(chat.ChatId, 2, "bob")] = new ReactionRecord(chat.ChatId, 2, "bob", "👍", h.Time.GetUtcNow());
        h.Store(h.Stored(chat.ChatId) with { LastSeq = 2 });

        var page = await h.MessageService.HistoryAsync("alice", chat.ChatId, new HistoryQuery(null, null, null), None);

        Assert.Equal([("bob", "🎉")], page.Messages[0].Reactions.Select(r => (r.UserId, r.Emoji)));
        Assert.Empty(page.Messages[1].Reactions);
    }

    private ChatRecord WithMessage(ChatRecord chat)
    {
        var message = MessageBuilder.Text(chat.ChatId, 1, chat.Members[0].UserId);
        h.Appended.Add(message);
        return h.Store(chat with { LastSeq = 1, LastMessage = message });
    }
}
