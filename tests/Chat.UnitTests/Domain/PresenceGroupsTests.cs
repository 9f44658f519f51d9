namespace Chat.UnitTests.Domain;

using System.Text.Json;
using Chat.Core.Realtime;
using Chat.Functions.Http;
using Chat.UnitTests.TestData;

public sealed class PresenceGroupsTests
{
    [Fact]
    public void ADirectChat_PutsEachMemberInTheOthersGroup()
    {
        var chat = ChatBuilder.Direct("alice", "bob").Build();

        Assert.Equal(
            [new GroupChange(chat.ChatId, "alice", true, Group: "presence-bob"), new GroupChange(chat.ChatId, "bob", true, Group: "presence-alice")],
            PresenceGroups.Implied(chat).OrderBy(c => c.UserId, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "alice" }, "bob", false, "alice", true)]
    [InlineData(new[] { "bob" }, "bob", true, "alice", false)]
    [InlineData(new[] { "alice", "bob" }, "bob", false, "alice", false)]
    public void ABlocker_IsNotHeardByTheOneTheyBlocked(string[] blockedBy, string first, bool firstHearsAlice, string second, bool secondHearsBob)
    {
        var chat = ChatBuilder.Direct("alice", "bob").Build() with { BlockedBy = blockedBy };

        var changes = PresenceGroups.Implied(chat).ToDictionary(c => c.UserId);

        Assert.Equal(firstHearsAlice, changes[first].Add);
        Assert.Equal(PresenceGroups.Of("alice"), changes[first].Target);
        Assert.Equal(secondHearsBob, changes[second].Add);
        Assert.Equal(PresenceGroups.Of("bob"), changes[second].Target);
    }

    [Fact]
    public void AGroupChat_ImpliesNoPresenceGroup()
    {
        var chat = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build();

        Assert.Empty(PresenceGroups.Implied(chat));
    }

    [Fact]
    public void AChangeWithoutAGroup_ChangesTheChatsOwn_AndTheQueueMessageCarriesNoTarget()
    {
        var change = new GroupChange("g_1", "bob", Add: true);

        Assert.Equal("g_1", change.Target);
        Assert.DoesNotContain("target", JsonSerializer.Serialize(change, ChatJson.Options), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TheBackfillMessageOfInfraReadme_ReadsAsAPresenceChange()
    {
        var change = JsonSerializer.Deserialize<GroupChange>("""{"chatId":"d_1","userId":"bob","add":true,"group":"presence-alice"}""", ChatJson.Options);

        Assert.Equal(new GroupChange("d_1", "bob", Add: true, Group: PresenceGroups.Of("alice")), change);
        Assert.Equal("presence-alice", change!.Target);
    }
}
