namespace Chat.IntegrationTests.Stores;

using Chat.Core.Ports;
using Chat.Functions.Redis;
using Chat.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

/// <summary>The contract of <see cref="IChatListOrder"/>, run against <see cref="RedisChatListOrder"/> on Garnet (its scripts
/// run there as on Redis).</summary>
public sealed class RedisChatListOrderContractTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, 123, TimeSpan.Zero);

    private readonly IConnectionMultiplexer redis = RedisPresenceStoreContractTests.Connect(GarnetStandIn.Shared.ConnectionString);
    private readonly RedisChatListOrder order;
    private readonly string me = StoreData.NewId("u_");

    public RedisChatListOrderContractTests() => order = new RedisChatListOrder(RedisPresenceStoreContractTests.RoundTrips(redis));

    public void Dispose() => redis.Dispose();

    [Fact]
    public async Task AnOrderNeverLoaded_IsNotListed_AndTouchesLeaveItAlone()
    {
        await order.TouchAsync("g_a", T0, [me], Ct);
        await order.AddAsync("g_b", T0, [me], Ct);

        Assert.Null(await order.ListAsync(me, archived: false, after: null, 10, Ct));
        Assert.False(await redis.GetDatabase().KeyExistsAsync(RedisChatListOrder.Key(me)));
    }

    [Fact]
    public async Task ALoadedOrder_ListsPinnedFirst_ThenNewestFirst_ArchivedApart_WithTheirPlacements()
    {
        await order.LoadAsync(me, [Entry("g_old", 1), Entry("g_new", 5), Entry("g_pinned", 0, pinned: true), Entry("g_archived", 9, archived: true)], Ct);

        var listed = await ListAsync(me, archived: false, 10);
        var archived = await ListAsync(me, archived: true, 10);

        Assert.Equal([Entry("g_pinned", 0, pinned: true), Entry("g_new", 5), Entry("g_old", 1)], listed);
        Assert.Equal([Entry("g_archived", 9, archived: true)], archived);
    }

    [Fact]
    public async Task AnEmptyLoad_IsAnEmptyList_NotAMissingOne()
    {
        await order.LoadAsync(me, [], Ct);

        Assert.Empty(await ListAsync(me, archived: false, 10));
        Assert.True(await redis.GetDatabase().KeyTimeToLiveAsync(RedisChatListOrder.Key(me)) is { } ttl && ttl <= RedisChatListOrder.Retention && ttl > TimeSpan.Zero);
    }

    [Fact]
    public async Task Touch_MovesForwardOnly_KeepsThePlacement_AndAddsAChatTheOrderLacks()
    {
        var other = StoreData.NewId("u_");
        await order.LoadAsync(me, [Entry("g_a", 1), Entry("g_pinned", 2, pinned: true)], Ct);
        await order.LoadAsync(other, [], Ct);

        await order.TouchAsync("g_a", T0.AddMinutes(7), [me, other], Ct);
        await order.TouchAsync("g_a", T0.AddMinutes(3), [me], Ct); // older: no move back
        await order.TouchAsync("g_pinned", T0.AddMinutes(9), [me], Ct);

        Assert.Equal([Entry("g_pinned", 9, pinned: true), Entry("g_a", 7)], await ListAsync(me, archived: false, 10));
        Assert.Equal([Entry("g_a", 7)], await ListAsync(other, archived: false, 10));
    }

    [Fact]
    public async Task Add_LeavesAChatTheOrderHasWhereItIs()
    {
        await order.LoadAsync(me, [Entry("g_a", 1, archived: true)], Ct);

        await order.AddAsync("g_a", T0.AddMinutes(5), [me], Ct);
        await order.AddAsync("g_b", T0.AddMinutes(2), [me], Ct);

        Assert.Equal([Entry("g_b", 2)], await ListAsync(me, archived: false, 10));
        Assert.Equal([Entry("g_a", 1, archived: true)], await ListAsync(me, archived: true, 10));
    }

    [Fact]
    public async Task Place_MovesTheChatBetweenBands_KeepingItsNewestActivity()
    {
        await order.LoadAsync(me, [Entry("g_a", 6), Entry("g_b", 4)], Ct);

        await order.PlaceAsync(me, Entry("g_a", 1, archived: true), Ct);
        await order.PlaceAsync(me, Entry("g_b", 8, pinned: true), Ct);

        Assert.Equal([Entry("g_b", 8, pinned: true)], await ListAsync(me, archived: false, 10));
        Assert.Equal([Entry("g_a", 6, archived: true)], await ListAsync(me, archived: true, 10));
    }

    [Fact]
    public async Task Remove_TakesTheChatOut()
    {
        await order.LoadAsync(me, [Entry("g_a", 1), Entry("g_b", 2)], Ct);

        await order.RemoveAsync(me, "g_b", Ct);

        Assert.Equal([Entry("g_a", 1)], await ListAsync(me, archived: false, 10));
    }

    [Fact]
    public async Task Pages_FollowTheCursor_ThroughTiesAndBands_EachChatOnce()
    {
        var entries = Enumerable.Range(0, 25).Select(i => Entry($"g_{i:D2}", i / 3)) // three chats at each minute: ties
            .Append(Entry("g_p1", 1, pinned: true)).Append(Entry("g_p2", 30, pinned: true)).ToArray();
        await order.LoadAsync(me, entries, Ct);

        var seen = await PageThroughAsync(archived: false, pageSize: 4);

        var expected = entries.OrderByDescending(e => e.Pinned).ThenByDescending(e => e.ActivityAt).ThenByDescending(e => e.ChatId, StringComparer.Ordinal);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task ArchivedChats_PageThroughTheirOwnPart()
    {
        var entries = Enumerable.Range(0, 9).Select(i => Entry($"g_{i}", i, archived: true)).Append(Entry("g_listed", 3)).ToArray();
        await order.LoadAsync(me, entries, Ct);

        var seen = await PageThroughAsync(archived: true, pageSize: 2);

        Assert.Equal(entries.Where(e => e.Archived).Reverse(), seen);
    }

    [Fact]
    public async Task PagingWhileChatsMove_ListsEachChatOnce_WhereItWasAtTheFirstPage()
    {
        var entries = Enumerable.Range(0, 12).Select(i => Entry($"g_{i:D2}", i)).ToArray();
        await order.LoadAsync(me, entries, Ct);

        var seen = await PageThroughAsync(archived: false, pageSize: 4, afterTheFirstPage: async () =>
        {
            // the oldest chat (not listed yet) and a listed one get messages; a new chat arrives
            await order.TouchAsync("g_00", T0.AddMinutes(60), [me], Ct);
            await order.TouchAsync("g_10", T0.AddMinutes(61), [me], Ct);
            await order.AddAsync("g_new", T0.AddMinutes(62), [me], Ct);
        });

        Assert.Equal(entries.Reverse(), seen);
        Assert.Equal("g_new", (await ListAsync(me, archived: false, 10))[0].ChatId); // a new listing sees what moved
    }

    [Fact]
    public async Task AListThatFitsOnePage_TakesNoSnapshot()
    {
        await order.LoadAsync(me, [Entry("g_a", 1), Entry("g_b", 2)], Ct);

        var page = await order.ListAsync(me, archived: false, after: null, 3, Ct);

        Assert.Null(page!.Snapshot);
    }

    [Fact]
    public async Task ALoad_KeepsANewerActivityTouchedWhileItRan()
    {
        await order.LoadAsync(me, [Entry("g_a", 1)], Ct);
        await order.TouchAsync("g_a", T0.AddMinutes(8), [me], Ct);

        await order.LoadAsync(me, [Entry("g_a", 2), Entry("g_b", 3)], Ct);

        Assert.Equal([Entry("g_a", 8), Entry("g_b", 3)], await ListAsync(me, archived: false, 10));
    }

    [Fact]
    public async Task ALargeLoad_TakesSeveralScripts_AndIsListedOnlyOnceWhole()
    {
        var entries = Enumerable.Range(0, 1_201).Select(i => Entry($"g_{i:D4}", i)).ToArray();

        await order.LoadAsync(me, entries, Ct);

        var first = await ListAsync(me, archived: false, 200);
        Assert.Equal(200, first.Count);
        Assert.Equal("g_1200", first[0].ChatId);
        Assert.Equal(1_202, await redis.GetDatabase().SortedSetLengthAsync(RedisChatListOrder.Key(me))); // and the marker
    }

    private async Task<IReadOnlyList<ChatListEntry>> ListAsync(string userId, bool archived, int limit) =>
        (await order.ListAsync(userId, archived, after: null, limit, Ct))!.Entries;

    /// <summary>Pages as the service does: asks one more than it shows, and goes on from the last one shown.</summary>
    private async Task<List<ChatListEntry>> PageThroughAsync(bool archived, int pageSize, Func<Task>? afterTheFirstPage = null)
    {
        var seen = new List<ChatListEntry>();
        ChatListCursor? after = null;
        while (true)
        {
            var page = (await order.ListAsync(me, archived, after, pageSize + 1, Ct))!;
            var shown = page.Entries.Take(pageSize).ToArray();
            seen.AddRange(shown);
            if (page.Entries.Count <= pageSize)
            {
                return seen;
            }

            Assert.NotNull(page.Snapshot);
            after = new ChatListCursor(shown[^1], page.Snapshot);
            if (seen.Count == pageSize && afterTheFirstPage is not null)
            {
                await afterTheFirstPage();
            }
        }
    }

    private static ChatListEntry Entry(string chatId, int minutes, bool pinned = false, bool archived = false) =>
        new(chatId, T0.AddMinutes(minutes), pinned, archived);
}
