namespace Chat.IntegrationTests;

using System.Text.Json.Nodes;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

/// <summary>API v1.1 per-member chat settings: pinned (at most 3, listed first), archived, muted.</summary>
[Collection(BackendCollection.Name)]
public sealed class ChatSettingsTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Pinned_ListFirst_AtMostThree_ArchivedLeftOut_AndStayArchivedOnNewMessages()
    {
        var (me, others, chats) = await DirectChatsAsync(6);

        // chats[5] is the newest; pin the two oldest, archive the third oldest.
        var pinned = await me.UpdateChatSettingsAsync(chats[0], new JsonObject { ["pinned"] = true });
        await me.UpdateChatSettingsAsync(chats[1], new JsonObject { ["pinned"] = true });
        var archived = await me.UpdateChatSettingsAsync(chats[2], new JsonObject { ["archived"] = true });
        await others[2].SendTextAsync(chats[2], "still there?");

        Assert.Equal((true, false), (pinned.Settings!.Pinned, pinned.Settings.Archived));
        Assert.Equal((false, true), (archived.Settings!.Pinned, archived.Settings.Archived));
        await Expect.Eventually(async () =>
        {
            var listed = (await me.ListChatsAsync()).Chats.Select(c => c.ChatId).ToArray();
            return listed.SequenceEqual([chats[1], chats[0], chats[5], chats[4], chats[3]]);
        }, TimeSpan.FromSeconds(15), "pinned first (newest first among them), then the rest by activity, the archived one left out");
        var onlyArchived = await me.ListArchivedChatsAsync();
        Assert.Equal([chats[2]], onlyArchived.Chats.Select(c => c.ChatId));
        Assert.True(onlyArchived.Chats[0].Settings!.Archived);
        Assert.True((await me.GetChatAsync(chats[0])).Settings!.Pinned);

        await me.UpdateChatSettingsAsync(chats[3], new JsonObject { ["pinned"] = true });
        await Expect.Problem(422, () => me.UpdateChatSettingsAsync(chats[4], new JsonObject { ["pinned"] = true }));
        await me.UpdateChatSettingsAsync(chats[0], new JsonObject { ["pinned"] = false });
        await me.UpdateChatSettingsAsync(chats[4], new JsonObject { ["pinned"] = true });
    }

    [Fact]
    public async Task AChatListOrderLostFromRedis_IsLoadedAgain_WithThePlacementsAndTheActivity()
    {
        var (me, others, chats) = await DirectChatsAsync(4);

        await me.UpdateChatSettingsAsync(chats[0], new JsonObject { ["pinned"] = true });
        await me.UpdateChatSettingsAsync(chats[3], new JsonObject { ["archived"] = true });
        await others[1].SendTextAsync(chats[1], "the newest");
        string[] expected = [chats[0], chats[1], chats[2]];
        await Expect.Eventually(async () => (await me.ListChatsAsync()).Chats.Select(c => c.ChatId).SequenceEqual(expected), TimeSpan.FromSeconds(15), "the order follows");

        var redis = Host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        Assert.True(await redis.KeyDeleteAsync(Chat.Functions.Redis.RedisChatListOrder.Key(me.UserId)));

        // pinned, placements and activity come back from the list entries and the chats' heads
        Assert.Equal(expected, (await me.ListChatsAsync()).Chats.Select(c => c.ChatId));
        Assert.Equal([chats[3]], (await me.ListArchivedChatsAsync()).Chats.Select(c => c.ChatId));
        Assert.True(await redis.KeyExistsAsync(Chat.Functions.Redis.RedisChatListOrder.Key(me.UserId)));
    }

    [Fact]
    public async Task Settings_AreTheCallersOwn_StrangersGet404_BadValues400()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var eve = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        await alice.UpdateChatSettingsAsync(chat.ChatId, new JsonObject { ["pinned"] = true });

        Assert.False((await bob.GetChatAsync(chat.ChatId)).Settings!.Pinned);
        await Expect.Problem(404, () => eve.UpdateChatSettingsAsync(chat.ChatId, new JsonObject { ["pinned"] = true }));
        var bad = await Expect.Problem(400, () => alice.UpdateChatSettingsAsync(chat.ChatId, new JsonObject { ["mutedUntil"] = "tomorrow" }));
        Assert.True(bad.Problem!.Errors!.ContainsKey("mutedUntil"));
        using var list = new HttpRequestMessage(HttpMethod.Get, "api/chats?archived=maybe");
        list.Headers.Authorization = new("Bearer", alice.Tokens!.AccessToken);
        using var response = await alice.Http.SendAsync(list);
        Assert.True((await Expect.Problem(400, response)).Problem!.Errors!.ContainsKey("archived"));
    }

    [Fact]
    public async Task AMutedMember_StillGetsTheChatsRealTimeEvents()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var muted = await bob.UpdateChatSettingsAsync(chat.ChatId, new JsonObject { ["mutedUntil"] = DateTimeOffset.UtcNow.AddHours(8).ToString("O") });
        Assert.True(muted.Settings!.MutedUntil > DateTimeOffset.UtcNow);
        var (connection, log) = await EventLog.ConnectAsync(bob);
        await using (connection)
        {
            var sent = await alice.SendTextAsync(chat.ChatId, "still here");

            await Expect.Eventually(() => Task.FromResult(log.Messages.Any(m => m.ChatId == chat.ChatId && m.Seq == sent.Seq)));
        }
    }

    /// <summary>A user with a direct chat with each of <paramref name="count"/> others, each with a message, oldest first.</summary>
    private async Task<(Chat.Client.ChatClient Me, IReadOnlyList<Chat.Client.ChatClient> Others, List<string> Chats)> DirectChatsAsync(int count)
    {
        var me = await Host.NewUserAsync();
        var others = await Host.NewUsersAsync(count);
        var chats = new List<string>();
        foreach (var other in others)
        {
            var chat = await me.OpenDirectAsync(other.UserId);
            await other.SendTextAsync(chat.ChatId, "hi");
            chats.Add(chat.ChatId);
        }

        return (me, others, chats);
    }
}
