namespace Chat.IntegrationTests;

using System.Diagnostics;
using Chat.Functions.Queues;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Xunit;

/// <summary>A storage account that hangs (Azurite paused, its sockets open) must not hold a queue send
/// past <see cref="StorageQueues.SendBudget"/>: the send path queues its push and chat-list jobs.</summary>
public sealed class StorageQueueBudgetTests
{
    [Fact]
    public async Task Send_ToAHangingAccount_GivesUpWithinItsBudget_AsATransientFailure_ThenWorksAgain()
    {
        await using var storage = await Azurite.StartAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [QueueNames.Connection] = storage.ConnectionString, ["Queues:NamePrefix"] = "budget" })
            .Build();
        var queues = new StorageQueues(configuration, new Azure.Identity.DefaultAzureCredential());
        await queues.SendAsync(QueueNames.ChatLists, new ChatListJob("g_before"), CancellationToken.None);

        await storage.PauseAsync();
        var watch = Stopwatch.StartNew();
        var failure = await Record.ExceptionAsync(() => queues.SendAsync(QueueNames.ChatLists, new ChatListJob("g_during"), CancellationToken.None));
        watch.Stop();
        await storage.ResumeAsync();

        Assert.NotNull(failure);
        Assert.True(StorageFailures.IsTransient(failure), failure.ToString());
        Assert.True(watch.Elapsed < StorageQueues.SendBudget + TimeSpan.FromSeconds(3), $"took {watch.Elapsed} (budget {StorageQueues.SendBudget})");
        await queues.SendAsync(QueueNames.ChatLists, new ChatListJob("g_after"), CancellationToken.None);
    }
}
