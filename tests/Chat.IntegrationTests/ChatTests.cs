namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

[Collection(BackendCollection.Name)]
public sealed class ChatTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task OpenDirect_Creates201_ThenSameChat200_FromEitherSide()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();

        using var first = await alice.SendRawAsync(HttpMethod.Post, "api/chats/direct", $"{{\"userId\":\"{bob.UserId}\"}}");
        Assert.Equal(201, (int)first.StatusCode);
        using var again = await bob.SendRawAsync(HttpMethod.Post, "api/chats/direct", $"{{\"userId\":\"{alice.UserId}\"}}");
        Assert.Equal(200, (int)again.StatusCode);

        var chat = await alice.OpenDirectAsync(bob.UserId);
        Assert.Equal("direct", chat.Type);
        Assert.Equal(new[] { alice.UserId, bob.UserId }.Order(), chat.Members.Select(m => m.UserId).Order());
        Assert.Equal(chat.ChatId, (await bob.OpenDirectAsync(alice.UserId)).ChatId);
    }

    [Fact]
    public async Task OpenDirect_Concurrently_MakesOneChat()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var opens = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? alice.OpenDirectAsync(bob.UserId) : bob.OpenDirectAsync(alice.UserId)));
        Assert.Single(opens.Select(c => c.ChatId).Distinct());
        Assert.Single((await alice.ListChatsAsync()).Chats);
        Assert.Single((await bob.ListChatsAsync()).Chats);
    }

    [Fact]
    public async Task OpenDirect_BadInput()
    {
        var alice = await Host.NewUserAsync();
        await Expect.Validation("userId", () => alice.OpenDirectAsync(alice.UserId));
        await Expect.Problem(404, () => alice.OpenDirectAsync("nobody-here"));
        using var missing = await alice.SendRawAsync(HttpMethod.Post, "api/chats/direct", "{}");
        var e = await Expect.Problem(400, missing);
        Assert.Contains("userId", e.Problem!.Errors!.Keys);
    }

    [Fact]
    public async Task Chat_OfOthers_Returns404_ForReadSendAndHistory()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var eve = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        await Expect.Problem(404, () => eve.GetChatAsync(chat.ChatId));
        await Expect.Problem(404, () => eve.SendTextAsync(chat.ChatId, "hi"));
        await Expect.Problem(404, () => eve.GetMessagesAsync(chat.ChatId));
        await Expect.Problem(404, () => eve.PostReceiptAsync(chat.ChatId, "read", 1));
        await Expect.Problem(404, () => eve.GetChatAsync("d_doesnotexist"));
        await Expect.Problem(404, () => eve.GetChatAsync("bad id!"));
    }

    [Fact]
    public async Task Group_Create_Update_Members_Admins_Leave()
    {
        var admin = await Host.NewUserAsync();
        var m1 = await Host.NewUserAsync();
        var m2 = await Host.NewUserAsync();
        var m3 = await Host.NewUserAsync();

        var group = await admin.CreateGroupAsync("Hikers", [m1.UserId, m2.UserId, m1.UserId]);
        Assert.Equal("group", group.Type);
        Assert.Equal("Hikers", group.Name);
        Assert.Equal(3, group.Members.Count);
        Assert.Equal("admin", group.Members.Single(m => m.UserId == admin.UserId).Role);

        var renamed = await admin.UpdateGroupAsync(group.ChatId, name: "Hikers 2", description: "weekend trips");
        Assert.Equal("Hikers 2", renamed.Name);
        Assert.Equal("weekend trips", renamed.Description);
        await Expect.Problem(403, () => m1.UpdateGroupAsync(group.ChatId, name: "mine"));
        await Expect.Problem(403, () => m1.AddMembersAsync(group.ChatId, [m3.UserId]));
        await Expect.Problem(403, () => m1.RemoveMemberAsync(group.ChatId, m2.UserId));
        await Expect.Problem(403, () => m1.PromoteAdminAsync(group.ChatId, m2.UserId));
        await Expect.Problem(403, () => m1.CreateInviteAsync(group.ChatId));
        await Expect.Problem(404, () => m3.UpdateGroupAsync(group.ChatId, name: "x"));

        var added = await admin.AddMembersAsync(group.ChatId, [m3.UserId]);
        Assert.Equal(4, added.Members.Count);
        Assert.Contains((await m3.ListChatsAsync()).Chats, c => c.ChatId == group.ChatId);

        await admin.RemoveMemberAsync(group.ChatId, m3.UserId);
        await Expect.Problem(404, () => m3.GetChatAsync(group.ChatId));
        Assert.DoesNotContain((await m3.ListChatsAsync()).Chats, c => c.ChatId == group.ChatId);

        var promoted = await admin.PromoteAdminAsync(group.ChatId, m1.UserId);
        Assert.Equal("admin", promoted.Members.Single(m => m.UserId == m1.UserId).Role);

        await m2.RemoveMemberAsync(group.ChatId, m2.UserId); // a member may remove themself
        await Expect.Problem(404, () => m2.GetChatAsync(group.ChatId));
    }

    [Fact]
    public async Task Group_LastAdminLeaving_PromotesLongestStandingMember()
    {
        var admin = await Host.NewUserAsync();
        var early = await Host.NewUserAsync();
        var late = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("G", [early.UserId]);
        await admin.AddMembersAsync(group.ChatId, [late.UserId]);

        await admin.LeaveAsync(group.ChatId);

        var after = await early.GetChatAsync(group.ChatId);
        Assert.Equal("admin", after.Members.Single(m => m.UserId == early.UserId).Role);
        Assert.Equal("member", after.Members.Single(m => m.UserId == late.UserId).Role);
        Assert.DoesNotContain(after.Members, m => m.UserId == admin.UserId);
    }

    [Fact]
    public async Task Group_Past100Members_Returns422_OnCreateAndAdd()
    {
        var admin = await Host.NewUserAsync();
        var users = await Host.NewUsersAsync(100);
        await Expect.Problem(422, () => admin.CreateGroupAsync("Too big", users.Select(u => u.UserId)));

        var full = await admin.CreateGroupAsync("Full", users.Take(99).Select(u => u.UserId));
        Assert.Equal(100, full.Members.Count);
        await Expect.Problem(422, () => admin.AddMembersAsync(full.ChatId, [users[99].UserId]));
        var invite = await admin.CreateInviteAsync(full.ChatId);
        await Expect.Problem(422, () => users[99].JoinAsync(invite.InviteCode));
        Assert.Equal(100, (await admin.GetChatAsync(full.ChatId)).Members.Count);
    }

    [Fact]
    public async Task Invite_Join_NewCodeRevokesOld_UnknownCode404()
    {
        var admin = await Host.NewUserAsync();
        var joiner = await Host.NewUserAsync();
        var other = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("Club", []);

        var first = await admin.CreateInviteAsync(group.ChatId);
        var second = await admin.CreateInviteAsync(group.ChatId);
        Assert.NotEqual(first.InviteCode, second.InviteCode);

        await Expect.Problem(404, () => joiner.JoinAsync(first.InviteCode));
        await Expect.Problem(404, () => joiner.JoinAsync("no-such-code"));
        await Expect.Problem(404, () => joiner.GetChatAsync(group.ChatId));

        var joined = await joiner.JoinAsync(second.InviteCode);
        Assert.Contains(joined.Members, m => m.UserId == joiner.UserId && m.Role == "member");
        Assert.Equal(2, (await other.JoinAsync(second.InviteCode)).Members.Count(m => m.UserId != admin.UserId));
    }

    [Fact]
    public async Task ListChats_MostRecentFirst_WithPaging()
    {
        var me = await Host.NewUserAsync();
        var peers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Host.NewUserAsync()));
        var chats = new List<ChatInfo>();
        foreach (var peer in peers)
        {
            chats.Add(await me.OpenDirectAsync(peer.UserId));
        }

        await me.SendTextAsync(chats[1].ChatId, "newest activity");

        // The order may lag a message by up to 2 s (API v1.1); what each chat shows is current at once.
        Assert.Equal("newest activity", (await me.ListChatsAsync()).Chats.Single(c => c.ChatId == chats[1].ChatId).LastMessage!.Text);
        await Expect.Eventually(async () => (await me.ListChatsAsync(limit: 2)).Chats[0].ChatId == chats[1].ChatId, TimeSpan.FromSeconds(10), "the chat moves up");
        var page1 = await me.ListChatsAsync(limit: 2);
        Assert.Equal(2, page1.Chats.Count);
        Assert.Equal(chats[1].ChatId, page1.Chats[0].ChatId);
        Assert.NotNull(page1.NextCursor);
        Assert.Equal("newest activity", page1.Chats[0].LastMessage!.Text);

        var page2 = await me.ListChatsAsync(limit: 2, cursor: page1.NextCursor);
        Assert.Single(page2.Chats);
        Assert.Null(page2.NextCursor);
        Assert.Equal(3, page1.Chats.Concat(page2.Chats).Select(c => c.ChatId).Distinct().Count());
        await Expect.Validation("limit", () => me.ListChatsAsync(limit: 201));
        await Expect.Validation("cursor", () => me.ListChatsAsync(cursor: "!!"));
    }
}
