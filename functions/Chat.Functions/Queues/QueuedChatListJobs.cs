namespace Chat.Functions.Queues;

using Chat.Core.Errors;
using Chat.Core.Ports;

/// <summary>Chat-list refreshes on the <c>chat-lists</c> Storage queue: 1 storage call each.</summary>
public sealed class QueuedChatListJobs(StorageQueues queues) : IChatListJobs
{
    public async Task EnqueueAsync(string chatId, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await queues.SendAsync(QueueNames.ChatLists, new ChatListJob(chatId), ct, delay);
        }
        catch (Exception e) when (StorageFailures.IsTransient(e) && !ct.IsCancellationRequested)
        {
            throw ChatErrors.Unavailable("queue storage", TimeSpan.FromSeconds(5), e);
        }
    }
}

/// <summary>A queued refresh of the members' chat lists of one chat.</summary>
public sealed record ChatListJob(string ChatId);
