namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

[Collection(BackendCollection.Name)]
public sealed class MessageTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Send_AndReadHistory_BothSides()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var sent = await alice.SendTextAsync(chat.ChatId, "hello bob");
        Assert.Equal(1, sent.Seq);
        Assert.Equal(alice.UserId, sent.SenderId);
        Assert.Equal("sent", sent.Status);
        var reply = await bob.SendAsync(chat.ChatId, new SendMessage("c-1", "text", "hi alice", ReplyToSeq: 1));
        Assert.Equal(2, reply.Seq);
        Assert.Equal(1, reply.ReplyToSeq);

        var history = await bob.GetMessagesAsync(chat.ChatId);
        Assert.Equal([1L, 2L], history.Messages.Select(m => m.Seq));
        Assert.Equal("hello bob", history.Messages[0].Text);
        Assert.False(history.HasMore);
    }

    [Fact]
    public async Task Send_SameClientMessageId_ReturnsStoredMessage_StoredOnce()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var body = $"{{\"clientMessageId\":\"same-1\",\"type\":\"text\",\"text\":\"once\"}}";
        using var first = await alice.SendRawAsync(HttpMethod.Post, $"api/chats/{chat.ChatId}/messages", body);
        using var second = await alice.SendRawAsync(HttpMethod.Post, $"api/chats/{chat.ChatId}/messages", body);
        Assert.Equal(201, (int)first.StatusCode);
        Assert.Equal(200, (int)second.StatusCode);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => alice.SendAsync(chat.ChatId, new SendMessage("same-2", "text", "twice?"))));
        Assert.Single(concurrent.Select(m => m.Seq).Distinct());

        var history = await alice.GetMessagesAsync(chat.ChatId);
        Assert.Equal(2, history.Messages.Count);
        Assert.Equal([1L, 2L], history.Messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task Send_ConcurrentlyFromManyMembers_GivesGapFreeDistinctSeqs()
    {
        var admin = await Host.NewUserAsync();
        var members = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Host.NewUserAsync()));
        var group = await admin.CreateGroupAsync("Busy", members.Select(m => m.UserId));

        var sends = members.Append(admin).SelectMany(u => Enumerable.Range(0, 5).Select(i => u.SendTextAsync(group.ChatId, $"{u.UserId}-{i}")));
        var sent = await Task.WhenAll(sends);

        Assert.Equal(Enumerable.Range(1, 35).Select(i => (long)i), sent.Select(m => m.Seq).Order());
        var history = await admin.GetMessagesAsync(group.ChatId, limit: 100);
        Assert.Equal(Enumerable.Range(1, 35).Select(i => (long)i), history.Messages.Select(m => m.Seq));
        Assert.Equal(35, (await admin.GetChatAsync(group.ChatId)).LastSeq);
    }

    [Fact]
    public async Task History_PagesBothWays()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        for (var i = 1; i <= 7; i++)
        {
            await alice.SendTextAsync(chat.ChatId, "m" + i);
        }

        var newest = await bob.GetMessagesAsync(chat.ChatId, limit: 3);
        Assert.Equal([5L, 6L, 7L], newest.Messages.Select(m => m.Seq));
        Assert.True(newest.HasMore);

        var older = await bob.GetMessagesAsync(chat.ChatId, beforeSeq: 5, limit: 3);
        Assert.Equal([2L, 3L, 4L], older.Messages.Select(m => m.Seq));
        Assert.True(older.HasMore);
        var oldest = await bob.GetMessagesAsync(chat.ChatId, beforeSeq: 2, limit: 3);
        Assert.Equal([1L], oldest.Messages.Select(m => m.Seq));
        Assert.False(oldest.HasMore);

        var after = await bob.GetMessagesAsync(chat.ChatId, afterSeq: 2, limit: 3);
        Assert.Equal([3L, 4L, 5L], after.Messages.Select(m => m.Seq));
        Assert.True(after.HasMore);
        var tail = await bob.GetMessagesAsync(chat.ChatId, afterSeq: 5, limit: 3);
        Assert.Equal([6L, 7L], tail.Messages.Select(m => m.Seq));
        Assert.False(tail.HasMore);

        await Expect.Validation("limit", () => bob.GetMessagesAsync(chat.ChatId, limit: 101));
        await Expect.Validation("limit", () => bob.GetMessagesAsync(chat.ChatId, limit: 0));
        using var bad = await bob.SendRawAsync(HttpMethod.Get, $"api/chats/{chat.ChatId}/messages?afterSeq=abc");
        await Expect.Problem(400, bad);
    }

    [Fact]
    public async Task History_StartsAtEachMembersJoin_AndRejoinSeesFromNewJoin()
    {
        var admin = await Host.NewUserAsync();
        var late = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("G", []);
        await admin.SendTextAsync(group.ChatId, "before join");
        await admin.AddMembersAsync(group.ChatId, [late.UserId]);
        await admin.SendTextAsync(group.ChatId, "after join");

        var seen = await late.GetMessagesAsync(group.ChatId);
        Assert.Equal(["after join"], seen.Messages.Select(m => m.Text));

        await late.LeaveAsync(group.ChatId);
        await admin.SendTextAsync(group.ChatId, "while away");
        await admin.AddMembersAsync(group.ChatId, [late.UserId]);
        await admin.SendTextAsync(group.ChatId, "back");
        Assert.Equal(["back"], (await late.GetMessagesAsync(group.ChatId)).Messages.Select(m => m.Text));
        Assert.Equal(1, (await late.GetChatAsync(group.ChatId)).UnreadCount);
    }

    [Fact]
    public async Task Send_InvalidFields_Return400WithErrors()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        await Expect.Validation("clientMessageId", () => alice.SendAsync(chat.ChatId, new SendMessage("", "text", "x")));
        await Expect.Validation("clientMessageId", () => alice.SendAsync(chat.ChatId, new SendMessage(new string('c', 65), "text", "x")));
        await Expect.Validation("type", () => alice.SendAsync(chat.ChatId, new SendMessage("c", "sticker", "x")));
        await Expect.Validation("text", () => alice.SendAsync(chat.ChatId, new SendMessage("c", "text", new string('x', 4097))));
        await Expect.Validation("text", () => alice.SendAsync(chat.ChatId, new SendMessage("c", "text")));
        await Expect.Validation("replyToSeq", () => alice.SendAsync(chat.ChatId, new SendMessage("c", "text", "x", ReplyToSeq: 99)));
        await Expect.Validation("mediaId", () => alice.SendAsync(chat.ChatId, new SendMessage("c", "image")));
        using var malformed = await alice.SendRawAsync(HttpMethod.Post, $"api/chats/{chat.ChatId}/messages", "not json");
        await Expect.Problem(400, malformed);
        Assert.Empty((await alice.GetMessagesAsync(chat.ChatId)).Messages);
    }

    [Fact]
    public async Task Receipts_MoveForwardOnly_AndDriveStatusReadSeqUnread()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        for (var i = 0; i < 3; i++)
        {
            await alice.SendTextAsync(chat.ChatId, "m" + i);
        }

        Assert.Equal(3, (await bob.GetChatAsync(chat.ChatId)).UnreadCount);
        await bob.PostReceiptAsync(chat.ChatId, "delivered", 3);
        await bob.PostReceiptAsync(chat.ChatId, "read", 2);
        await bob.PostReceiptAsync(chat.ChatId, "read", 1); // backwards: ignored

        var bobView = await bob.GetChatAsync(chat.ChatId);
        Assert.Equal(2, bobView.ReadSeq);
        Assert.Equal(1, bobView.UnreadCount);
        Assert.Equal(["read", "read", "delivered"], (await alice.GetMessagesAsync(chat.ChatId)).Messages.Select(m => m.Status));

        await bob.PostReceiptAsync(chat.ChatId, "read", 1000); // past lastSeq counts as lastSeq
        Assert.Equal(3, (await bob.GetChatAsync(chat.ChatId)).ReadSeq);
        Assert.Equal(0, (await bob.GetChatAsync(chat.ChatId)).UnreadCount);
        Assert.All((await alice.GetMessagesAsync(chat.ChatId)).Messages, m => Assert.Equal("read", m.Status));

        await Expect.Validation("type", () => bob.PostReceiptAsync(chat.ChatId, "seen", 1));
    }

    [Fact]
    public async Task Receipts_ListIsForTheSenderOnly_OnePerCountedMember()
    {
        var admin = await Host.NewUserAsync();
        var m1 = await Host.NewUserAsync();
        var m2 = await Host.NewUserAsync();
        var late = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("R", [m1.UserId, m2.UserId]);
        var message = await admin.SendTextAsync(group.ChatId, "count me");
        await admin.AddMembersAsync(group.ChatId, [late.UserId]); // joined after: not counted

        await m1.PostReceiptAsync(group.ChatId, "read", message.Seq);
        await m2.PostReceiptAsync(group.ChatId, "delivered", message.Seq);

        var receipts = await admin.GetReceiptsAsync(group.ChatId, message.Seq);
        Assert.Equal(new[] { m1.UserId, m2.UserId }.Order(), receipts.Select(r => r.UserId).Order());
        var r1 = receipts.Single(r => r.UserId == m1.UserId);
        Assert.NotNull(r1.ReadAt);
        Assert.NotNull(r1.DeliveredAt);
        var r2 = receipts.Single(r => r.UserId == m2.UserId);
        Assert.NotNull(r2.DeliveredAt);
        Assert.Null(r2.ReadAt);
        Assert.Equal("delivered", (await admin.GetMessagesAsync(group.ChatId)).Messages.Single().Status);

        await Expect.Problem(403, () => m1.GetReceiptsAsync(group.ChatId, message.Seq));
        await Expect.Problem(404, () => admin.GetReceiptsAsync(group.ChatId, 99));
    }

    [Fact]
    public async Task Delete_ForEveryone_BySenderOrGroupAdmin()
    {
        var admin = await Host.NewUserAsync();
        var member = await Host.NewUserAsync();
        var other = await Host.NewUserAsync();
        var group = await admin.CreateGroupAsync("D", [member.UserId, other.UserId]);
        var mine = await member.SendTextAsync(group.ChatId, "oops");
        var theirs = await other.SendTextAsync(group.ChatId, "keep");

        await Expect.Problem(403, () => member.DeleteMessageAsync(group.ChatId, theirs.Seq));
        await member.DeleteMessageAsync(group.ChatId, mine.Seq);
        await admin.DeleteMessageAsync(group.ChatId, theirs.Seq);
        await Expect.Problem(404, () => member.DeleteMessageAsync(group.ChatId, 42));

        var history = await other.GetMessagesAsync(group.ChatId);
        Assert.All(history.Messages, m =>
        {
            Assert.True(m.Deleted);
            Assert.Null(m.Text);
        });
        Assert.Equal(mine.ClientMessageId, history.Messages[0].ClientMessageId);
        Assert.True((await other.GetChatAsync(group.ChatId)).LastMessage!.Deleted);
    }

    [Fact]
    public async Task Typing_MemberOnly()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var eve = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.TypingAsync(chat.ChatId);
        await Expect.Problem(404, () => eve.TypingAsync(chat.ChatId));
    }
}
