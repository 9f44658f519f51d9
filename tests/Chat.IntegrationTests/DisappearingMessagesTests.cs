namespace Chat.IntegrationTests;

using System.Text.Json.Nodes;
using Chat.Client;
using Chat.Core.Media;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>API v1.1 disappearing messages, through the API with the real clients; time moves with the host's TimeProvider.</summary>
[Collection(BackendCollection.Name)]
public sealed class DisappearingMessagesTests(BackendFixture backend)
{
    private const int Day = 86_400;

    [Fact]
    public async Task TheTimer_IsSetByAnyMemberOfADirectChat_AnAdminOfAGroup_OnlyToTheFourValues_AndMembersHearOfIt()
    {
        var host = backend.Host;
        var (alice, bob, carol) = (await host.NewUserAsync(), await host.NewUserAsync(), await host.NewUserAsync());
        var direct = await alice.OpenDirectAsync(bob.UserId);
        var group = await alice.CreateGroupAsync("Timed", [bob.UserId]);
        var (connection, aliceLog) = await EventLog.ConnectAsync(alice);
        await using (connection)
        {
            var set = await bob.SetTimerAsync(direct.ChatId, 7 * Day);

            Assert.Equal(7 * Day, set.MessageTimer);
            await Expect.Eventually(() => Task.FromResult(aliceLog.Chats.Any(c => c.ChatId == direct.ChatId && c.MessageTimer == 7 * Day)));
        }

        Assert.Equal(7 * Day, (await alice.GetChatAsync(direct.ChatId)).MessageTimer);
        await Expect.Problem(403, () => bob.SetTimerAsync(group.ChatId, Day));
        await Expect.Problem(404, () => carol.SetTimerAsync(group.ChatId, Day));
        Assert.Equal(90 * Day, (await alice.SetTimerAsync(group.ChatId, 90 * Day)).MessageTimer);
        var odd = await Expect.Problem(400, () => alice.SetTimerAsync(group.ChatId, 3600));
        Assert.True(odd.Problem!.Errors!.ContainsKey("seconds"));
        Assert.Equal(0, (await alice.SetTimerAsync(group.ChatId, 0)).MessageTimer);
        Assert.Null((await alice.SendTextAsync(group.ChatId, "stays")).ExpiresAt);
    }

    [Fact]
    public async Task OnceItsTimeIsUp_AMessageIsGoneFromHistorySearchReceiptsAndTheChat_ItsSeqNeverReused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        var (alice, bob) = (await host.NewUserAsync(), await host.NewUserAsync());
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var lasting = await alice.SendTextAsync(chat.ChatId, "meet at noon (kept)");
        await alice.SetTimerAsync(chat.ChatId, Day);
        var fleeting = await alice.SendTextAsync(chat.ChatId, "meet at noon (secret)");
        await bob.PostReceiptAsync(chat.ChatId, "read", fleeting.Seq);
        var unread = await alice.SendTextAsync(chat.ChatId, "see you (secret, unread)");

        Assert.Equal(1L, (await bob.GetChatAsync(chat.ChatId)).UnreadCount);
        Assert.Equal(fleeting.SentAt.AddDays(1), fleeting.ExpiresAt);
        Assert.Equal(fleeting.ExpiresAt, (await bob.GetMessagesAsync(chat.ChatId)).Messages.Single(m => m.Seq == fleeting.Seq).ExpiresAt);
        Assert.Equal(2, (await bob.SearchMessagesAsync(chat.ChatId, "NOON")).Messages.Count);

        clock.Advance(TimeSpan.FromDays(1));
        await alice.RefreshAsync();
        await bob.RefreshAsync();

