namespace Chat.IntegrationTests.Stores;

using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The contract of <see cref="IMessageStore"/>, run against <see cref="CosmosMessageStore"/> on the emulator.</summary>
[Collection(BackendCollection.Name)]
public sealed class MessageStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private readonly string chatId = StoreData.NewId("g_");

    private IMessageStore Store => new CosmosMessageStore(Db);

    // ------------------------------------------------------------------ messages by seq

    [Fact]
    public async Task TryCreate_NewSeq_ReturnsTrue_AndGetRoundTripsEveryField()
    {
        var message = StoreData.Message(chatId, 7) with
        {
            Type = "image",
            Text = "caption",
            Media = new MediaRef(StoreData.NewId("media_"), "holiday photo.jpg", "image/jpeg", 4_200_000_000),
            ReplyToSeq = 3,
        };

        Assert.True(await Store.TryCreateAsync(message, Ct));

        Assert.Equal(message, await Store.GetAsync(chatId, 7, Ct));
    }

    [Fact]
    public async Task TryCreate_SameSeqTwice_SecondReturnsFalse_AndFirstIsKept()
    {
        var first = StoreData.Message(chatId, 1);
        var second = StoreData.Message(chatId, 1);

        Assert.True(await Store.TryCreateAsync(first, Ct));
        Assert.False(await Store.TryCreateAsync(second, Ct));

        Assert.Equal(first, await Store.GetAsync(chatId, 1, Ct));
    }

    [Fact]
    public async Task TryCreate_SameSeqInAnotherChat_ReturnsTrue_AndChatsStayApart()
    {
        var otherChat = StoreData.NewId("g_");
        var mine = StoreData.Message(chatId, 1);
        var theirs = StoreData.Message(otherChat, 1);

        Assert.True(await Store.TryCreateAsync(mine, Ct));
        Assert.True(await Store.TryCreateAsync(theirs, Ct));

        Assert.Equal(mine, await Store.GetAsync(chatId, 1, Ct));
        Assert.Equal(theirs, await Store.GetAsync(otherChat, 1, Ct));
    }

    [Fact]
    public async Task Get_MissingSeq_ReturnsNull()
    {
        await Store.TryCreateAsync(StoreData.Message(chatId, 1), Ct);

        Assert.Null(await Store.GetAsync(chatId, 2, Ct));
        Assert.Null(await Store.GetAsync(StoreData.NewId("g_"), 1, Ct));
    }

    [Fact]
    public async Task Replace_Deleted_IsPersisted()
    {
        var message = StoreData.Message(chatId, 1);
        await Store.TryCreateAsync(message, Ct);
        var deleted = message with { Deleted = true, Text = null, Media = null };

        await Store.ReplaceAsync(deleted, Ct);

        Assert.Equal(deleted, await Store.GetAsync(chatId, 1, Ct));
        Assert.True((await Store.GetPageAsync(chatId, 0, null, null, 10, Ct)).Messages.Single().Deleted);
    }

    // ------------------------------------------------------------------ last seq

    [Fact]
    public async Task GetLastSeq_EmptyChat_ReturnsZero()
    {
        Assert.Equal(0, await Store.GetLastSeqAsync(chatId, Ct));
    }

    [Fact]
    public async Task GetLastSeq_AfterOutOfOrderCreates_ReturnsTheHighestSeq()
    {
        foreach (var seq in new long[] { 9, 2, 100, 11, 1 })
        {
            await Store.TryCreateAsync(StoreData.Message(chatId, seq), Ct);
        }

        Assert.Equal(100, await Store.GetLastSeqAsync(chatId, Ct));
    }

    [Fact]
    public async Task GetLastSeq_CountsOnlyThatChatsMessages()
    {
        var sender = StoreData.NewId("u_");
        await Store.TryCreateAsync(StoreData.Message(chatId, 3, sender), Ct);
        await Store.TryClaimSendKeyAsync(StoreData.Key(chatId, sender, "c-1"), Ct);
        await Store.TryCreateAsync(StoreData.Message(StoreData.NewId("g_"), 50), Ct);

        Assert.Equal(3, await Store.GetLastSeqAsync(chatId, Ct));
    }

    // ------------------------------------------------------------------ pages

    [Fact]
    public async Task GetPage_NoCursor_ReturnsTheNewestLimitAscending_WithHasMore()
    {
        await CreateSeqsAsync(1, 25);

        var page = await Store.GetPageAsync(chatId, 0, null, null, 10, Ct);

        Assert.Equal(Seqs(16, 25), page.Messages.Select(m => m.Seq));
        Assert.True(page.HasMore);
    }

    [Fact]
    public async Task GetPage_NoCursor_ExactlyLimitMessages_HasMoreFalse()
    {
        await CreateSeqsAsync(1, 10);

        var page = await Store.GetPageAsync(chatId, 0, null, null, 10, Ct);

        Assert.Equal(Seqs(1, 10), page.Messages.Select(m => m.Seq));
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task GetPage_EmptyChat_ReturnsNothing()
    {
        var page = await Store.GetPageAsync(chatId, 0, null, null, 10, Ct);

        Assert.Empty(page.Messages);
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task GetPage_BeforeSeq_ReturnsThoseJustBelowAscending_WithHasMore()
    {
        await CreateSeqsAsync(1, 25);

        var page = await Store.GetPageAsync(chatId, 0, beforeSeq: 16, afterSeq: null, limit: 10, Ct);

        Assert.Equal(Seqs(6, 15), page.Messages.Select(m => m.Seq));
        Assert.True(page.HasMore);
    }

    [Fact]
    public async Task GetPage_BeforeSeq_ReachingTheFirstMessage_HasMoreFalse()
    {
        await CreateSeqsAsync(1, 25);

        var page = await Store.GetPageAsync(chatId, 0, beforeSeq: 6, afterSeq: null, limit: 10, Ct);

        Assert.Equal(Seqs(1, 5), page.Messages.Select(m => m.Seq));
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task GetPage_AfterSeq_ReturnsThoseJustAboveAscending_WithHasMore()
    {
        await CreateSeqsAsync(1, 25);

        var page = await Store.GetPageAsync(chatId, 0, beforeSeq: null, afterSeq: 5, limit: 10, Ct);

        Assert.Equal(Seqs(6, 15), page.Messages.Select(m => m.Seq));
        Assert.True(page.HasMore);
    }

    [Fact]
    public async Task GetPage_AfterSeq_ReachingTheNewestMessage_HasMoreFalse()
    {
        await CreateSeqsAsync(1, 25);

        var tail = await Store.GetPageAsync(chatId, 0, beforeSeq: null, afterSeq: 20, limit: 10, Ct);
        var beyond = await Store.GetPageAsync(chatId, 0, beforeSeq: null, afterSeq: 25, limit: 10, Ct);

        Assert.Equal(Seqs(21, 25), tail.Messages.Select(m => m.Seq));
        Assert.False(tail.HasMore);
        Assert.Empty(beyond.Messages);
        Assert.False(beyond.HasMore);
    }

    [Fact]
    public async Task GetPage_Floor_ExcludesSeqsAtOrBelowTheFloor()
    {
        await CreateSeqsAsync(1, 25);

        var newest = await Store.GetPageAsync(chatId, floor: 18, beforeSeq: null, afterSeq: null, limit: 10, Ct);
        var before = await Store.GetPageAsync(chatId, floor: 18, beforeSeq: 22, afterSeq: null, limit: 10, Ct);
        var after = await Store.GetPageAsync(chatId, floor: 18, beforeSeq: null, afterSeq: 2, limit: 3, Ct);
        var belowFloor = await Store.GetPageAsync(chatId, floor: 18, beforeSeq: 19, afterSeq: null, limit: 10, Ct);

        Assert.Equal(Seqs(19, 25), newest.Messages.Select(m => m.Seq));
        Assert.False(newest.HasMore);
        Assert.Equal(Seqs(19, 21), before.Messages.Select(m => m.Seq));
        Assert.False(before.HasMore);
        Assert.Equal(Seqs(19, 21), after.Messages.Select(m => m.Seq));
        Assert.True(after.HasMore);
        Assert.Empty(belowFloor.Messages);
        Assert.False(belowFloor.HasMore);
    }

    [Fact]
    public async Task GetPage_WithGapsInSeqs_OrdersNumerically()
    {
        foreach (var seq in new long[] { 1_000_000_000_001, 9, 10, 100, 2 })
        {
            await Store.TryCreateAsync(StoreData.Message(chatId, seq), Ct);
        }

        var page = await Store.GetPageAsync(chatId, 0, null, null, 4, Ct);

        Assert.Equal([9L, 10, 100, 1_000_000_000_001], page.Messages.Select(m => m.Seq));
        Assert.True(page.HasMore);
    }

    [Fact]
    public async Task GetPage_ReturnsOnlyThatChatsMessages()
    {
        var sender = StoreData.NewId("u_");
        await CreateSeqsAsync(1, 3);
        await Store.TryClaimSendKeyAsync(StoreData.Key(chatId, sender, "c-1"), Ct);
        await Store.TryCreateAsync(StoreData.Message(StoreData.NewId("g_"), 4), Ct);

        var page = await Store.GetPageAsync(chatId, 0, null, null, 10, Ct);

        Assert.Equal(Seqs(1, 3), page.Messages.Select(m => m.Seq));
        Assert.All(page.Messages, m => Assert.Equal(chatId, m.ChatId));
    }

    // ------------------------------------------------------------------ by client message id

    [Fact]
    public async Task FindByClientId_FindsTheSendersMessage()
    {
        var alice = StoreData.NewId("u_");
        var message = StoreData.Message(chatId, 2, alice, "c-42");
        await Store.TryCreateAsync(StoreData.Message(chatId, 1, alice, "c-41"), Ct);
        await Store.TryCreateAsync(message, Ct);

        Assert.Equal(message, await Store.FindByClientIdAsync(chatId, alice, "c-42", Ct));
    }

    [Fact]
    public async Task FindByClientId_AnotherSendersOrAnotherChatsMessage_ReturnsNull()
    {
        var alice = StoreData.NewId("u_");
        var bob = StoreData.NewId("u_");
        await Store.TryCreateAsync(StoreData.Message(chatId, 1, alice, "c-1"), Ct);

        Assert.Null(await Store.FindByClientIdAsync(chatId, bob, "c-1", Ct));
        Assert.Null(await Store.FindByClientIdAsync(StoreData.NewId("g_"), alice, "c-1", Ct));
        Assert.Null(await Store.FindByClientIdAsync(chatId, alice, "c-2", Ct));
    }

    // ------------------------------------------------------------------ send keys

    [Fact]
    public async Task TryClaimSendKey_Twice_SecondReturnsFalse()
    {
        var key = StoreData.Key(chatId, StoreData.NewId("u_"), "c-1");

        Assert.True(await Store.TryClaimSendKeyAsync(key, Ct));
        Assert.False(await Store.TryClaimSendKeyAsync(key with { ClaimedAt = key.ClaimedAt.AddSeconds(1) }, Ct));

        Assert.Equal(key, (await Store.GetSendKeyAsync(chatId, key.SenderId, "c-1", Ct))!.Value);
    }

    [Fact]
    public async Task TryClaimSendKey_SameClientMessageIdForAnotherSenderOrChat_IsAnotherKey()
    {
        var alice = StoreData.NewId("u_");
        var bob = StoreData.NewId("u_");

        Assert.True(await Store.TryClaimSendKeyAsync(StoreData.Key(chatId, alice, "c-1"), Ct));
        Assert.True(await Store.TryClaimSendKeyAsync(StoreData.Key(chatId, bob, "c-1"), Ct));
        Assert.True(await Store.TryClaimSendKeyAsync(StoreData.Key(StoreData.NewId("g_"), alice, "c-1"), Ct));
    }

    [Fact]
    public async Task TryClaimSendKey_DoesNotCollideWithSenderAndClientIdConcatenations()
    {
        Assert.True(await Store.TryClaimSendKeyAsync(StoreData.Key(chatId, "ab", "c"), Ct));
        Assert.True(await Store.TryClaimSendKeyAsync(StoreData.Key(chatId, "a", "bc"), Ct));
    }

    [Fact]
    public async Task GetSendKey_Unclaimed_ReturnsNull()
    {
        var alice = StoreData.NewId("u_");
        await Store.TryClaimSendKeyAsync(StoreData.Key(chatId, alice, "c-1"), Ct);

        Assert.Null(await Store.GetSendKeyAsync(chatId, alice, "c-2", Ct));
        Assert.Null(await Store.GetSendKeyAsync(chatId, StoreData.NewId("u_"), "c-1", Ct));
    }

    [Fact]
    public async Task TryReplaceSendKey_WithCurrentEtag_ReturnsTrue_AndTheEtagChanges()
    {
        var key = StoreData.Key(chatId, StoreData.NewId("u_"), "c-1");
        await Store.TryClaimSendKeyAsync(key, Ct);
        var before = (await Store.GetSendKeyAsync(chatId, key.SenderId, "c-1", Ct))!;
        var reclaimed = key with { ClaimedAt = key.ClaimedAt.AddMinutes(1) };

        Assert.True(await Store.TryReplaceSendKeyAsync(reclaimed, before.ETag, Ct));

        var after = (await Store.GetSendKeyAsync(chatId, key.SenderId, "c-1", Ct))!;
        Assert.Equal(reclaimed, after.Value);
        Assert.NotEqual(before.ETag, after.ETag);
    }

    [Fact]
    public async Task TryReplaceSendKey_WithStaleEtag_ReturnsFalse_AndKeepsTheNewerClaim()
    {
        var key = StoreData.Key(chatId, StoreData.NewId("u_"), "c-1");
        await Store.TryClaimSendKeyAsync(key, Ct);
        var stale = (await Store.GetSendKeyAsync(chatId, key.SenderId, "c-1", Ct))!.ETag;
        var first = key with { ClaimedAt = key.ClaimedAt.AddMinutes(1) };
        Assert.True(await Store.TryReplaceSendKeyAsync(first, stale, Ct));

        Assert.False(await Store.TryReplaceSendKeyAsync(key with { ClaimedAt = key.ClaimedAt.AddMinutes(2) }, stale, Ct));

        Assert.Equal(first, (await Store.GetSendKeyAsync(chatId, key.SenderId, "c-1", Ct))!.Value);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a?b=c&d")]
    [InlineData("a\\b")]
    [InlineData("100% sure")]
    [InlineData("../../dbs")]
    [InlineData("ünïcødé 🚀 メッセージ")]
    public async Task ClientMessageId_WithUrlReservedCharactersOrUnicode_WorksForKeysAndLookups(string clientMessageId)
    {
        var sender = StoreData.NewId("u_");
        var key = StoreData.Key(chatId, sender, clientMessageId);
        var message = StoreData.Message(chatId, 1, sender, clientMessageId);

        Assert.True(await Store.TryClaimSendKeyAsync(key, Ct));
        Assert.False(await Store.TryClaimSendKeyAsync(key, Ct));
        var claimed = await Store.GetSendKeyAsync(chatId, sender, clientMessageId, Ct);
        Assert.Equal(key, claimed?.Value);
        Assert.True(await Store.TryReplaceSendKeyAsync(key with { ClaimedAt = key.ClaimedAt.AddSeconds(1) }, claimed!.ETag, Ct));
        Assert.True(await Store.TryCreateAsync(message, Ct));
        Assert.Equal(message, await Store.FindByClientIdAsync(chatId, sender, clientMessageId, Ct));
    }

    private static IEnumerable<long> Seqs(long from, long to) => Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i);

    /// <summary>Creates seqs from..to in a shuffled order: the store, not insertion order, must sort.</summary>
    private async Task CreateSeqsAsync(long from, long to)
    {
        var seqs = Seqs(from, to).ToArray();
        new Random(42).Shuffle(seqs);
        foreach (var seq in seqs)
        {
            Assert.True(await Store.TryCreateAsync(StoreData.Message(chatId, seq), Ct));
        }
    }
}
