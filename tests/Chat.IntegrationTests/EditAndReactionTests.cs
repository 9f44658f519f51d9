namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>API v1.1: editing a message and reacting to one, through the API with the real clients.</summary>
[Collection(BackendCollection.Name)]
public sealed class EditAndReactionTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Edit_BySender_Is200WithEditedAt_EveryMemberGetsMessageEdited_HistoryAndListShowIt()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var sent = await alice.SendTextAsync(chat.ChatId, "see you at 8");
        Message edited;
        var (aliceConnection, aliceLog) = await EventLog.ConnectAsync(alice);
        var (bobConnection, bobLog) = await EventLog.ConnectAsync(bob);
        await using (aliceConnection)
        await using (bobConnection)
        {
            edited = await alice.EditMessageAsync(chat.ChatId, sent.Seq, "see you at 9");

            Assert.Equal((sent.Seq, sent.MessageId, "see you at 9"), (edited.Seq, edited.MessageId, edited.Text));
            Assert.NotNull(edited.EditedAt);
            Assert.True(edited.EditedAt >= sent.SentAt);
            await Expect.Eventually(() => Task.FromResult(bobLog.Edited.Any(m => m.Seq == sent.Seq && m.Text == "see you at 9" && m.EditedAt == edited.EditedAt)));
            await Expect.Eventually(() => Task.FromResult(aliceLog.Edited.Any(m => m.Seq == sent.Seq)));
        }

        var history = Assert.Single((await bob.GetMessagesAsync(chat.ChatId)).Messages);
        Assert.Equal(("see you at 9", edited.EditedAt), (history.Text, history.EditedAt));
        Assert.Equal("see you at 9", (await bob.GetChatAsync(chat.ChatId)).LastMessage!.Text);
    }

    [Fact]
    public async Task Edit_ByAnotherMember403_OfADeletedMessage404_ByAStranger404_Blank400()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var eve = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var sent = await alice.SendTextAsync(chat.ChatId, "original");
        var gone = await alice.SendTextAsync(chat.ChatId, "regret");
        await alice.DeleteMessageAsync(chat.ChatId, gone.Seq);

        await Expect.Problem(403, () => bob.EditMessageAsync(chat.ChatId, sent.Seq, "bob was here"));
        await Expect.Problem(404, () => alice.EditMessageAsync(chat.ChatId, gone.Seq, "back"));
        await Expect.Problem(404, () => alice.EditMessageAsync(chat.ChatId, 99, "nothing"));
        await Expect.Problem(404, () => eve.EditMessageAsync(chat.ChatId, sent.Seq, "eve"));
        var blank = await Expect.Problem(400, () => alice.EditMessageAsync(chat.ChatId, sent.Seq, "  "));
        Assert.True(blank.Problem!.Errors!.ContainsKey("text"));
        await Expect.Problem(400, () => alice.EditMessageAsync(chat.ChatId, sent.Seq, new string('x', 4097)));

        Assert.Equal("original", (await bob.GetMessagesAsync(chat.ChatId)).Messages[0].Text);
    }

    [Fact]
    public async Task Edit_MoreThan15MinutesAfterSending_Is422()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var sent = await alice.SendTextAsync(chat.ChatId, "typo");

        clock.Advance(TimeSpan.FromMinutes(15));
        await alice.RefreshAsync();
        await alice.EditMessageAsync(chat.ChatId, sent.Seq, "still in time");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Expect.Problem(422, () => alice.EditMessageAsync(chat.ChatId, sent.Seq, "too late"));

        Assert.Equal("still in time", (await bob.GetMessagesAsync(chat.ChatId)).Messages[0].Text);
    }

    [Fact]
    public async Task React_ReplaceAndRemove_OnePerMember_EventsToMembers_HistoryShowsThem()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var carol = await Host.NewUserAsync();
        var group = await alice.CreateGroupAsync("R", [bob.UserId, carol.UserId]);
        var sent = await alice.SendTextAsync(group.ChatId, "pizza tonight?");
        var (connection, log) = await EventLog.ConnectAsync(alice);
        await using (connection)
        {
            var first = await bob.ReactAsync(group.ChatId, sent.Seq, "👍");
            await carol.ReactAsync(group.ChatId, sent.Seq, "🍕");
            var replaced = await bob.ReactAsync(group.ChatId, sent.Seq, "❤️");
            await carol.RemoveReactionAsync(group.ChatId, sent.Seq);
            await carol.RemoveReactionAsync(group.ChatId, sent.Seq); // 204 with nothing to remove

            Assert.Equal((group.ChatId, sent.Seq), (first.ChatId, first.Seq));
            Assert.Equal(("👍", bob.UserId), (Assert.Single(first.Reactions).Emoji, first.Reactions[0].UserId));
            Assert.Equal([(carol.UserId, "🍕"), (bob.UserId, "❤️")], replaced.Reactions.Select(r => (r.UserId, r.Emoji)));
            await Expect.Eventually(() => Task.FromResult(log.Reactions.Any(r => r.UserId == carol.UserId && r.Emoji is null && r.Seq == sent.Seq)));
            Assert.Contains(log.Reactions, r => r.UserId == bob.UserId && r.Emoji == "❤️" && r.ChatId == group.ChatId);
            Assert.Single(log.Reactions, r => r.UserId == carol.UserId && r.Emoji is null);
        }

        var message = Assert.Single((await carol.GetMessagesAsync(group.ChatId)).Messages);
        var reaction = Assert.Single(message.Reactions!);
        Assert.Equal((bob.UserId, "❤️"), (reaction.UserId, reaction.Emoji));
    }

    [Fact]
    public async Task React_WithNotOneEmoji400_ToADeletedMessage404_ByAStranger404()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var eve = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var sent = await alice.SendTextAsync(chat.ChatId, "hi");
        var gone = await alice.SendTextAsync(chat.ChatId, "bye");
        await alice.DeleteMessageAsync(chat.ChatId, gone.Seq);

        foreach (var notOne in new[] { "", "ok", "👍👍", "👍 " })
        {
            var error = await Expect.Problem(400, () => bob.ReactAsync(chat.ChatId, sent.Seq, notOne));
            Assert.True(error.Problem!.Errors!.ContainsKey("emoji"), notOne);
        }

        await Expect.Problem(404, () => bob.ReactAsync(chat.ChatId, gone.Seq, "👍"));
        await Expect.Problem(404, () => bob.ReactAsync(chat.ChatId, 99, "👍"));
        await Expect.Problem(404, () => eve.ReactAsync(chat.ChatId, sent.Seq, "👍"));
        await Expect.Problem(404, () => eve.RemoveReactionAsync(chat.ChatId, sent.Seq));
        Assert.Empty((await alice.GetMessagesAsync(chat.ChatId)).Messages[0].Reactions!);
    }

    [Fact]
    public async Task HundredMembers_ReactingAtOnce_AllLand()
    {
        var members = await Host.NewUsersAsync(100);
        var owner = members[0];
        var group = await owner.CreateGroupAsync("Reaction storm", members.Skip(1).Select(m => m.UserId));
        var sent = await owner.SendTextAsync(group.ChatId, "who's in?");

        var answers = await Task.WhenAll(members.Select((m, i) => m.ReactAsync(group.ChatId, sent.Seq, i % 2 == 0 ? "👍" : "🎉")));

        Assert.All(answers, a => Assert.Equal(sent.Seq, a.Seq));
        var stored = Assert.Single((await owner.GetMessagesAsync(group.ChatId)).Messages).Reactions!;
        Assert.Equal(members.Select(m => m.UserId).Order(StringComparer.Ordinal), stored.Select(r => r.UserId).Order(StringComparer.Ordinal));
        Assert.Equal(50, stored.Count(r => r.Emoji == "🎉"));
    }
}
