namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>API v1.1 forwarding through the API: one new message per target, idempotent, all or nothing, media as one blob.</summary>
[Collection(BackendCollection.Name)]
public sealed class ForwardTests(BackendFixture backend)
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4];

    private TestHost Host => backend.Host;

    [Fact]
    public async Task Forward_TextToTwoChats_Is201_InTheirOrder_Forwarded_AndEachTargetsMembersGetTheMessage()
    {
        var (alice, bob, carol, dave) = (await Host.NewUserAsync(), await Host.NewUserAsync(), await Host.NewUserAsync(), await Host.NewUserAsync());
        var source = await bob.OpenDirectAsync(alice.UserId);
        var original = await bob.SendTextAsync(source.ChatId, "the address is 1 Main St");
        var group = await alice.CreateGroupAsync("Party", [carol.UserId]);
        await alice.SendTextAsync(group.ChatId, "who's in?");
        var direct = await alice.OpenDirectAsync(dave.UserId);
        var (carolConnection, carolLog) = await EventLog.ConnectAsync(carol);
        var (daveConnection, daveLog) = await EventLog.ConnectAsync(dave);
        await using (carolConnection)
        await using (daveConnection)
        {
            var result = await alice.ForwardAsync(source.ChatId, original.Seq, [direct.ChatId, group.ChatId], "fw-text-1");

            Assert.True(result.Created);
            Assert.Equal([(direct.ChatId, 1L), (group.ChatId, 2L)], result.Messages.Select(m => (m.ChatId, m.Seq)));
            Assert.All(result.Messages, m => Assert.Equal(((bool?)true, "text", (string?)"the address is 1 Main St", alice.UserId, (long?)null), (m.Forwarded, m.Type, m.Text, m.SenderId, m.ReplyToSeq)));
            await Expect.Eventually(() => Task.FromResult(carolLog.Messages.Any(m => m.ChatId == group.ChatId && m.Seq == 2 && m.Forwarded == true)));
            await Expect.Eventually(() => Task.FromResult(daveLog.Messages.Any(m => m.ChatId == direct.ChatId && m.Seq == 1 && m.Forwarded == true)));
        }

        var shown = (await carol.GetMessagesAsync(group.ChatId)).Messages.Single(m => m.Seq == 2);
        Assert.Equal(((bool?)true, (string?)"the address is 1 Main St"), (shown.Forwarded, shown.Text));
        Assert.True((await dave.GetChatAsync(direct.ChatId)).LastMessage!.Forwarded);
        Assert.Null((await bob.GetMessagesAsync(source.ChatId)).Messages.Single().Forwarded); // the source stays as it was
    }

    [Fact]
    public async Task Forward_SameClientMessageIdAgain_Is200_WithTheSameMessages_AndNoDuplicate()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var source = await alice.OpenDirectAsync(bob.UserId);
        var original = await alice.SendTextAsync(source.ChatId, "forward me once");
        var group = await alice.CreateGroupAsync("Once", [bob.UserId]);
        var body = $"{{\"chatIds\":[\"{group.ChatId}\",\"{source.ChatId}\"],\"clientMessageId\":\"fw-again-1\"}}";

        using var first = await alice.SendRawAsync(HttpMethod.Post, $"api/chats/{source.ChatId}/messages/{original.Seq}/forward", body);
        var again = await alice.ForwardAsync(source.ChatId, original.Seq, [group.ChatId, source.ChatId], "fw-again-1");

        Assert.Equal(201, (int)first.StatusCode);
        Assert.False(again.Created); // 200
        Assert.Equal([(group.ChatId, 1L), (source.ChatId, 2L)], again.Messages.Select(m => (m.ChatId, m.Seq)));
        Assert.Equal([1L], (await bob.GetMessagesAsync(group.ChatId)).Messages.Select(m => m.Seq));
        Assert.Equal([1L, 2L], (await bob.GetMessagesAsync(source.ChatId)).Messages.Select(m => m.Seq));

        await alice.DeleteMessageAsync(source.ChatId, original.Seq);
        var afterTheSourceWent = await alice.ForwardAsync(source.ChatId, original.Seq, [group.ChatId, source.ChatId], "fw-again-1");
        Assert.False(afterTheSourceWent.Created); // still 200 with what was stored
        Assert.Equal([(group.ChatId, 1L), (source.ChatId, 2L)], afterTheSourceWent.Messages.Select(m => (m.ChatId, m.Seq)));
        await Expect.Problem(404, () => alice.ForwardAsync(source.ChatId, original.Seq, [group.ChatId], "fw-again-2"));
    }

    [Fact]
    public async Task Forward_WithOneTargetTheCallerIsNotIn_Is404_AndNothingIsSentAnywhere()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var mallory = await Host.NewUserAsync();
        var source = await alice.OpenDirectAsync(bob.UserId);
        var original = await alice.SendTextAsync(source.ChatId, "only for friends");
        var mine = await alice.CreateGroupAsync("Mine", [bob.UserId]);
        var theirs = await mallory.CreateGroupAsync("Theirs", [bob.UserId]);

        await Expect.Problem(404, () => alice.ForwardAsync(source.ChatId, original.Seq, [mine.ChatId, theirs.ChatId], "fw-404-1"));

        Assert.Empty((await bob.GetMessagesAsync(mine.ChatId)).Messages);
        Assert.Empty((await bob.GetMessagesAsync(theirs.ChatId)).Messages);
        await Expect.Problem(404, () => mallory.ForwardAsync(source.ChatId, original.Seq, [theirs.ChatId], "fw-404-2")); // a source mallory cannot see
        await alice.DeleteMessageAsync(source.ChatId, original.Seq);
        await Expect.Problem(404, () => alice.ForwardAsync(source.ChatId, original.Seq, [mine.ChatId], "fw-404-3")); // a deleted source
    }

    [Fact]
    public async Task Forward_ToSixChats_Is422_AndAMalformedBodyIs400()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var source = await alice.OpenDirectAsync(bob.UserId);
        var original = await alice.SendTextAsync(source.ChatId, "too many");
        var groups = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => alice.CreateGroupAsync("G" + i, [bob.UserId])));

        var refused = await Expect.Problem(422, () => alice.ForwardAsync(source.ChatId, original.Seq, groups.Select(g => g.ChatId), "fw-6"));

        Assert.Equal("application/problem+json", refused.ContentType);
        await Expect.Validation("chatIds", () => alice.ForwardAsync(source.ChatId, original.Seq, [groups[0].ChatId, groups[0].ChatId], "fw-dup"));
        await Expect.Validation("chatIds", () => alice.ForwardAsync(source.ChatId, original.Seq, [], "fw-none"));
        using var wrongType = await alice.SendRawAsync(HttpMethod.Post, $"api/chats/{source.ChatId}/messages/{original.Seq}/forward", "{\"chatIds\":[1],\"clientMessageId\":\"fw-x\"}");
        Assert.True((await Expect.Problem(400, wrongType)).Problem!.Errors!.ContainsKey("chatIds"));
        Assert.All(await Task.WhenAll(groups.Select(g => bob.GetChatAsync(g.ChatId))), g => Assert.Equal(0, g.LastSeq));
    }

    [Fact]
    public async Task Forward_Image_IsReadableInTheTarget_SurvivesTheSourcesDeletion_AndGoesWithTheLastCarrier()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var carol = await Host.NewUserAsync();
        var eve = await Host.NewUserAsync();
        var source = await alice.OpenDirectAsync(bob.UserId);
        var ticket = await alice.CreateMediaAsync("cat.png", "image/png", Png.Length);
        using (await alice.UploadAsync(ticket, Png))
        {
        }

        var sent = await alice.SendAsync(source.ChatId, new SendMessage("img-fw-1", "image", MediaId: ticket.MediaId));
        var group = await bob.CreateGroupAsync("Cats", [carol.UserId]);
        await Expect.Problem(404, () => carol.GetMediaUrlAsync(ticket.MediaId));

        var forwarded = Assert.Single((await bob.ForwardAsync(source.ChatId, sent.Seq, [group.ChatId], "fw-img-1")).Messages);

        Assert.Equal(("image", ticket.MediaId, "cat.png"), (forwarded.Type, forwarded.Media!.MediaId, forwarded.Media.FileName));
        var url = await carol.GetMediaUrlAsync(ticket.MediaId);
        using var plain = new HttpClient();
        Assert.Equal(Png, await plain.GetByteArrayAsync(url));
        await Expect.Problem(404, () => eve.GetMediaUrlAsync(ticket.MediaId));

        await alice.DeleteMessageAsync(source.ChatId, sent.Seq);
        Assert.NotNull(await carol.GetMediaUrlAsync(ticket.MediaId));
        Assert.True(await BlobExistsAsync(ticket.MediaId));

        await bob.DeleteMessageAsync(group.ChatId, forwarded.Seq);
        await Expect.Problem(404, () => carol.GetMediaUrlAsync(ticket.MediaId));
        await Expect.Problem(404, () => alice.GetMediaUrlAsync(ticket.MediaId));
        Assert.False(await BlobExistsAsync(ticket.MediaId));
    }

    private async Task<bool> BlobExistsAsync(string mediaId) =>
        (await new Azure.Storage.Blobs.BlobContainerClient(backend.Storage.ConnectionString, Host.MediaContainer).GetBlobClient(mediaId).ExistsAsync()).Value;
}
