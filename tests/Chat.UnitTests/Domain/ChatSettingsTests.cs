namespace Chat.UnitTests.Domain;

using System.Text.Json;
using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Ports;

public sealed class ChatSettingsTests
{
    private static readonly ChatListEntry Plain = new("c1", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Archiving_Unpins_PinningUnarchives_AbsentFieldsKeepTheirValue()
    {
        Assert.Equal((true, false), Placed(Plain with { Archived = true }, pinned: true, archived: null));
        Assert.Equal((false, true), Placed(Plain with { Pinned = true }, pinned: null, archived: true));
        Assert.Equal((true, false), Placed(Plain with { Pinned = true }, pinned: null, archived: null));
        Assert.Equal((false, false), Placed(Plain with { Archived = true }, pinned: null, archived: false));
        Assert.Throws<ChatException>(() => ChatSettings.Place(Plain, true, true));
    }

    [Fact]
    public void MutedUntil_AbsentKeeps_NullUnmutes_ATimestampMutes_AnythingElseIs400()
    {
        Assert.Null(ChatSettings.MutedUntil(default));
        Assert.Equal(new ChatSettings.Mute(null), ChatSettings.MutedUntil(Parse("null")));
        Assert.Equal(new ChatSettings.Mute(new DateTimeOffset(2027, 1, 1, 8, 0, 0, TimeSpan.Zero)), ChatSettings.MutedUntil(Parse("\"2027-01-01T10:00:00+02:00\"")));
        foreach (var bad in new[] { "\"soon\"", "42", "true", "{}" })
        {
            var error = Assert.Throws<ChatException>(() => ChatSettings.MutedUntil(Parse(bad)));
            Assert.True(error.Errors!.ContainsKey("mutedUntil"), bad);
        }
    }

    private static (bool Pinned, bool Archived) Placed(ChatListEntry entry, bool? pinned, bool? archived) =>
        ChatSettings.Place(entry, pinned, archived) is var p ? (p.Pinned, p.Archived) : default;

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
