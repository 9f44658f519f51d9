namespace Chat.UnitTests.Services;

using System.Text.Json;
using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.UnitTests.TestData;
using Moq;

public sealed class ChatSettingsServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    [Fact]
    public async Task Pin_AFourth_Is422_AndWritesNothing()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        Entry(chat.ChatId);
        h.Users.Setup(u => u.CountPinnedAsync("alice", It.IsAny<CancellationToken>())).ReturnsAsync(3);

        var error = await Assert.ThrowsAsync<ChatException>(() => Pin(chat.ChatId));

        Assert.Equal(422, error.Status);
        h.Users.Verify(u => u.SetPlacementAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<bool>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Pin_ThatAConcurrentPinMadeTheFourth_GoesBack_AndIs422()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        Entry(chat.ChatId);
        h.Users.SetupSequence(u => u.CountPinnedAsync("alice", It.IsAny<CancellationToken>())).ReturnsAsync(2).ReturnsAsync(4);

        var error = await Assert.ThrowsAsync<ChatException>(() => Pin(chat.ChatId));

        Assert.Equal(422, error.Status);
        h.Users.Verify(u => u.SetPlacementAsync("alice", chat.ChatId, true, false, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Users.Verify(u => u.SetPlacementAsync("alice", chat.ChatId, false, false, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Mute_IsStoredOnTheMember_AndShownInTheCallersSettings()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        Entry(chat.ChatId);
        var until = h.Time.GetUtcNow().AddHours(1);

        var view = await h.ChatService.UpdateSettingsAsync(
            "alice", chat.ChatId, new ChatSettingsRequest(JsonDocument.Parse($"\"{until:O}\"").RootElement.Clone(), null, null), None);

        Assert.Equal(until, view.Settings!.MutedUntil);
        Assert.Equal(until, h.Stored(chat.ChatId).Member("alice")!.MutedUntil);
        Assert.Null(h.Stored(chat.ChatId).Member("bob")!.MutedUntil);
        Assert.True(h.Stored(chat.ChatId).Member("alice")!.IsMutedAt(h.Time.GetUtcNow()));
        Assert.False(h.Stored(chat.ChatId).Member("alice")!.IsMutedAt(until));
    }

    private void Entry(string chatId) =>
        h.Users.Setup(u => u.GetChatEntryAsync("alice", chatId, It.IsAny<CancellationToken>())).ReturnsAsync(new ChatListEntry(chatId, h.Time.GetUtcNow()));

    private Task<ChatView> Pin(string chatId) => h.ChatService.UpdateSettingsAsync("alice", chatId, new ChatSettingsRequest(default, true, null), None);
}