        Assert.Equal([lasting.Seq], (await bob.GetMessagesAsync(chat.ChatId)).Messages.Select(m => m.Seq));
        Assert.Equal([lasting.Seq], (await bob.SearchMessagesAsync(chat.ChatId, "noon")).Messages.Select(m => m.Seq));
        await Expect.Problem(404, () => alice.GetReceiptsAsync(chat.ChatId, fleeting.Seq));
        await Expect.Problem(404, () => bob.ReactAsync(chat.ChatId, fleeting.Seq, "👍"));
        Assert.Null((await bob.GetChatAsync(chat.ChatId)).LastMessage);
        var listed = (await bob.ListChatsAsync()).Chats.Single(c => c.ChatId == chat.ChatId);
        Assert.Null(listed.LastMessage);
        Assert.Equal((unread.Seq, 0L), (listed.LastSeq, listed.UnreadCount!.Value)); // a message gone unread is not unread
        var next = await alice.SendTextAsync(chat.ChatId, "new one");
        Assert.Equal(unread.Seq + 1, next.Seq);
    }
    [Fact]
    public async Task Expired_UnreadMessagesAreNotUnread_ThoseSentBeforeTheTimerStill_SeenFromASecondInstance()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var here = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        var (alice, carol) = (await here.NewUserAsync(), await here.NewUserAsync());
        var chat = await alice.OpenDirectAsync(carol.UserId);
        await alice.SendTextAsync(chat.ChatId, "kept");
        await alice.SetTimerAsync(chat.ChatId, Day);
        await alice.SendTextAsync(chat.ChatId, "gone, one");
        await alice.SetTimerAsync(chat.ChatId, 7 * Day); // longer: still one run, in seq order
        var last = await alice.SendTextAsync(chat.ChatId, "gone, two");

        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        await carol.RefreshAsync();
        var listed = await ListedOnASecondInstanceAsync(here, clock, carol, chat.ChatId);

        Assert.Equal((last.Seq, 1L), (listed.LastSeq, listed.UnreadCount!.Value));
        Assert.Null(listed.LastMessage);
    }

    [Fact]
    public async Task AnOlderUnreadMessageThatExpired_IsNotUnread_WhileTheNewestIsLive_SeenFromASecondInstance()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var here = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        var (alice, carol) = (await here.NewUserAsync(), await here.NewUserAsync());
        var chat = await alice.OpenDirectAsync(carol.UserId);
        await alice.SetTimerAsync(chat.ChatId, Day);
        await alice.SendTextAsync(chat.ChatId, "gone by then");
        clock.Advance(TimeSpan.FromHours(23));
        await alice.RefreshAsync();
        var live = await alice.SendTextAsync(chat.ChatId, "still there");
        await alice.UpdateChatSettingsAsync(chat.ChatId, new JsonObject { ["mutedUntil"] = clock.GetUtcNow().AddDays(30).ToString("O") }); // the head is rewritten with its window

        clock.Advance(TimeSpan.FromHours(2));
        await carol.RefreshAsync();
        var listed = await ListedOnASecondInstanceAsync(here, clock, carol, chat.ChatId);

        Assert.Equal((live.Seq, 1L), (listed.LastSeq, listed.UnreadCount!.Value));
        Assert.Equal(live.Seq, listed.LastMessage!.Seq);
        Assert.Equal(1L, (await carol.GetChatAsync(chat.ChatId)).UnreadCount);
    }

    [Fact]
    public async Task TheMediaOfAnExpiredMessage_Is404ForEveryone_AndTheSweepDeletesItsBlob()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["LocalHost:RunTimers"] = "false" }, clock); // the test sweeps
        var (alice, bob) = (await host.NewUserAsync(), await host.NewUserAsync());
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.SetTimerAsync(chat.ChatId, Day);
        var ticket = await alice.CreateMediaAsync("note.txt", "text/plain", Bytes.Length);
        using (await alice.UploadAsync(ticket, Bytes))
        {
        }

        var sent = await alice.SendAsync(chat.ChatId, new SendMessage("file-1", "file", MediaId: ticket.MediaId));
        Assert.NotNull(sent.ExpiresAt);
        Assert.NotNull(await bob.GetMediaUrlAsync(ticket.MediaId));

        clock.Advance(TimeSpan.FromDays(1));
        await alice.RefreshAsync();
        await bob.RefreshAsync();

        await Expect.Problem(404, () => bob.GetMediaUrlAsync(ticket.MediaId));
        await Expect.Problem(404, () => alice.GetMediaUrlAsync(ticket.MediaId));
        Assert.True(await BlobExistsAsync(host, ticket.MediaId));
        Assert.Equal(1, await host.Services.GetRequiredService<MediaService>().SweepAsync(CancellationToken.None));
        Assert.False(await BlobExistsAsync(host, ticket.MediaId));
    }

    [Fact]
    public async Task AReplyWhoseQuotedMessageExpired_LivesOn_WithAPreviewOfNoText()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        var (alice, bob) = (await host.NewUserAsync(), await host.NewUserAsync());
        var chat = await alice.OpenDirectAsync(bob.UserId);
        await alice.SetTimerAsync(chat.ChatId, Day);
        var quoted = await alice.SendTextAsync(chat.ChatId, "the door code is 4711");
        clock.Advance(TimeSpan.FromHours(1));
        await bob.RefreshAsync();
        var reply = await bob.SendAsync(chat.ChatId, new SendMessage("reply-exp-1", "text", "got it", ReplyToSeq: quoted.Seq));
        Assert.Equal("the door code is 4711", reply.ReplyTo!.Text);

        clock.Advance(TimeSpan.FromHours(23));
        await alice.RefreshAsync();
        await bob.RefreshAsync();

        var seen = Assert.Single((await bob.GetMessagesAsync(chat.ChatId)).Messages);
        Assert.Equal((reply.Seq, quoted.Seq, (string?)null), (seen.Seq, seen.ReplyTo!.Seq, seen.ReplyTo.Text));
        Assert.Null((await alice.GetChatAsync(chat.ChatId)).LastMessage!.ReplyTo!.Text); // the chat's copy too
    }

    [Fact]
    public async Task AForwardedFileWhoseCarrierExpired_IsGoneFromThatChatOnly_AndTheSweepKeepsItsBlob()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["LocalHost:RunTimers"] = "false" }, clock); // the test sweeps
        var (alice, bob, carol, dave) = (await host.NewUserAsync(), await host.NewUserAsync(), await host.NewUserAsync(), await host.NewUserAsync());
        var source = await alice.OpenDirectAsync(bob.UserId);
        var ticket = await alice.CreateMediaAsync("note.txt", "text/plain", Bytes.Length);
        using (await alice.UploadAsync(ticket, Bytes))
        {
        }

        var sent = await alice.SendAsync(source.ChatId, new SendMessage("file-fw-1", "file", MediaId: ticket.MediaId));
        var timed = await bob.CreateGroupAsync("Timed", [carol.UserId]);
        await bob.SetTimerAsync(timed.ChatId, Day);
        Assert.NotNull(Assert.Single((await bob.ForwardAsync(source.ChatId, sent.Seq, [timed.ChatId], "fw-exp-1")).Messages).ExpiresAt);
        await bob.AddMembersAsync(timed.ChatId, [dave.UserId]);

        Assert.NotNull(await carol.GetMediaUrlAsync(ticket.MediaId));
        await Expect.Problem(404, () => dave.GetMediaUrlAsync(ticket.MediaId)); // joined after the only carrier he could see

        clock.Advance(TimeSpan.FromDays(1));
        foreach (var member in new[] { alice, bob, carol })
        {
            await member.RefreshAsync();
        }

        await Expect.Problem(404, () => carol.GetMediaUrlAsync(ticket.MediaId));
        Assert.NotNull(await bob.GetMediaUrlAsync(ticket.MediaId));
        Assert.NotNull(await alice.GetMediaUrlAsync(ticket.MediaId));
        Assert.Equal(0, await host.Services.GetRequiredService<MediaService>().SweepAsync(CancellationToken.None)); // the source still carries it
        Assert.True(await BlobExistsAsync(host, ticket.MediaId));
    }

    private static readonly byte[] Bytes = "gone tomorrow"u8.ToArray();

    private async Task<bool> BlobExistsAsync(TestHost host, string mediaId) =>
        (await new Azure.Storage.Blobs.BlobContainerClient(backend.Storage.ConnectionString, host.MediaContainer).GetBlobClient(mediaId).ExistsAsync()).Value;

    /// <summary>The chat in <paramref name="member"/>'s list as a second instance on the same stores reads it (from the store, not a cache).</summary>
    private async Task<ChatInfo> ListedOnASecondInstanceAsync(TestHost here, TimeProvider clock, ChatClient member, string chatId)
    {
        await using var elsewhere = await backend.StartHostOnDatabaseAsync(here.DatabaseName, time: clock);
        return (await elsewhere.NewClient().WithTokens(member.Tokens).ListChatsAsync()).Chats.Single(c => c.ChatId == chatId);
    }
}
