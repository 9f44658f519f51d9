namespace Chat.UnitTests.Push;

using System.Globalization;
using System.Text;
using Chat.Core.Chats;
using Chat.Core.Messages;
using Chat.Core.Push;
using Chat.UnitTests.TestData;

/// <summary>What a notification says: title, body preview and what it opens.</summary>
public sealed class PushComposeTests
{
    private const int Length = 100;
    private const string Family = "👨‍👩‍👧"; // one text element, five UTF-16 code points

    private static readonly ChatRecord Direct = ChatBuilder.Direct("alice", "bob").Build();
    private static readonly ChatRecord Group = ChatBuilder.Group("g_friends", "Weekend Hikers").WithAdmin("alice").WithMember("bob").Build();

    [Fact]
    public void Compose_DirectChat_TitleIsTheSender_BodyIsTheText()
    {
        var message = MessageBuilder.Text(Direct.ChatId, 7, "alice", "See you at 8?");

        var notification = PushService.Compose(Direct, message, "Alice", Length);

        Assert.Equal(new PushNotification("Alice", "See you at 8?", Direct.ChatId, 7), notification);
    }

    [Fact]
    public void Compose_Group_TitleIsTheGroup_BodyNamesTheSender()
    {
        var message = MessageBuilder.Text(Group.ChatId, 12, "alice", "Trail is open");

        var notification = PushService.Compose(Group, message, "Alice", Length);

        Assert.Equal(new PushNotification("Weekend Hikers", "Alice: Trail is open", "g_friends", 12), notification);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u0007\t\n")]
    public void Compose_NoUsableSenderName_SaysSomeone(string? senderName)
    {
        var direct = PushService.Compose(Direct, MessageBuilder.Text(Direct.ChatId, 1, "alice", "hi"), senderName, Length);
        var group = PushService.Compose(Group, MessageBuilder.Text(Group.ChatId, 1, "alice", "hi"), senderName, Length);

        Assert.Equal("Someone", direct.Title);
        Assert.Equal("Someone: hi", group.Body);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    [InlineData("\r\n")]
    public void Compose_GroupWithoutAUsableName_IsTitledGroup(string? name)
    {
        var unnamed = Group with { Name = name };

        var notification = PushService.Compose(unnamed, MessageBuilder.Text(Group.ChatId, 1, "alice", "hi"), "Alice", Length);

        Assert.Equal("Group", notification.Title);
        Assert.Equal("Alice: hi", notification.Body);
    }

    [Fact]
    public void Compose_ControlCharactersInNames_AreReplacedAndTrimmed()
    {
        var named = Group with { Name = "\tHikers\nClub\u0000" };

        var notification = PushService.Compose(named, MessageBuilder.Text(Group.ChatId, 1, "alice", "hi"), "\u001bAl\rice ", Length);

        Assert.Equal("Hikers Club", notification.Title);
        Assert.Equal("Al ice: hi", notification.Body);
    }

    [Theory]
    [InlineData(MessageTypes.Image, null, null, "📷 Photo")]
    [InlineData(MessageTypes.Image, "Sunset at the lake", null, "📷 Sunset at the lake")]
    [InlineData(MessageTypes.Video, null, null, "🎥 Video")]
    [InlineData(MessageTypes.Video, "First steps!", null, "🎥 First steps!")]
    [InlineData(MessageTypes.Audio, null, null, "🎤 Audio")]
    [InlineData(MessageTypes.Audio, "  ", null, "🎤 Audio")]
    [InlineData(MessageTypes.File, null, "report.pdf", "📄 report.pdf")]
    [InlineData(MessageTypes.File, "please read", "report.pdf", "📄 report.pdf")]
    [InlineData(MessageTypes.File, null, null, "📄 Document")]
    [InlineData(MessageTypes.Text, null, null, "New message")]
    [InlineData(MessageTypes.Text, " \n ", null, "New message")]
    public void Preview_MediaLabelsAndCaptions(string type, string? text, string? fileName, string expected)
    {
        var message = MessageBuilder.Text("g_friends", 3, "alice", text!) with
        {
            Type = type,
            Text = text,
            Media = fileName is null ? null : new MediaRef("med1", fileName, "application/pdf", 1024),
        };

        Assert.Equal(expected, PushService.Preview(message, Length));
    }

    [Fact]
    public void Compose_GroupImage_NamesTheSenderBeforeTheLabel()
    {
        var photo = MessageBuilder.Text(Group.ChatId, 4, "alice") with { Type = MessageTypes.Image, Text = null };

        Assert.Equal("Alice: 📷 Photo", PushService.Compose(Group, photo, "Alice", Length).Body);
    }

    [Fact]
    public void Preview_TextOfExactlyTheLength_IsKept()
    {
        var text = new string('a', Length);

        Assert.Equal(text, PushService.Preview(Text(text), Length));
    }

    [Fact]
    public void Preview_LongText_IsCutToTheLength_EndingWithAnEllipsis()
    {
        var preview = PushService.Preview(Text(new string('a', Length + 1)), Length);

        Assert.Equal(new string('a', Length - 1) + "…", preview);
        Assert.Equal(Length, new StringInfo(preview).LengthInTextElements);
    }

    [Fact]
    public void Preview_LengthComesFromTheArgument()
    {
        Assert.Equal("abcdefghi…", PushService.Preview(Text("abcdefghijklmnop"), 10));
    }

    [Fact]
    public void Preview_LongEmojiText_NeverSplitsASurrogatePair()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 150));

