namespace Chat.UnitTests.Domain;

using Chat.Core.Reactions;

public sealed class EmojiTests
{
    [Theory]
    [InlineData("👍")]
    [InlineData("❤️")] // U+2764 with the emoji variation selector
    [InlineData("❤")]
    [InlineData("👍🏽")] // a skin-tone modifier
    [InlineData("👨‍👩‍👧‍👦")] // a ZWJ family: one cluster, 11 code units
    [InlineData("🇫🇷")] // a flag: two regional indicators
    [InlineData("1️⃣")] // a keycap
    [InlineData("🏴󠁧󠁢󠁳󠁣󠁴󠁿")] // a subdivision flag (tags), 14 code units
    [InlineData("⭐")]
    [InlineData("☕")]
    public void OneEmoji_IsAReaction(string emoji) => Assert.True(Emoji.IsSingle(emoji));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a")]
    [InlineData("1")] // a keycap base alone is a digit
    [InlineData("ok")]
    [InlineData("👍👍")] // two clusters
    [InlineData("👍 ")]
    [InlineData("\u200D")]
    [InlineData("\u202E👍")] // a bidi override in front
    [InlineData("é")]
    public void AnythingElse_IsNot(string? value) => Assert.False(Emoji.IsSingle(value));

    [Fact]
    public void OneClusterLongerThan16CodeUnits_IsNot()
    {
        var longFamily = "👨‍👩‍👧‍👦‍👦"; // 14 code units... plus another ZWJ person
        var tooLong = longFamily + "\u200D👦";
        Assert.True(tooLong.Length > Emoji.MaxLength);
        Assert.False(Emoji.IsSingle(tooLong));
    }
}

public sealed class ReactionEventJsonTests
{
    [Fact]
    public void ARemovedReaction_WritesEmojiAsNull_NotLeftOut()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(
            new ReactionEvent("c1", 3, "u1", null, DateTimeOffset.UnixEpoch), Chat.Functions.Http.ChatJson.Options);

        Assert.Contains("\"emoji\":null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"emoji\":null", System.Text.Json.JsonSerializer.Serialize(
            new ReactionEvent("c1", 3, "u1", "👍", DateTimeOffset.UnixEpoch), Chat.Functions.Http.ChatJson.Options), StringComparison.Ordinal);
    }
}
