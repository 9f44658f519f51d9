namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>API v1.1 reply previews (<c>replyTo</c>), kept truthful as the quoted message changes.</summary>
[Collection(BackendCollection.Name)]
public sealed class ReplyTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Reply_ShowsAPreview_ThatFollowsAnEdit_AndGoesBlankWhenTheQuotedMessageIsDeleted()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var quoted = await alice.SendTextAsync(chat.ChatId, "dinner at 7? " + new string('.', 300));
        var reply = await bob.SendAsync(chat.ChatId, new SendMessage("reply-1", "text", "yes!", ReplyToSeq: quoted.Seq));

        Assert.Equal((quoted.Seq, alice.UserId, "text"), (reply.ReplyTo!.Seq, reply.ReplyTo.SenderId, reply.ReplyTo.Type));
        Assert.Equal(200, reply.ReplyTo.Text!.Length);
        Assert.StartsWith("dinner at 7?", reply.ReplyTo.Text);
        Assert.Null(reply.ReplyTo.Deleted);

        await alice.EditMessageAsync(chat.ChatId, quoted.Seq, "dinner at 8?");
        Assert.Equal("dinner at 8?", (await ReplyOf(alice, chat.ChatId, reply.Seq)).ReplyTo!.Text);

        await alice.DeleteMessageAsync(chat.ChatId, quoted.Seq);
        var blanked = (await ReplyOf(bob, chat.ChatId, reply.Seq)).ReplyTo!;
        Assert.Equal((quoted.Seq, (string?)null, (bool?)true), (blanked.Seq, blanked.Text, blanked.Deleted));
        Assert.True((await bob.GetChatAsync(chat.ChatId)).LastMessage!.ReplyTo!.Deleted); // the chat list's copy too
    }

    [Fact]
    public async Task Reply_ToAMessageFromBeforeAMembersJoin_ShowsThemNoText_AndCannotBeQuotedByThem()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var carol = await Host.NewUserAsync();
        var group = await alice.CreateGroupAsync("Q", [bob.UserId]);
        var early = await alice.SendTextAsync(group.ChatId, "before carol");
        await alice.AddMembersAsync(group.ChatId, [carol.UserId]);
        var reply = await bob.SendAsync(group.ChatId, new SendMessage("reply-2", "text", "agreed", ReplyToSeq: early.Seq));

        var seenByCarol = (await ReplyOf(carol, group.ChatId, reply.Seq)).ReplyTo!;
        var seenByAlice = (await ReplyOf(alice, group.ChatId, reply.Seq)).ReplyTo!;

        Assert.Equal((early.Seq, (string?)null), (seenByCarol.Seq, seenByCarol.Text));
        Assert.Equal("before carol", seenByAlice.Text);
        var refused = await Expect.Problem(400, () => carol.SendAsync(group.ChatId, new SendMessage("reply-3", "text", "?", ReplyToSeq: early.Seq)));
        Assert.True(refused.Problem!.Errors!.ContainsKey("replyToSeq"));
    }

    private static async Task<Message> ReplyOf(ChatClient viewer, string chatId, long seq) =>
        (await viewer.GetMessagesAsync(chatId)).Messages.Single(m => m.Seq == seq);
}
