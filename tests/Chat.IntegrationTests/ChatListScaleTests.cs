namespace Chat.IntegrationTests;

using System.Diagnostics.Metrics;
using Chat.Core.Common;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Chat.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

/// <summary>A user in 300 chats pages through them all: each page costs the same few store requests,
/// and the pages together hold every chat once, newest activity first.</summary>
[Collection(BackendCollection.Name)]
public sealed class ChatListScaleTests(BackendFixture backend) : IAsyncLifetime
{
    private const int Chats = 300;
    private TestHost host = null!;
    private MetricRecorder recorder = null!;

    public async Task InitializeAsync()
    {
        host = await backend.StartHostAsync(new Dictionary<string, string?> { ["Limits:GroupCreationsPerHour"] = "1000" });
        recorder = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>());
    }

    public async Task DisposeAsync()
    {
        recorder.Dispose();
        await host.DisposeAsync();
    }

    [Fact]
    public async Task UserIn300Chats_PagesToTheEnd_EachChatOnce_NewestFirst_AtMost2CosmosRequestsAPage()
    {
        var me = await host.NewUserAsync();
        var peer = await host.NewUserAsync();
        var created = new List<string>();
        for (var i = 0; i < Chats; i++)
        {
            created.Add((await me.CreateGroupAsync($"group {i}", [peer.UserId])).ChatId);
        }

        // Activity in a few old chats moves them to the top once their members' lists catch up.
        var active = created.Take(5).ToArray();
        foreach (var chatId in active)
        {
            await peer.SendTextAsync(chatId, "news in " + chatId);
        }

        var newestFirst = active.Reverse().ToArray();
        await Expect.Eventually(async () => (await me.ListChatsAsync(limit: 5)).Chats.Select(c => c.ChatId).SequenceEqual(newestFirst), TimeSpan.FromSeconds(20), "the list follows the activity");

        var pages = new List<Chat.Client.ChatList>();
        var perPage = new List<double>();
        string? cursor = null;
        do
        {
            var before = StoreRequests();
            var page = await me.ListChatsAsync(limit: 20, cursor: cursor);
            perPage.Add(StoreRequests() - before);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        var listed = pages.SelectMany(p => p.Chats).ToArray();
        Assert.Equal(Chats / 20, pages.Count);
        Assert.Equal(created.Order(), listed.Select(c => c.ChatId).Order());
        Assert.Equal(newestFirst, listed.Take(5).Select(c => c.ChatId));
        Assert.Equal(1, listed[0].UnreadCount);
        Assert.All(perPage, n => Assert.InRange(n, 1, 2)); // the page of the order is Redis: 1 ReadMany (a query plan and a query)
    }

    /// <summary>Cosmos requests of the list itself: the chats container, and queries of the users container (the
    /// caller's list); the session check's occasional point read of the users container is left out.</summary>
    private double StoreRequests() =>
        recorder.Of(ChatMetrics.CosmosRequests, (ChatMetrics.ContainerTag, CosmosModel.Chats)).Sum(m => m.Value)
        + recorder.Of(ChatMetrics.CosmosRequests, (ChatMetrics.OperationTag, "Query"), (ChatMetrics.ContainerTag, CosmosModel.Users)).Sum(m => m.Value);
}
