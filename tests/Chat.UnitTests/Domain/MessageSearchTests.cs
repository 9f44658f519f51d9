namespace Chat.UnitTests.Domain;

using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.UnitTests.TestData;

public sealed class MessageSearchTests
{
    [Fact]
    public void Window_IsTheNewestScanBudget_AboveTheFloor_BelowBeforeSeq()
    {
        var newest = MessageSearch.Of(new SearchQuery("pizza", null, null), floor: 0, lastSeq: 5_000);
        var older = MessageSearch.Of(new SearchQuery("pizza", 10, 4_001), floor: 0, lastSeq: 5_000);
        var nearTheJoin = MessageSearch.Of(new SearchQuery("pizza", null, 700), floor: 500, lastSeq: 5_000);

        Assert.Equal((4_001L, 5_000L, MessageSearch.DefaultLimit), (newest.FromSeq, newest.ToSeq, newest.Limit));
        Assert.Equal((3_001L, 4_000L, 10), (older.FromSeq, older.ToSeq, older.Limit));
        Assert.Equal((501L, 699L), (nearTheJoin.FromSeq, nearTheJoin.ToSeq));
    }

    [Fact]
    public void Cut_TakesTheNewestMatches_HasMoreWhenMoreMatchedOrTheWindowStoppedAboveTheFloor()
    {
        var stored = Enumerable.Range(1, 30).Select(i => new StoredMessage(MessageBuilder.Text("c", i, "u"), [])).ToArray();
        var whole = MessageSearch.Of(new SearchQuery("hello", 5, null), floor: 0, lastSeq: 30);
        var lastPage = MessageSearch.Of(new SearchQuery("hello", 50, null), floor: 0, lastSeq: 30);
        var budgetSpent = MessageSearch.Of(new SearchQuery("hello", 50, null), floor: 0, lastSeq: 1_500);

        var (page, more, next) = whole.Cut(stored, TestClock.Start);
        Assert.Equal([30L, 29, 28, 27, 26], page.Select(s => s.Message.Seq));
        Assert.Equal((true, 26L), (more, next));
        Assert.Equal((false, (long?)null), (lastPage.Cut(stored, TestClock.Start).HasMore, lastPage.Cut(stored, TestClock.Start).NextBeforeSeq));
        Assert.Equal((true, 501L), (budgetSpent.Cut([], TestClock.Start).HasMore, budgetSpent.Cut([], TestClock.Start).NextBeforeSeq)); // nothing in the newest 1,000: go on below them
    }

    [Theory]
    [InlineData("Pizza", "PIZZA tonight?", true)]
    [InlineData("zz", "pizza", true)]
    [InlineData("pasta", "pizza", false)]
    [InlineData("pizza", null, false)]
    public void Matches_AreSubstrings_IgnoringCase(string q, string? text, bool matches) =>
        Assert.Equal(matches, MessageSearch.Of(new SearchQuery(q, null, null), 0, 1).Matches(text));

    [Theory]
    [InlineData(null, null, null, "q")]
    [InlineData("a", null, null, "q")]
    [InlineData("ok", 0, null, "limit")]
    [InlineData("ok", 51, null, "limit")]
    [InlineData("ok", null, 0L, "beforeSeq")]
    public void BadQueries_Are400_NamingTheField(string? q, int? limit, long? beforeSeq, string field)
    {
        var error = Assert.Throws<ChatException>(() => MessageSearch.Of(new SearchQuery(q, limit, beforeSeq), 0, 10));
        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey(field));
        Assert.Throws<ChatException>(() => MessageSearch.Of(new SearchQuery(new string('x', 101), null, null), 0, 10));
    }
}
