namespace Chat.IntegrationTests.Stores;

using Chat.Core.Chats;
using Chat.Core.Ports;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The contract of <see cref="IChatStore"/>, run against <see cref="CosmosChatStore"/> on the emulator.</summary>
[Collection(BackendCollection.Name)]
public sealed class ChatStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private IChatStore Store => new CosmosChatStore(Db);

    [Fact]
    public async Task Get_MissingChat_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync(StoreData.NewId("g_"), Ct));
    }

    [Fact]
    public async Task TryCreate_ThenGet_RoundTripsEveryField()
    {
        var chat = StoreData.Group();

        Assert.True(await Store.TryCreateAsync(chat, Ct));

        var stored = await Store.GetAsync(chat.ChatId, Ct);
        Assert.NotNull(stored);
        Assert.False(string.IsNullOrEmpty(stored.ETag));
        Assert.Equivalent(chat, stored.Value, strict: true);
        Assert.Equal(chat.Members, stored.Value.Members);
        Assert.Equal(chat.PastMembers, stored.Value.PastMembers);
        Assert.Equal(chat.LastMessage, stored.Value.LastMessage);
        Assert.Equal(chat.InviteCode, stored.Value.InviteCode);
        Assert.Equal(chat.CreatedAt, stored.Value.CreatedAt);
        Assert.Equal(chat.CreatedAt.Offset, stored.Value.CreatedAt.Offset);
        Assert.Equal(chat.LastActivityAt, stored.Value.LastActivityAt);
    }

    [Fact]
    public async Task TryCreate_WithoutOptionalFields_ReadsBackNullsAndNoPastMembers()
    {
        var chat = StoreData.Direct();

        Assert.True(await Store.TryCreateAsync(chat, Ct));

        var stored = (await Store.GetAsync(chat.ChatId, Ct))!.Value;
        Assert.Equivalent(chat, stored, strict: true);
        Assert.Null(stored.Name);
        Assert.Null(stored.LastMessage);
        Assert.Null(stored.InviteCode);
        Assert.Empty(stored.PastMembers);
        Assert.Equal(0, stored.LastSeq);
    }

    [Fact]
    public async Task TryCreate_SameChatIdTwice_SecondReturnsFalse_AndFirstIsKept()
    {
        var first = StoreData.Group();
        var second = first with { Name = "impostor" };

        Assert.True(await Store.TryCreateAsync(first, Ct));
        Assert.False(await Store.TryCreateAsync(second, Ct));

        Assert.Equal(first.Name, (await Store.GetAsync(first.ChatId, Ct))!.Value.Name);
    }

    [Fact]
    public async Task TryCreate_ManyChats_EachIsStoredOnItsOwn()
    {
        var chats = new[] { StoreData.Group(), StoreData.Direct(), StoreData.Group() };

        foreach (var chat in chats)
        {
            Assert.True(await Store.TryCreateAsync(chat, Ct));
        }

        foreach (var chat in chats)
        {
            Assert.Equivalent(chat, (await Store.GetAsync(chat.ChatId, Ct))!.Value, strict: true);
        }
    }

    [Fact]
    public async Task TryReplace_WithCurrentEtag_ReturnsTrue_StoresTheChange_AndTheEtagChanges()
    {
        var chat = StoreData.Group();
        await Store.TryCreateAsync(chat, Ct);
        var before = (await Store.GetAsync(chat.ChatId, Ct))!;
        var changed = chat with
        {
            Name = "Renamed",
            Members = [.. chat.Members.Take(1)],
            PastMembers = [.. chat.PastMembers, new PastMember(chat.Members[1].UserId, 3, 43)],
            LastSeq = 43,
            LastMessage = StoreData.Message(chat.ChatId, 43),
            InviteCode = null,
        };

        Assert.True(await Store.TryReplaceAsync(changed, before.ETag, Ct));

        var after = (await Store.GetAsync(chat.ChatId, Ct))!;
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Equivalent(changed, after.Value, strict: true);
        Assert.Null(after.Value.InviteCode);
    }

    [Fact]
    public async Task TryReplace_WithStaleEtag_ReturnsFalse_AndKeepsTheNewerChat()
    {
        var chat = StoreData.Group();
        await Store.TryCreateAsync(chat, Ct);
        var stale = (await Store.GetAsync(chat.ChatId, Ct))!.ETag;
        Assert.True(await Store.TryReplaceAsync(chat with { Name = "first writer" }, stale, Ct));

        Assert.False(await Store.TryReplaceAsync(chat with { Name = "second writer" }, stale, Ct));

        Assert.Equal("first writer", (await Store.GetAsync(chat.ChatId, Ct))!.Value.Name);
    }

    [Fact]
    public async Task TryReplace_MissingChat_ReturnsFalse_AndCreatesNothing()
    {
        var chat = StoreData.Group();
        var other = StoreData.Group();
        await Store.TryCreateAsync(other, Ct);
        var etagOfAnotherChat = (await Store.GetAsync(other.ChatId, Ct))!.ETag;

        Assert.False(await Store.TryReplaceAsync(chat, etagOfAnotherChat, Ct));

        Assert.Null(await Store.GetAsync(chat.ChatId, Ct));
    }
}