        var preview = PushService.Preview(Text(text), Length);

        Assert.Equal(string.Concat(Enumerable.Repeat("😀", Length - 1)) + "…", preview);
        AssertWellFormedUtf16(preview);
    }

    [Fact]
    public void Preview_CutAtAZwjSequenceOrSkinTone_KeepsItWhole()
    {
        var family = PushService.Preview(Text(new string('a', Length - 2) + string.Concat(Enumerable.Repeat(Family, 5))), Length);
        var thumbs = PushService.Preview(Text(new string('a', Length - 2) + string.Concat(Enumerable.Repeat("👍🏽", 5))), Length);

        Assert.Equal(new string('a', Length - 2) + Family + "…", family);
        Assert.Equal(new string('a', Length - 2) + "👍🏽" + "…", thumbs);
        AssertWellFormedUtf16(family);
        AssertWellFormedUtf16(thumbs);
    }

    [Fact]
    public void Preview_ImageCaption_IsCutLikeText()
    {
        var photo = Text(new string('c', 150)) with { Type = MessageTypes.Image };

        Assert.Equal("📷 " + new string('c', Length - 1) + "…", PushService.Preview(photo, Length));
    }

    [Fact]
    public void Preview_LongFileName_IsCut()
    {
        var file = Text(null) with { Type = MessageTypes.File, Media = new MediaRef("med1", new string('f', 150) + ".pdf", "application/pdf", 1) };

        Assert.Equal("📄 " + new string('f', Length - 1) + "…", PushService.Preview(file, Length));
    }

    [Fact]
    public void Preview_ControlCharacters_BecomeSpaces_AndTheEndsAreTrimmed()
    {
        var preview = PushService.Preview(Text("\u0000 hi\tthere\r\nfriend\u0085\u007f \u001b"), Length);

        Assert.Equal("hi there  friend", preview);
        Assert.DoesNotContain(preview, char.IsControl);
    }

    [Fact]
    public void Preview_TextCleanedBeforeCutting_CountsTheCleanText()
    {
        // 20 leading control characters are trimmed away; the 100 letters that remain fit.
        var preview = PushService.Preview(Text(new string('\n', 20) + new string('a', Length)), Length);

        Assert.Equal(new string('a', Length), preview);
    }

    private static MessageRecord Text(string? text) => MessageBuilder.Text("g_friends", 3, "alice", text!) with { Text = text };

    private static void AssertWellFormedUtf16(string text)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        strict.GetBytes(text); // throws on a lone surrogate
        Assert.DoesNotContain(text.EnumerateRunes(), r => r == Rune.ReplacementChar);
    }
}
