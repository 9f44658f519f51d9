namespace Chat.IntegrationTests.Stores;

using Chat.Core.Common;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The contract of <see cref="IReceiptStore"/>, run against <see cref="CosmosReceiptStore"/> on the emulator.</summary>
[Collection(BackendCollection.Name)]
public sealed class ReceiptStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private readonly string chatId = StoreData.NewId("g_");

    private IReceiptStore Store => new CosmosReceiptStore(Db);

    // ------------------------------------------------------------------ receipt states

    /// <summary>The state item as stored (the services read it with the chat, see <see cref="ChatStoreContractTests"/>).</summary>
    private Task<Versioned<ReceiptState>?> GetAsync(string chat, string userId, CancellationToken ct) =>
        Db.ReadAsync<ChatItem<ReceiptState>, ReceiptState>(Db.Chats, CosmosModel.ReceiptStateId(userId), chat, i => i.Data, ct);

    [Fact]
    public async Task Get_NoStateYet_ReturnsNull()
    {
        Assert.Null(await GetAsync(chatId, StoreData.NewId("u_"), Ct));
    }

    [Fact]
    public async Task TrySave_NullEtag_CreatesTheState()
    {
        var state = new ReceiptState(StoreData.NewId("u_"), DeliveredSeq: 5, ReadSeq: 3, StoreData.T0);

        Assert.True(await Store.TrySaveAsync(chatId, state, etag: null, [], Ct));

        var stored = await GetAsync(chatId, state.UserId, Ct);
        Assert.NotNull(stored);
        Assert.Equal(state, stored.Value);
        Assert.False(string.IsNullOrEmpty(stored.ETag));
    }

    [Fact]
    public async Task TrySave_NullEtagTwice_SecondReturnsFalse_AndFirstIsKept()
    {
        var state = new ReceiptState(StoreData.NewId("u_"), 5, 3, StoreData.T0);
        Assert.True(await Store.TrySaveAsync(chatId, state, etag: null, [], Ct));

        Assert.False(await Store.TrySaveAsync(chatId, state with { DeliveredSeq = 9 }, etag: null, [], Ct));

        Assert.Equal(state, (await GetAsync(chatId, state.UserId, Ct))!.Value);
    }

    [Fact]
    public async Task TrySave_WithCurrentEtag_ReplacesTheState_AndTheEtagChanges()
    {
        var state = new ReceiptState(StoreData.NewId("u_"), 5, 3, StoreData.T0);
        await Store.TrySaveAsync(chatId, state, etag: null, [], Ct);
        var before = (await GetAsync(chatId, state.UserId, Ct))!;
        var moved = state with { DeliveredSeq = 9, ReadSeq = 9, UpdatedAt = StoreData.T0.AddMinutes(1) };

        Assert.True(await Store.TrySaveAsync(chatId, moved, before.ETag, [], Ct));

        var after = (await GetAsync(chatId, state.UserId, Ct))!;
        Assert.Equal(moved, after.Value);
        Assert.NotEqual(before.ETag, after.ETag);
    }

    [Fact]
    public async Task TrySave_WithStaleEtag_ReturnsFalse_AndKeepsTheNewerState()
    {
        var state = new ReceiptState(StoreData.NewId("u_"), 5, 3, StoreData.T0);
        await Store.TrySaveAsync(chatId, state, etag: null, [], Ct);
        var stale = (await GetAsync(chatId, state.UserId, Ct))!.ETag;
        var first = state with { ReadSeq = 5 };
        Assert.True(await Store.TrySaveAsync(chatId, first, stale, [], Ct));

        Assert.False(await Store.TrySaveAsync(chatId, state with { DeliveredSeq = 7 }, stale, [], Ct));

        Assert.Equal(first, (await GetAsync(chatId, state.UserId, Ct))!.Value);
    }

    [Fact]
    public async Task TrySave_SameUserInAnotherChat_IsAnotherState()
    {
        var otherChat = StoreData.NewId("g_");
        var mine = new ReceiptState(StoreData.NewId("u_"), 5, 3, StoreData.T0);
        var theirs = mine with { DeliveredSeq = 1, ReadSeq = 0 };

        Assert.True(await Store.TrySaveAsync(chatId, mine, etag: null, [], Ct));
        Assert.True(await Store.TrySaveAsync(otherChat, theirs, etag: null, [], Ct));

        Assert.Equal(mine, (await GetAsync(chatId, mine.UserId, Ct))!.Value);
        Assert.Equal(theirs, (await GetAsync(otherChat, mine.UserId, Ct))!.Value);
    }

    [Fact]
    public async Task List_ReturnsOnlyTheReceiptStatesOfThatChat()
    {
        var alice = new ReceiptState(StoreData.NewId("u_"), 5, 3, StoreData.T0);
        var bob = new ReceiptState(StoreData.NewId("u_"), 2, 2, StoreData.T0);
        await Store.TrySaveAsync(chatId, alice, etag: null, [], Ct);
        await Store.TrySaveAsync(chatId, bob, etag: null, [], Ct);
        await AdvanceAsync(chatId, new ReceiptAdvance(alice.UserId, ReceiptTypes.Read, 0, 3, StoreData.T0));
        await new CosmosChatStore(Db, StoreDatabase.NewMetaCache()).TryCreateAsync(StoreData.Group(chatId), Ct);
        await Store.TrySaveAsync(StoreData.NewId("g_"), new ReceiptState(StoreData.NewId("u_"), 1, 1, StoreData.T0), etag: null, [], Ct);

        var states = await Store.ListAsync(chatId, Ct);

        Assert.Equal([alice, bob], states.OrderByDescending(s => s.DeliveredSeq));
    }

    [Fact]
    public async Task List_ChatWithoutReceipts_ReturnsEmpty()
    {
        await Store.TrySaveAsync(StoreData.NewId("g_"), new ReceiptState(StoreData.NewId("u_"), 1, 1, StoreData.T0), etag: null, [], Ct);

        Assert.Empty(await Store.ListAsync(chatId, Ct));
    }

    // ------------------------------------------------------------------ advances

    [Fact]
    public async Task ListCovering_ReturnsExactlyTheAdvancesWhoseRangeHoldsTheSeq()
    {
        string alice = StoreData.NewId("u_"), bob = StoreData.NewId("u_");
        var aliceDelivered1 = new ReceiptAdvance(alice, ReceiptTypes.Delivered, 0, 4, StoreData.T0);
        var aliceDelivered2 = new ReceiptAdvance(alice, ReceiptTypes.Delivered, 4, 10, StoreData.T0.AddMinutes(1));
        var aliceRead = new ReceiptAdvance(alice, ReceiptTypes.Read, 0, 10, StoreData.T0.AddMinutes(2));
        var bobDelivered = new ReceiptAdvance(bob, ReceiptTypes.Delivered, 3, 4, StoreData.T0.AddMinutes(3));
        var bobRead = new ReceiptAdvance(bob, ReceiptTypes.Read, 12, 20, StoreData.T0.AddMinutes(4));
        foreach (var advance in new[] { aliceDelivered1, aliceDelivered2, aliceRead, bobDelivered, bobRead })
        {
            await AdvanceAsync(chatId, advance);
        }

        async Task<ReceiptAdvance[]> Covering(long seq) => [.. (await Store.ListCoveringAsync(chatId, seq, Ct)).OrderBy(a => a.At)];

        Assert.Empty(await Covering(0));
        Assert.Equal([aliceDelivered1, aliceRead], await Covering(1));
        Assert.Equal([aliceDelivered1, aliceRead], await Covering(3));
        Assert.Equal([aliceDelivered1, aliceRead, bobDelivered], await Covering(4));
        Assert.Equal([aliceDelivered2, aliceRead], await Covering(5));
        Assert.Equal([aliceDelivered2, aliceRead], await Covering(10));
        Assert.Empty(await Covering(11));
        Assert.Empty(await Covering(12));
        Assert.Equal([bobRead], await Covering(13));
        Assert.Equal([bobRead], await Covering(20));
        Assert.Empty(await Covering(21));
    }

    [Fact]
    public async Task ListCovering_IgnoresAnotherChatsAdvances()
    {
        var advance = new ReceiptAdvance(StoreData.NewId("u_"), ReceiptTypes.Read, 0, 10, StoreData.T0);
        await AdvanceAsync(StoreData.NewId("g_"), advance);

        Assert.Empty(await Store.ListCoveringAsync(chatId, 5, Ct));
    }

    [Fact]
    public async Task TrySave_StateAndAdvances_LandTogether()
    {
        var user = StoreData.NewId("u_");
        var delivered = new ReceiptAdvance(user, ReceiptTypes.Delivered, 0, 10, StoreData.T0);
        var read = new ReceiptAdvance(user, ReceiptTypes.Read, 0, 10, StoreData.T0);

        Assert.True(await Store.TrySaveAsync(chatId, new ReceiptState(user, 10, 10, StoreData.T0), etag: null, [delivered, read], Ct));

        Assert.Equal(10, (await GetAsync(chatId, user, Ct))!.Value.ReadSeq);
        Assert.Equal([delivered, read], (await Store.ListCoveringAsync(chatId, 5, Ct)).OrderBy(a => a.Type, StringComparer.Ordinal));
    }

    [Fact]
    public async Task TrySave_StaleState_WritesNeitherTheStateNorItsAdvances()
    {
        // A receipt that fails halfway must leave nothing behind, so that its retry completes it.
        var user = StoreData.NewId("u_");
        await Store.TrySaveAsync(chatId, new ReceiptState(user, 2, 2, StoreData.T0), etag: null, [], Ct);
        var stale = (await GetAsync(chatId, user, Ct))!.ETag;
        Assert.True(await Store.TrySaveAsync(chatId, new ReceiptState(user, 3, 2, StoreData.T0), stale, [], Ct));

        var lost = await Store.TrySaveAsync(chatId, new ReceiptState(user, 9, 9, StoreData.T0), stale, [new ReceiptAdvance(user, ReceiptTypes.Read, 2, 9, StoreData.T0)], Ct);

        Assert.False(lost);
        Assert.Equal(3, (await GetAsync(chatId, user, Ct))!.Value.DeliveredSeq);
        Assert.Empty(await Store.ListCoveringAsync(chatId, 5, Ct));
    }

    [Fact]
    public async Task TrySave_AdvanceAlreadyRecorded_IsAConflict_AndTheStateStays()
    {
        var user = StoreData.NewId("u_");
        var advance = new ReceiptAdvance(user, ReceiptTypes.Read, 0, 10, StoreData.T0);
        await Store.TrySaveAsync(chatId, new ReceiptState(user, 10, 10, StoreData.T0), etag: null, [advance], Ct);
        var current = (await GetAsync(chatId, user, Ct))!;

        Assert.False(await Store.TrySaveAsync(chatId, new ReceiptState(user, 11, 11, StoreData.T0), current.ETag, [advance], Ct));
        Assert.Equal(10, (await GetAsync(chatId, user, Ct))!.Value.ReadSeq);
    }

    [Fact]
    public async Task Advances_DoNotShowUpAsReceiptStates()
    {
        var advance = new ReceiptAdvance(StoreData.NewId("u_"), ReceiptTypes.Read, 0, 10, StoreData.T0);

        await AdvanceAsync(chatId, advance);

        Assert.Equal([advance.UserId], (await Store.ListAsync(chatId, Ct)).Select(s => s.UserId));
    }

    /// <summary>Moves the user's state to cover <paramref name="advance"/>, recording it, as a receipt does.</summary>
    private async Task AdvanceAsync(string chat, ReceiptAdvance advance)
    {
        var stored = await GetAsync(chat, advance.UserId, Ct);
        var state = stored?.Value ?? new ReceiptState(advance.UserId, 0, 0, StoreData.T0);
        var next = advance.Type == ReceiptTypes.Read
            ? state with { ReadSeq = Math.Max(state.ReadSeq, advance.UpToSeq) }
            : state with { DeliveredSeq = Math.Max(state.DeliveredSeq, advance.UpToSeq) };
        Assert.True(await Store.TrySaveAsync(chat, next, stored?.ETag, [advance], Ct));
    }
}
