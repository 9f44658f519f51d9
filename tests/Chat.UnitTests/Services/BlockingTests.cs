namespace Chat.UnitTests.Services;

using Chat.Core.Accounts;
using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.Core.Reactions;
using Chat.UnitTests.TestData;
using Moq;

/// <summary>API v1.1 blocking: where a block is written, and what it refuses (the matrix of <see cref="BlockRules"/>).</summary>
public sealed class BlockingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    [Fact]
    public async Task Block_ListsTheUser_MarksTheirPartition_AndBlocksTheDirectChat_Idempotently()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        await h.BlockService.BlockAsync("alice", "bob", None);
        await h.BlockService.BlockAsync("alice", "bob", None);

        Assert.Equal("bob", Assert.Single(h.Profile("alice").BlockList).UserId);
        Assert.Equal([("bob", "alice")], h.BlockMarkers);
        Assert.Equal(["alice"], h.Stored(chat.ChatId).BlockedBy);
        Assert.Equal(["bob"], (await h.BlockService.ListAsync("alice", None)).Select(u => u.UserId));
    }

    [Fact]
    public async Task Block_TakesTheBlockedUserOutOfTheBlockersPresenceGroup_AgainToo_Unblock_PutsThemBack()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        await h.BlockService.BlockAsync("alice", "bob", None);
        await h.BlockService.BlockAsync("alice", "bob", None); // a retry: the chat says so already, the group change is made again
        await h.BlockService.UnblockAsync("alice", "bob", None);

        var presenceChanges = h.Realtime.Invocations.Where(i => i.Method.Name == nameof(IRealtime.ApplyAsync))
            .SelectMany(i => (IReadOnlyCollection<GroupChange>)i.Arguments[0]!).ToArray();
        var (outOfIt, backIn) = (new GroupChange(chat.ChatId, "bob", false, Group: PresenceGroups.Of("alice")), new GroupChange(chat.ChatId, "bob", true, Group: PresenceGroups.Of("alice")));
        Assert.Equal([outOfIt, outOfIt, backIn], presenceChanges);
    }

    [Fact]
    public async Task Block_ItsGroupChange_IsNotCancelledByTheCallerGoingAway()
    {
        h.Store(ChatBuilder.Direct("alice", "bob").Build());
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync(); // the request was aborted (the stores of the harness do not look at the token)

        await h.ChatService.SetBlockAsync("alice", "bob", blocked: true, gone.Token);

        h.Realtime.Verify(r => r.ApplyAsync(It.Is<IReadOnlyCollection<GroupChange>>(c => !c.Single().Add), CancellationToken.None), Times.Once);
    }

    [Fact]
    public async Task Block_WithoutADirectChat_ChangesNoGroup()
    {
        await h.BlockService.BlockAsync("alice", "bob", None);

        h.Realtime.Verify(r => r.ApplyAsync(It.IsAny<IReadOnlyCollection<GroupChange>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Unblock_UndoesAllThree_AndUnblockingSomeoneNotBlockedIsFine()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        await h.BlockService.BlockAsync("alice", "bob", None);
        await h.BlockService.BlockAsync("bob", "alice", None);

        await h.BlockService.UnblockAsync("alice", "bob", None);
        await h.BlockService.UnblockAsync("alice", "carol", None);

        Assert.Empty(h.Profile("alice").BlockList);
        Assert.Equal([("alice", "bob")], h.BlockMarkers);
        Assert.Equal(["bob"], h.Stored(chat.ChatId).BlockedBy); // bob's own block stands
    }

    [Fact]
    public async Task Block_Self_Is400_AnUnknownOrMalformedUser_Is404_AndNothingIsWritten()
    {
        h.MissingUsers.Add("ghost");

        Assert.Equal(400, (await Assert.ThrowsAsync<ChatException>(() => h.BlockService.BlockAsync("alice", "alice", None))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => h.BlockService.BlockAsync("alice", "ghost", None))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => h.BlockService.BlockAsync("alice", "no/such", None))).Status);
        Assert.Empty(h.Profile("alice").BlockList);
        Assert.Empty(h.BlockMarkers);
    }

    [Fact]
    public async Task WhileBlocked_NeitherSideCanSendEditOrReact_AndTheDirectChatGetsNoTyping()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var sent = await h.MessageService.SendAsync("bob", chat.ChatId, MessageBuilder.TextRequest("before", "c0"), None);
        await h.BlockService.BlockAsync("alice", "bob", None);

        foreach (var caller in new[] { "alice", "bob" })
        {
            await Expect403(() => h.MessageService.SendAsync(caller, chat.ChatId, MessageBuilder.TextRequest("hi", "c-" + caller), None));
            await Expect403(() => h.ReactionService.ReactAsync(caller, chat.ChatId, sent.Message.Seq, new ReactionRequest("👍"), None));
            await h.TypingService.TypingAsync(caller, chat.ChatId, None);
        }

        await Expect403(() => h.EditService.EditAsync("bob", chat.ChatId, sent.Message.Seq, new EditMessageRequest("after"), None));
        Assert.Single(h.Appended);
        h.Realtime.Verify(r => r.SendToUsersAsync(It.IsAny<IReadOnlyCollection<string>>(), ClientMethods.Typing, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Never);

        await h.BlockService.UnblockAsync("alice", "bob", None);
        Assert.True((await h.MessageService.SendAsync("bob", chat.ChatId, MessageBuilder.TextRequest("again", "c-again"), None)).Created);
    }

    [Fact]
    public async Task TheBlockedUser_CannotAddTheBlockerToAGroup_NorCreateOneWithThem_TheBlockerStillCan()
    {
        var group = h.Store(ChatBuilder.Group().WithAdmin("bob").WithMember("carol").Build());
        await h.BlockService.BlockAsync("alice", "bob", None);

        await Expect403(() => h.ChatService.AddMembersAsync("bob", group.ChatId, new AddMembersRequest(["alice"]), None));
        await Expect403(() => h.ChatService.CreateGroupAsync("bob", new CreateGroupRequest("Trap", ["carol", "alice"]), None));

        Assert.DoesNotContain(h.Stored(group.ChatId).Members, m => m.UserId == "alice");
        var hers = await h.ChatService.CreateGroupAsync("alice", new CreateGroupRequest("Mine", ["bob"]), None);
        Assert.Contains(hers.Members, m => m.UserId == "bob");
    }

    [Fact]
    public async Task ADirectChatOpenedAfterABlock_IsBlockedFromItsFirstWrite()
    {
        await h.BlockService.BlockAsync("alice", "bob", None);

        var (opened, created) = await h.ChatService.OpenDirectAsync("bob", new OpenDirectRequest("alice"), None);

        Assert.True(created);
        Assert.Equal(["alice"], h.Stored(opened.ChatId).BlockedBy);
        await Expect403(() => h.MessageService.SendAsync("bob", opened.ChatId, MessageBuilder.TextRequest(), None));
    }

    [Fact]
    public async Task ABlockLandingWhileTheDirectChatIsCreated_StillReachesIt()
    {
        var reads = 0;
        h.Users.Setup(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) =>
            {
                if (++reads == 2)
                {
                    h.Profiles["alice"] = h.Profile("alice") with { Blocked = [new BlockedUser("bob", TestClock.Start)] }; // after the open read them
                }

                return ids.Select(h.Profile).ToArray();
            });

        var (opened, _) = await h.ChatService.OpenDirectAsync("bob", new OpenDirectRequest("alice"), None);

        Assert.Equal(["alice"], h.Stored(opened.ChatId).BlockedBy);
    }

    [Fact]
    public async Task InAGroup_TypingGoesToEveryoneButThoseTheTyperBlocked()
    {
        var group = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());
        h.ConnectionsOfUser["alice"] = ["alice-1"];
        h.ConnectionsOfUser["bob"] = ["bob-1", "bob-2"];
        await h.BlockService.BlockAsync("alice", "bob", None);

        await h.TypingService.TypingAsync("alice", group.ChatId, None);
        await h.TypingService.TypingAsync("bob", group.ChatId, None);

        h.Realtime.Verify(r => r.SendToGroupExceptAsync(group.ChatId, It.Is<IReadOnlyCollection<string>>(ids => ids.Order().SequenceEqual(new[] { "alice-1", "bob-1", "bob-2" })), ClientMethods.Typing, new TypingEvent(group.ChatId, "alice"), It.IsAny<CancellationToken>()), Times.Once);
        h.Realtime.Verify(r => r.SendToGroupExceptAsync(group.ChatId, It.Is<IReadOnlyCollection<string>>(ids => ids.Order().SequenceEqual(new[] { "bob-1", "bob-2" })), ClientMethods.Typing, new TypingEvent(group.ChatId, "bob"), It.IsAny<CancellationToken>()), Times.Once);
        var sent = await h.MessageService.SendAsync("bob", group.ChatId, MessageBuilder.TextRequest(), None); // groups are not affected otherwise
        Assert.True(sent.Created);
    }

    [Fact]
    public async Task InAGroup_WhenTheConnectionsCannotBeRead_TypingStillSkipsThoseTheTyperBlocked()
    {
        var group = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());
        await h.BlockService.BlockAsync("alice", "bob", None);
        h.Connections.Setup(c => c.OfAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("connection store", TimeSpan.FromSeconds(1)));

        await h.TypingService.TypingAsync("alice", group.ChatId, None);

        h.Realtime.Verify(r => r.SendToUsersAsync(It.Is<IReadOnlyCollection<string>>(ids => ids.SequenceEqual(new[] { "carol" })), ClientMethods.Typing, It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Realtime.Verify(r => r.SendToGroupExceptAsync(It.IsAny<string>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<string>(), It.IsAny<object>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task AForwardIntoABlockedDirectChat_Is403_AndNoTargetGetsIt()
    {
        var direct = h.Store(ChatBuilder.Direct("alice", "bob").Build());
        var group = h.Store(ChatBuilder.Group().WithAdmin("bob").WithMember("carol").Build());
        var source = await h.MessageService.SendAsync("bob", group.ChatId, MessageBuilder.TextRequest("look", "c0"), None);
        await h.BlockService.BlockAsync("alice", "bob", None);

        await Expect403(() => h.ForwardService.ForwardAsync("bob", group.ChatId, source.Message.Seq, new ForwardRequest([group.ChatId, direct.ChatId], "f1"), None));

        Assert.Single(h.Appended); // all or nothing: not even the group got the forward
    }

    private static async Task Expect403(Func<Task> act) => Assert.Equal(403, (await Assert.ThrowsAsync<ChatException>(act)).Status);
}
