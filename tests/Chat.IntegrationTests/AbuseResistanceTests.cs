namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>Regression tests of the outside attack pass (issue 10) on chats, groups and messages.</summary>
[Collection(BackendCollection.Name)]
public sealed class AbuseResistanceTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task AddedMember_ChatEvent_CarriesNoMessageFromBeforeTheJoin()
    {
        var admin = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var late = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("Before and after", [bob.UserId]);
        await admin.SendTextAsync(group.ChatId, "secret from before the join");
        var (connection, log) = await EventLog.ConnectAsync(late);
        await using (connection)
        {
            await admin.AddMembersAsync(group.ChatId, [late.UserId]);

            await Expect.Eventually(() => Task.FromResult(log.Chats.Any(c => c.ChatId == group.ChatId)));
            Assert.All(log.Chats, c => Assert.Null(c.LastMessage));
            Assert.Empty((await late.GetMessagesAsync(group.ChatId)).Messages);
        }
    }

    [Fact]
    public async Task JoinByInvite_ChatEvent_CarriesNoMessageFromBeforeTheJoin()
    {
        var admin = await Host.NewUserAsync();
        var joiner = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("Invite only", []);
        await admin.SendTextAsync(group.ChatId, "said before anyone joined");
        var invite = await admin.CreateInviteAsync(group.ChatId);
        var (connection, log) = await EventLog.ConnectAsync(joiner);
        await using (connection)
        {
            var joined = await joiner.JoinAsync(invite.InviteCode);

            Assert.Null(joined.LastMessage);
            await Expect.Eventually(() => Task.FromResult(log.Chats.Any(c => c.ChatId == group.ChatId && c.Members.Count == 2)));
            Assert.All(log.Chats, c => Assert.Null(c.LastMessage));
        }
    }

    [Fact]
    public async Task ConcurrentSenders_InOneGroup_AllSucceed_GapFree()
    {
        const int senders = 5, each = 20;
        var admin = await Host.NewUserAsync();
        var members = await Host.NewUsersAsync(senders - 1);
        var group = await admin.CreateGroupAsync("Busy", members.Select(m => m.UserId));
        var all = members.Prepend(admin).ToArray();

        var sent = await Task.WhenAll(all.SelectMany((client, i) => Enumerable.Range(0, each)
            .Select(n => client.SendTextAsync(group.ChatId, $"sender {i} message {n}"))));

        Assert.Equal(Enumerable.Range(1, senders * each).Select(n => (long)n), sent.Select(m => m.Seq).Order());
        var history = await members[0].GetMessagesAsync(group.ChatId, afterSeq: 0, limit: 100);
        Assert.Equal(senders * each, history.Messages.Count);
    }

    [Fact]
    public async Task TextAboutAndDescription_LoseControlAndBidiCharacters_KeepTheRest()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var message = await alice.SendTextAsync(chat.ChatId, "pay \u202Egnp.exe\u202C\u0007 now\n\tok \u200E");
        var me = await alice.UpdateMeAsync(new ProfileUpdate(About: "\u0000about\u0085 me\u2066 "));
        var group = await alice.CreateGroupAsync("Described", [bob.UserId]);
        var described = await alice.UpdateGroupAsync(group.ChatId, description: "line\r\none\u001B[31m");

        Assert.Equal("pay gnp.exe now\n\tok \u200E", message.Text);
        Assert.Equal("pay gnp.exe now\n\tok \u200E", (await bob.GetMessagesAsync(chat.ChatId)).Messages[^1].Text);
        Assert.Equal("about me ", me.About);
        Assert.Equal("line\none[31m", described.Description);
        await Expect.Problem(400, () => alice.SendTextAsync(chat.ChatId, "\u0001\u0002"));
    }

    [Fact]
    public async Task GroupCreations_PastTheCap_Return429_AndTheVictimsListStaysSmall()
    {
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["Limits:GroupCreationsPerHour"] = "3" });
        var spammer = await host.NewUserAsync();
        var victim = await host.NewUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await spammer.CreateGroupAsync("Spam " + i, [victim.UserId]);
        }

        var limited = await Expect.Problem(429, () => spammer.CreateGroupAsync("Spam 3", [victim.UserId]));

        Assert.NotNull(limited.RetryAfter);
        Assert.Equal(3, (await victim.ListChatsAsync()).Chats.Count);
        await victim.CreateGroupAsync("The victim's own", [spammer.UserId]);
    }
}
