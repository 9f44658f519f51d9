namespace Chat.IntegrationTests;

using Chat.Core.Messages;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>API v1.1: search within a chat, through the API.</summary>
[Collection(BackendCollection.Name)]
public sealed class SearchTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Search_FindsSubstringsIgnoringCase_NewestFirst_PagedWithBeforeSeq_NoDeleted()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var pizza1 = await alice.SendTextAsync(chat.ChatId, "Pizza tonight?");
        await bob.SendTextAsync(chat.ChatId, "sure");
        var pizza2 = await bob.SendTextAsync(chat.ChatId, "which PIZZA place");
        var gone = await alice.SendTextAsync(chat.ChatId, "pizzeria by the station");
        await alice.DeleteMessageAsync(chat.ChatId, gone.Seq);
        var pizza3 = await alice.SendTextAsync(chat.ChatId, "the pizzeria on 5th");
        await bob.ReactAsync(chat.ChatId, pizza3.Seq, "🍕");

        var first = await bob.SearchMessagesAsync(chat.ChatId, "pIzZ", limit: 2);
        var second = await bob.SearchMessagesAsync(chat.ChatId, "pIzZ", limit: 2, beforeSeq: first.Messages[^1].Seq);

        Assert.Equal([pizza3.Seq, pizza2.Seq], first.Messages.Select(m => m.Seq));
        Assert.Equal((true, (long?)pizza2.Seq), (first.HasMore, first.NextBeforeSeq));
        Assert.Equal("🍕", Assert.Single(first.Messages[0].Reactions!).Emoji);
        Assert.Equal([pizza1.Seq], second.Messages.Select(m => m.Seq));
        Assert.False(second.HasMore);
        Assert.Empty((await bob.SearchMessagesAsync(chat.ChatId, "station")).Messages);
    }

    [Fact]
    public async Task Search_StartsAtTheCallersJoin_AndIsForMembersOnly()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var carol = await Host.NewUserAsync();
        var group = await alice.CreateGroupAsync("S", [bob.UserId]);
        await alice.SendTextAsync(group.ChatId, "secret plan");
        await alice.AddMembersAsync(group.ChatId, [carol.UserId]);
        var after = await alice.SendTextAsync(group.ChatId, "public plan");

        var seen = await carol.SearchMessagesAsync(group.ChatId, "plan");

        Assert.Equal([after.Seq], seen.Messages.Select(m => m.Seq));
        Assert.False(seen.HasMore);
        Assert.Equal(2, (await bob.SearchMessagesAsync(group.ChatId, "plan")).Messages.Count);
        var eve = await Host.NewUserAsync();
        await Expect.Problem(404, () => eve.SearchMessagesAsync(group.ChatId, "plan"));
        var bad = await Expect.Problem(400, () => bob.SearchMessagesAsync(group.ChatId, "p"));
        Assert.True(bad.Problem!.Errors!.ContainsKey("q"));
        await Expect.Problem(400, () => bob.SearchMessagesAsync(group.ChatId, "plan", limit: 51));
    }

    [Fact]
    public async Task Search_AWindowOfTheScanBudgetWithFewMatches_SaysHasMore_AndTheNextPageGoesOnBelowIt()
    {
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["Limits:MessagesPerWindow"] = "100000" }); // a long chat, quickly
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var oldest = await alice.SendTextAsync(chat.ChatId, "the first needle");
        await Parallel.ForEachAsync(Enumerable.Range(0, MessageSearch.ScanBudget), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
            await alice.SendTextAsync(chat.ChatId, $"hay {i}", ct: ct));
        var newest = await bob.SendTextAsync(chat.ChatId, "the last NEEDLE");

        var first = await bob.SearchMessagesAsync(chat.ChatId, "needle", limit: 20);

        // One match in the newest ScanBudget seqs, fewer than the limit, yet older seqs are left unscanned.
        Assert.Equal([newest.Seq], first.Messages.Select(m => m.Seq));
        Assert.True(first.HasMore);
        Assert.Equal(newest.Seq - MessageSearch.ScanBudget + 1, first.NextBeforeSeq);
        var second = await bob.SearchMessagesAsync(chat.ChatId, "needle", limit: 20, beforeSeq: first.NextBeforeSeq);
        Assert.Equal([oldest.Seq], second.Messages.Select(m => m.Seq));
        Assert.False(second.HasMore);
    }
}
