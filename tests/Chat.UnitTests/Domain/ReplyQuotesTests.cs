namespace Chat.UnitTests.Domain;

using Chat.Core.Messages;
using Chat.UnitTests.TestData;

public sealed class ReplyQuotesTests
{
    [Fact]
    public void Preview_CopiesSeqSenderTypeAndTheFirst200Characters()
    {
        var quoted = MessageBuilder.Text("c", 7, "alice", new string('a', 250));

        var preview = ReplyQuotes.PreviewOf(quoted);

        Assert.Equal((7L, "alice", "text", false), (preview.Seq, preview.SenderId, preview.Type, preview.Deleted));
        Assert.Equal(new string('a', 200), preview.Text);
    }

    [Fact]
    public void Shorten_NeverCutsASurrogatePairInTwo()
    {
        var text = new string('a', 199) + "😀" + "tail"; // the emoji's two code units are the 200th and 201st

        Assert.Equal(new string('a', 199), ReplyQuotes.Shorten(text));
        Assert.Equal("short", ReplyQuotes.Shorten("short"));
        Assert.Null(ReplyQuotes.Shorten(null));
    }

    [Fact]
    public void PreviewOfADeletedMessage_HasNoText_AndSaysDeleted()
    {
        var preview = ReplyQuotes.PreviewOf(MessageBuilder.Text("c", 7, "alice") with { Deleted = true, Text = null });
        var view = ReplyQuotes.View(preview, floor: 0, TestClock.Start)!;

        Assert.Null(view.Text);
        Assert.True(view.Deleted);
    }

    [Fact]
    public void View_HidesTheText_FromAViewerWhoJoinedAfterTheQuotedMessage()
    {
        var preview = ReplyQuotes.PreviewOf(MessageBuilder.Text("c", 7, "alice", "before you came"));

        Assert.Equal("before you came", ReplyQuotes.View(preview, floor: 6, TestClock.Start)!.Text);
        Assert.Null(ReplyQuotes.View(preview, floor: 7, TestClock.Start)!.Text);
        Assert.Null(ReplyQuotes.View(preview, floor: 7, TestClock.Start)!.Deleted);
        Assert.Equal(7, ReplyQuotes.View(preview, floor: 7, TestClock.Start)!.Seq);
        Assert.Null(ReplyQuotes.View(null, floor: 0, TestClock.Start));
    }
}
