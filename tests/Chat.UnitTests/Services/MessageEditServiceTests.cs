namespace Chat.UnitTests.Services;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

public sealed class MessageEditServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    private MessageEditService Service => h.EditService;

    [Fact]
    public async Task Edit_BySender_ReplacesTheText_SetsEditedAt_AndTellsEveryMember()
    {
        var (chat, message) = WithMessage(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build(), "alice");
        h.Time.Advance(TimeSpan.FromMinutes(14));

        var view = await Service.EditAsync("alice", chat.ChatId, message.Seq, new EditMessageRequest("fixed\u202E"), None);

        Assert.Equal("fixed", view.Text); // cleaned as a sent text is
        Assert.Equal(h.Time.GetUtcNow(), view.EditedAt);
        Assert.Equal("fixed", h.CurrentMessage(chat.ChatId, message.Seq)!.Value.Message.Text);
        h.Realtime.Verify(r => r.SendToGroupAsync(chat.ChatId, ClientMethods.MessageEdited, It.Is<MessageView>(v => v.Text == "fixed"), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Edit_OfTheLastMessage_ChangesTheChatsLastMessage()
    {
        var (chat, message) = WithMessage(ChatBuilder.Direct("alice", "bob").Build(), "alice");

        await Service.EditAsync("alice", chat.ChatId, message.Seq, new EditMessageRequest("second thoughts"), None);

        Assert.Equal("second thoughts", h.Stored(chat.ChatId).LastMessage!.Text);
    }

    [Fact]
    public async Task Edit_ByAnotherMember_Is403_AndChangesNothing()
    {
        var (chat, message) = WithMessage(ChatBuilder.Direct("alice", "bob").Build(), "alice");

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.EditAsync("bob", chat.ChatId, message.Seq, new EditMessageRequest("mine now"), None));

        Assert.Equal(403, error.Status);
        Assert.Equal(message, h.CurrentMessage(chat.ChatId, message.Seq)!.Value.Message);
    }

    [Fact]
    public async Task Edit_AfterTheWindow_Is422()
    {
        var (chat, message) = WithMessage(ChatBuilder.Direct("alice", "bob").Build(), "alice");
        h.Time.Advance(MessageEditService.EditWindow + TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.EditAsync("alice", chat.ChatId, message.Seq, new EditMessageRequest("late"), None));

        Assert.Equal(422, error.Status);
    }

    [Theory]
    [InlineData(0)] // right at sending
    [InlineData(15 * 60)] // the last second of the window still counts
    public void Window_Is15MinutesFromSentAt_Inclusive(int secondsLater)
    {
        var sentAt = DateTimeOffset.UnixEpoch;
        Assert.True(MessageEditService.WithinWindow(sentAt, sentAt.AddSeconds(secondsLater)));
        Assert.False(MessageEditService.WithinWindow(sentAt, sentAt.AddSeconds(15 * 60 + 1)));
    }

    [Fact]
    public async Task Edit_OfADeletedOrMissingOrPreJoinMessage_Is404()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 1).WithLastSeq(3).Build());
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 1, "bob") with { SentAt = h.Time.GetUtcNow() });
        h.Appended.Add(MessageBuilder.Text(chat.ChatId, 2, "bob") with { SentAt = h.Time.GetUtcNow(), Deleted = true, Text = null });

        foreach (var seq in new long[] { 1, 2, 9 })
        {
            var error = await Assert.ThrowsAsync<ChatException>(() => Service.EditAsync("bob", chat.ChatId, seq, new EditMessageRequest("x"), None));
            Assert.Equal(404, error.Status);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Edit_WithoutText_Is400(string? text)
    {
        var (chat, message) = WithMessage(ChatBuilder.Direct("alice", "bob").Build(), "alice");

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.EditAsync("alice", chat.ChatId, message.Seq, new EditMessageRequest(text), None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("text"));
    }

    [Fact]
    public async Task Edit_TooLong_Is400()
    {
        var (chat, message) = WithMessage(ChatBuilder.Direct("alice", "bob").Build(), "alice");

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.EditAsync("alice", chat.ChatId, message.Seq, new EditMessageRequest(new string('x', 4097)), None));

        Assert.Equal(400, error.Status);
    }

    [Fact]
    public async Task Edit_ThatLosesToAConcurrentDelete_ReadsAgain_AndIs404()
    {
        var (chat, message) = WithMessage(ChatBuilder.Direct("alice", "bob").Build(), "alice");
        var deleted = new Versioned<StoredMessage>(new StoredMessage(message with { Deleted = true, Text = null }, []), "m-deleted");
        var reads = 0;
        h.Messages.Setup(m => m.GetWithReactionsAsync(chat.ChatId, message.Seq, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => ++reads == 1 ? h.CurrentMessage(chat.ChatId, message.Seq) : deleted);
        h.Messages.Setup(m => m.TryReplaceAsync(It.IsAny<MessageRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.EditAsync("alice", chat.ChatId, message.Seq, new EditMessageRequest("too late"), None));

        Assert.Equal(404, error.Status);
        Assert.Equal(2, reads);
    }

    private (ChatRecord Chat, MessageRecord Message) WithMessage(ChatRecord chat, string sender)
    {
        var message = MessageBuilder.Text(chat.ChatId, 1, sender) with { SentAt = h.Time.GetUtcNow() };
        h.Appended.Add(message);
        return (h.Store(chat with { LastSeq = 1, LastMessage = message }), message);
    }
}
