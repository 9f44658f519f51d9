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

        Assert.Equal(new HistoryRange(from, to, hasMore), range);
    }
}
