namespace Chat.UnitTests.Domain;

using Chat.Core.Messages;

public sealed class HistoryRangeTests
{
    [Theory]
    [InlineData(0, 120, null, null, 50, 71, 120, true)] // the newest page, older ones exist
    [InlineData(0, 30, null, null, 50, 1, 30, false)] // the whole chat fits
    [InlineData(0, 0, null, null, 50, 1, 0, false)] // empty chat: an empty range
    [InlineData(0, 120, 16L, null, 10, 6, 15, true)] // just below 16
    [InlineData(0, 120, 6L, null, 10, 1, 5, false)] // reaching the first message
    [InlineData(0, 120, null, 5L, 10, 6, 15, true)] // just above 5
    [InlineData(0, 20, null, 15L, 10, 16, 20, false)] // reaching the newest
    [InlineData(0, 20, null, 25L, 10, 26, 20, false)] // beyond the newest: nothing
    [InlineData(18, 25, null, null, 10, 19, 25, false)] // a member who joined after 18 sees from 19
    [InlineData(18, 25, 22L, null, 10, 19, 21, false)]
    [InlineData(18, 25, null, 2L, 3, 19, 21, true)]
    [InlineData(18, 25, 19L, null, 10, 19, 18, false)] // before the join: nothing
    [InlineData(0, 120, 500L, null, 10, 111, 120, true)] // a cursor past the end counts from the end
    public void Of_ComputesThePageFromTheLastSeq(long floor, long lastSeq, long? before, long? after, int limit, long from, long to, bool hasMore)
    {
        var range = HistoryRange.Of(floor, lastSeq, new HistoryQuery(before, after, limit));

        Assert.Equal(new HistoryRange(from, to, hasMore) { Forward = after is not null }, range);
    }

    [Fact]
    public void Beyond_ReadsOnInTheRangesDirection_WiderEachTime_AndStopsAtTheFloorAndTheEnd()
    {
        var back = HistoryRange.Of(floor: 10, lastSeq: 1_000, new HistoryQuery(null, null, 50));
        var forward = HistoryRange.Of(floor: 10, lastSeq: 1_000, new HistoryQuery(null, 100, 50));

        Assert.Equal(new HistoryRange(751, 950, true), back.Beyond(200, floor: 10, lastSeq: 1_000));
        Assert.Equal(new HistoryRange(11, 950, false), back.Beyond(5_000, floor: 10, lastSeq: 1_000));
        Assert.Equal(new HistoryRange(151, 350, true) { Forward = true }, forward.Beyond(200, floor: 10, lastSeq: 1_000));
        Assert.Equal(new HistoryRange(151, 1_000, false) { Forward = true }, forward.Beyond(5_000, floor: 10, lastSeq: 1_000));
    }

    [Fact]
    public void Nearest_KeepsTheLimitClosestToTheCursor()
    {
        var back = new HistoryRange(1, 100, false);
        var forward = back with { Forward = true };
        long[] found = [5, 1, 9, 7];

        Assert.Equal([5L, 7, 9], back.Nearest(found, s => s, 3).Page);
        Assert.True(back.Nearest(found, s => s, 3).HasMore);
        Assert.Equal([1L, 5, 7], forward.Nearest(found, s => s, 3).Page);
        Assert.Equal([1L, 5, 7, 9], back.Nearest(found, s => s, 4).Page);
        Assert.False(back.Nearest(found, s => s, 4).HasMore);
    }
}
