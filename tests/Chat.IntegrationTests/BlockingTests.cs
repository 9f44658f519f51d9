namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>API v1.1 blocking, through the API with the real clients: the list, and every effect API.md names.</summary>
[Collection(BackendCollection.Name)]
public sealed class BlockingTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task WhileABlockStands_TheDirectChatRefusesBothSides_TheBlockedUserCannotGroupTheBlocker_AndSeesNoPresence()
    {
        var (alice, bob, carol) = (await Host.NewUserAsync("Alice"), await Host.NewUserAsync("Bob"), await Host.NewUserAsync("Carol"));
        var direct = await alice.OpenDirectAsync(bob.UserId);
        var fromBob = await bob.SendTextAsync(direct.ChatId, "hi alice");
        var bobsGroup = await bob.CreateGroupAsync("Bob's", [carol.UserId]);
        var bobsFirst = await bob.SendTextAsync(bobsGroup.ChatId, "for forwarding");
        await alice.CreateGroupAsync("Alice's", [carol.UserId]);
        await alice.GetMeAsync(); // alice is active: online for whoever may see it

        await alice.BlockAsync(bob.UserId);
        await alice.BlockAsync(bob.UserId); // again: still 204

        Assert.Equal(["Bob"], (await alice.ListBlockedAsync()).Select(u => u.DisplayName));
        await Expect.Problem(403, () => bob.SendTextAsync(direct.ChatId, "why?"));
        await Expect.Problem(403, () => alice.SendTextAsync(direct.ChatId, "bye"));
        await Expect.Problem(403, () => alice.ReactAsync(direct.ChatId, fromBob.Seq, "👎"));
        await Expect.Problem(403, () => bob.EditMessageAsync(direct.ChatId, fromBob.Seq, "hi alice!"));
        await Expect.Problem(403, () => bob.ForwardAsync(bobsGroup.ChatId, bobsFirst.Seq, [direct.ChatId]));
        await Expect.Problem(403, () => bob.AddMembersAsync(bobsGroup.ChatId, [alice.UserId]));
        await Expect.Problem(403, () => bob.CreateGroupAsync("Trap", [carol.UserId, alice.UserId]));
        Assert.Equal(new Presence(alice.UserId, false, null), Assert.Single(await bob.GetPresenceAsync([alice.UserId])));
        Assert.True(Assert.Single(await carol.GetPresenceAsync([alice.UserId])).Online);
        Assert.Null((await bob.GetUserAsync(alice.UserId)).LastSeen);
        Assert.Contains((await alice.CreateGroupAsync("Still mine", [bob.UserId])).Members, m => m.UserId == bob.UserId); // the blocker may
        Assert.Equal([fromBob.Seq], (await bob.GetMessagesAsync(direct.ChatId)).Messages.Select(m => m.Seq)); // nothing got in

        await alice.UnblockAsync(bob.UserId);

        Assert.Empty(await alice.ListBlockedAsync());
        await bob.SendTextAsync(direct.ChatId, "friends again?");
        await bob.AddMembersAsync(bobsGroup.ChatId, [alice.UserId]);
        Assert.NotNull(Assert.Single(await bob.GetPresenceAsync([alice.UserId])).LastSeen);
    }

    [Fact]
    public async Task TheBlockedUser_GetsNoTypingFromTheBlocker_InTheirDirectChatOrAGroup()
    {
        var (alice, bob, carol) = (await Host.NewUserAsync(), await Host.NewUserAsync(), await Host.NewUserAsync());
        var direct = await alice.OpenDirectAsync(bob.UserId);
        var group = await alice.CreateGroupAsync("Three", [bob.UserId, carol.UserId]);
        await alice.BlockAsync(bob.UserId);
        var (bobConnection, bobLog) = await EventLog.ConnectAsync(bob);
        var (carolConnection, carolLog) = await EventLog.ConnectAsync(carol);
        await using (bobConnection)
        await using (carolConnection)
        {
            await alice.TypingAsync(direct.ChatId);
            await alice.TypingAsync(group.ChatId);
            await carol.TypingAsync(group.ChatId); // sent after alice's: once bob has it, alice's would have come first

            await Expect.Eventually(() => Task.FromResult(bobLog.Typing.Any(t => t.UserId == carol.UserId)));
            await Expect.Eventually(() => Task.FromResult(carolLog.Typing.Any(t => t.UserId == alice.UserId && t.ChatId == group.ChatId)));
            Assert.DoesNotContain(bobLog.Typing, t => t.UserId == alice.UserId);
        }
    }

    [Fact]
    public async Task ADirectChatOpenedAfterTheBlock_IsBlocked_TheListNeedsAToken_AndBadIdsAreRefused()
    {
        var (alice, bob) = (await Host.NewUserAsync(), await Host.NewUserAsync());
        await bob.BlockAsync(alice.UserId);

        var direct = await alice.OpenDirectAsync(bob.UserId);

        await Expect.Problem(403, () => alice.SendTextAsync(direct.ChatId, "hello?"));
        await Expect.Problem(401, () => Host.NewClient().ListBlockedAsync());
        await Expect.Problem(404, () => alice.BlockAsync("u_" + Guid.NewGuid().ToString("N")));
        var self = await Expect.Problem(400, () => alice.BlockAsync(alice.UserId));
        Assert.True(self.Problem!.Errors!.ContainsKey("userId"));
        await alice.UnblockAsync(bob.UserId); // alice never blocked bob: 204, and bob's block stands
        await Expect.Problem(403, () => bob.SendTextAsync(direct.ChatId, "no"));
    }
}
