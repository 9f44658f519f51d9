namespace Chat.UnitTests.Domain;

using Chat.Core.Accounts;
using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.UnitTests.TestData;

public sealed class BlockRulesTests
{
    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "alice" }, true)]
    [InlineData(new[] { "bob" }, true)]
    [InlineData(new[] { "alice", "bob" }, true)]
    public void APostInADirectChat_IsRefused_WhicheverSideBlocked(string[] blockedBy, bool refused)
    {
        var chat = ChatBuilder.Direct("alice", "bob").Build() with { BlockedBy = blockedBy };

        Assert.Equal(refused, BlockRules.IsBlocked(chat));
        var error = Record.Exception(() => BlockRules.EnsureMayPost(chat));
        Assert.Equal(refused ? 403 : null, (error as ChatException)?.Status);
    }

    [Fact]
    public void AGroup_IsNeverBlockedAsAWhole()
    {
        var group = ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build() with { BlockedBy = ["alice"] };

        BlockRules.EnsureMayPost(group);
        Assert.False(BlockRules.IsBlocked(group));
    }

    [Fact]
    public void Including_IsRefusedOnlyForUsersWhoBlockedTheCaller()
    {
        var alice = ChatHarness.Account("alice") with { Blocked = [new BlockedUser("bob", TestClock.Start)] };
        var carol = ChatHarness.Account("carol");

        Assert.Equal(403, Assert.Throws<ChatException>(() => BlockRules.EnsureMayInclude("bob", [carol, alice])).Status);
        BlockRules.EnsureMayInclude("carol", [alice]); // alice blocked bob, not carol
        BlockRules.EnsureMayInclude("alice", [ChatHarness.Account("bob")]); // the blocker may still add the one she blocked
    }

    [Fact]
    public void BlockersOf_NamesEachSideThatBlockedTheOther()
    {
        var alice = ChatHarness.Account("alice") with { Blocked = [new BlockedUser("bob", TestClock.Start)] };
        var bob = ChatHarness.Account("bob");

        Assert.Equal(["alice"], BlockRules.BlockersOf(alice, bob));
        Assert.Equal(["alice"], BlockRules.BlockersOf(bob, alice));
        Assert.Empty(BlockRules.BlockersOf(bob, ChatHarness.Account("carol")));
    }

    [Fact]
    public void WithBlocked_IsIdempotent_AndCapped()
    {
        var alice = ChatHarness.Account("alice");
        var blocked = BlockRules.WithBlocked(alice, "bob", blocked: true, TestClock.Start);

        Assert.Same(blocked, BlockRules.WithBlocked(blocked, "bob", blocked: true, TestClock.Start.AddDays(1)));
        Assert.Equal(TestClock.Start, Assert.Single(blocked.BlockList).At);
        Assert.Null(BlockRules.WithBlocked(blocked, "bob", blocked: false, TestClock.Start).Blocked); // an emptied list stores nothing
        Assert.Same(alice, BlockRules.WithBlocked(alice, "bob", blocked: false, TestClock.Start));

        var full = alice with { Blocked = Enumerable.Range(0, BlockRules.MaxBlocked).Select(i => new BlockedUser("u" + i, TestClock.Start)).ToArray() };
        Assert.Equal(422, Assert.Throws<ChatException>(() => BlockRules.WithBlocked(full, "bob", blocked: true, TestClock.Start)).Status);
    }

    [Fact]
    public void WithBlock_AddsAndRemovesOneBlocker_LeavingTheOther()
    {
        var chat = ChatBuilder.Direct("alice", "bob").Build();

        var both = BlockRules.WithBlock(BlockRules.WithBlock(chat, "alice", blocked: true), "bob", blocked: true);

        Assert.Equal(["alice", "bob"], both.BlockedBy);
        Assert.Equal(["bob"], BlockRules.WithBlock(both, "alice", blocked: false).BlockedBy);
        Assert.Same(both, BlockRules.WithBlock(both, "alice", blocked: true));
    }
}
