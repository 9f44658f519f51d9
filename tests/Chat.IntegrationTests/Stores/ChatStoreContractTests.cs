namespace Chat.IntegrationTests.Stores;

using Chat.Core.Chats;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The contract of <see cref="IChatStore"/>, run against <see cref="CosmosChatStore"/> on the emulator.</summary>
[Collection(BackendCollection.Name)]
public sealed class ChatStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private readonly ChatMetaCache cache = StoreDatabase.NewMetaCache();

    /// <summary>This test's instance of the app (its own metadata cache).</summary>
    private IChatStore Store => new CosmosChatStore(Db, cache);

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

    // ------------------------------------------------------------------ appending messages

    [Fact]
    public async Task TryAppend_StoresMessageKeyHeadAndSenderState_Together()
    {
        var chat = StoreData.Direct();
        await Store.TryCreateAsync(chat, Ct);
        var sender = chat.Members[0].UserId;

        var (outcome, message) = await AppendNextAsync(Store, chat.ChatId, sender, "c-1");

        Assert.Equal(AppendOutcome.Appended, outcome);
        var read = (await Store.ReadAsync(chat.ChatId, StatesToRead.Everyone, Ct))!;
        Assert.Equal(1, read.Value.LastSeq);
        Assert.Equal(message, read.Value.LastMessage);
        Assert.Equal(message.SentAt, read.Value.LastActivityAt);
        Assert.Equal(1, read.StateOf(sender)!.Value.LastSentSeq);
        Assert.Equal(chat.Members, read.Value.Members);
        Assert.Equal(message, (await new CosmosMessageStore(Db).FindSentAsync(chat.ChatId, sender, "c-1", withStates: false, Ct))?.Message);
    }

    [Fact]
    public async Task TryAppend_SameClientMessageIdAgain_IsDuplicate_AndWritesNothing()
    {
        var chat = StoreData.Direct();
        await Store.TryCreateAsync(chat, Ct);
        var sender = chat.Members[0].UserId;
        await AppendNextAsync(Store, chat.ChatId, sender, "c-1");

        var (outcome, _) = await AppendNextAsync(Store, chat.ChatId, sender, "c-1");

        Assert.Equal(AppendOutcome.Duplicate, outcome);
        Assert.Equal(1, (await Store.GetAsync(chat.ChatId, Ct))!.Value.LastSeq);
        Assert.Null(await new CosmosMessageStore(Db).GetAsync(chat.ChatId, 2, Ct));
    }

    [Fact]
    public async Task TryAppend_UnderAStaleHead_IsConflict_AndWritesNothing()
    {
        var chat = StoreData.Direct();
        await Store.TryCreateAsync(chat, Ct);
        var sender = chat.Members[1].UserId;
        var stale = (await Store.GetAsync(chat.ChatId, Ct))!;
        await AppendNextAsync(Store, chat.ChatId, sender, "c-1");
        var late = StoreData.Message(chat.ChatId, 1, sender, "c-2");

        var outcome = (await Store.TryAppendAsync(stale.Value with { LastSeq = 1, LastMessage = late }, stale.ETag, late, Ct)).Outcome;

        Assert.Equal(AppendOutcome.Conflict, outcome);
        Assert.Null(await new CosmosMessageStore(Db).FindSentAsync(chat.ChatId, sender, "c-2", withStates: true, Ct));
        Assert.Equal("c-1", (await Store.GetAsync(chat.ChatId, Ct))!.Value.LastMessage!.ClientMessageId);
    }

    [Fact]
    public async Task TryAppend_ConcurrentSenders_EachSeqOnce_NoGaps()
    {
        var chat = StoreData.Group();
        await Store.TryCreateAsync(chat with { LastSeq = 0, LastMessage = null }, Ct);
        var senders = chat.Members.Select(m => m.UserId).ToArray();

        var appended = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => AppendUntilStoredAsync(chat.ChatId, senders[i % senders.Length], $"c-{i}")));

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), appended.Order());
        Assert.Equal(20, (await Store.GetAsync(chat.ChatId, Ct))!.Value.LastSeq);
    }

    // ------------------------------------------------------------------ reading with states, across instances

    [Fact]
    public async Task Read_OneMembersState_OrEveryones_InOneQuery()
    {
        var chat = StoreData.Group();
        await Store.TryCreateAsync(chat, Ct);
        var receipts = new CosmosReceiptStore(Db);
        foreach (var member in chat.Members)
        {
            await receipts.TrySaveAsync(chat.ChatId, new ReceiptState(member.UserId, 2, 1, StoreData.T0), null, [], Ct);
        }

        var none = (await Store.ReadAsync(chat.ChatId, StatesToRead.None, Ct))!;
        var one = (await Store.ReadAsync(chat.ChatId, StatesToRead.Of(chat.Members[1].UserId), Ct))!;
        var all = (await Store.ReadAsync(chat.ChatId, StatesToRead.Everyone, Ct))!;

        Assert.Empty(none.States);
        Assert.Equal([chat.Members[1].UserId], one.States.Select(s => s.Value.UserId));
        Assert.Equal(chat.Members.Select(m => m.UserId).Order(), all.States.Select(s => s.Value.UserId).Order());
        Assert.Equivalent(chat, all.Value, strict: true);
        Assert.Null(await Store.ReadAsync(StoreData.NewId("g_"), StatesToRead.Everyone, Ct));
    }

    [Fact]
    public async Task ReadMany_ReturnsEachExistingChatWithItsMembersStates()
    {
        var chats = new[] { StoreData.Group(), StoreData.Direct() };
        var receipts = new CosmosReceiptStore(Db);
        foreach (var chat in chats)
        {
            await Store.TryCreateAsync(chat, Ct);
            await receipts.TrySaveAsync(chat.ChatId, new ReceiptState(chat.Members[0].UserId, 1, 1, StoreData.T0), null, [], Ct);
        }

        // A cold instance (metadata read with the heads) and a warm one (metadata from its cache) read the same.
        foreach (var store in new[] { new CosmosChatStore(Db, StoreDatabase.NewMetaCache()), Store })
        {
            var read = await store.ReadManyAsync([chats[0].ChatId, StoreData.NewId("g_"), chats[1].ChatId], Ct);

            Assert.Equal(chats.Select(c => c.ChatId).Order(), read.Select(r => r.Value.ChatId).Order());
            Assert.All(read, r => Assert.Equal([chats.Single(c => c.ChatId == r.Value.ChatId).Members[0].UserId], r.States.Select(s => s.Value.UserId)));
            Assert.Equivalent(chats[0], read.Single(r => r.Value.ChatId == chats[0].ChatId).Value, strict: true);
        }
    }

    [Fact]
    public async Task MembershipChangedOnAnotherInstance_IsSeenByTheNextRead_DespiteTheCache()
    {
        var chat = StoreData.Group();
        await Store.TryCreateAsync(chat, Ct);
        Assert.Equal(2, (await Store.GetAsync(chat.ChatId, Ct))!.Value.Members.Count); // cached here now
        var other = new CosmosChatStore(Db, StoreDatabase.NewMetaCache());
        var there = (await other.GetAsync(chat.ChatId, Ct))!;

        Assert.True(await other.TryReplaceAsync(there.Value with { Members = [.. there.Value.Members.Take(1)] }, there.ETag, Ct));

        Assert.Single((await Store.GetAsync(chat.ChatId, Ct))!.Value.Members);
        Assert.Single((await Store.ReadAsync(chat.ChatId, StatesToRead.None, Ct))!.Value.Members);
        Assert.Single((await Store.ReadManyAsync([chat.ChatId], Ct)).Single().Value.Members);
    }

    [Fact]
    public async Task ReadMany_AfterAMemberJoinedOnAnotherInstance_ReadsTheNewMembersStateToo()
    {
        var chat = StoreData.Direct() with { Type = ChatTypes.Group };
        await Store.TryCreateAsync(chat, Ct); // cached here with two members
        var other = new CosmosChatStore(Db, StoreDatabase.NewMetaCache());
        var there = (await other.GetAsync(chat.ChatId, Ct))!;
        var joiner = new ChatMember { UserId = StoreData.NewId("u_"), Role = Roles.Member, JoinedAt = StoreData.T0 };
        Assert.True(await other.TryReplaceAsync(there.Value with { Members = [.. there.Value.Members, joiner] }, there.ETag, Ct));
        await new CosmosReceiptStore(Db).TrySaveAsync(chat.ChatId, new ReceiptState(joiner.UserId, 0, 0, StoreData.T0) { LastSentSeq = 0 }, null, [], Ct);

        var read = (await Store.ReadManyAsync([chat.ChatId], Ct)).Single();

        Assert.Equal(3, read.Value.Members.Count);
        Assert.NotNull(read.StateOf(joiner.UserId));
    }

    [Fact]
    public async Task MetadataOlderThanTheHeadNames_IsUnavailable_NeverUsed()
    {
        var chat = StoreData.Group();
        await Store.TryCreateAsync(chat, Ct);

        // As a replica behind the head would answer: the metadata of a version before the one the head names.
        await Db.Chats.ReplaceItemAsync(new ChatMetaItem(CosmosModel.ChatDocId, chat.ChatId, Kinds.Chat, chat, 0), CosmosModel.ChatDocId, new Microsoft.Azure.Cosmos.PartitionKey(chat.ChatId));
        var cold = new CosmosChatStore(Db, StoreDatabase.NewMetaCache());

        var error = await Assert.ThrowsAsync<Chat.Core.Errors.ChatException>(() => cold.GetAsync(chat.ChatId, Ct));
        Assert.Equal(503, error.Status);
    }

    private async Task<(AppendOutcome Outcome, MessageRecord Message)> AppendNextAsync(IChatStore store, string chatId, string sender, string clientMessageId)
    {
        var chat = (await store.GetAsync(chatId, Ct))!;
        var message = StoreData.Message(chatId, chat.Value.LastSeq + 1, sender, clientMessageId);
        var result = await store.TryAppendAsync(chat.Value with { LastSeq = message.Seq, LastMessage = message, LastActivityAt = message.SentAt }, chat.ETag, message, Ct);
        return (result.Outcome, message);
    }

    private async Task<long> AppendUntilStoredAsync(string chatId, string sender, string clientMessageId)
    {
        var store = new CosmosChatStore(Db, StoreDatabase.NewMetaCache());
        while (true)
        {
            var (outcome, message) = await AppendNextAsync(store, chatId, sender, clientMessageId);
            if (outcome == AppendOutcome.Appended)
            {
                return message.Seq;
            }

            Assert.Equal(AppendOutcome.Conflict, outcome);
        }
    }
}
