namespace Chat.Core.Chats;

using System.Collections.Concurrent;
using Chat.Core.Ports;

/// <summary>
/// Keeps the members' chat lists in last-activity order off the send's request path: activity in a
/// chat queues one refresh job, run <see cref="Delay"/> later, and this instance queues no other for
/// that chat until then, since the job reads the chat's head when it runs and so covers every send
/// before it. Cost per chat and window, whatever the number of messages in it: 1 queue message, 1 head
/// read and 1 patch per member (<see cref="ChatService.RefreshListsAsync"/>); the order lags by at most
/// <see cref="Delay"/> plus the queue's polling interval (1 s).
/// </summary>
public sealed class ChatListFeed(IChatListJobs jobs, TimeProvider time)
{
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);

    /// <summary>Sends up to this long after a job was queued are covered by it (it runs no earlier than <see cref="Delay"/>).</summary>
    private static readonly TimeSpan Covered = Delay - TimeSpan.FromMilliseconds(200);

    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> coveredUntil = new(StringComparer.Ordinal);

    /// <summary>Notes activity in the chat: queues a refresh unless one queued here already covers it.</summary>
    public async Task NoteActivityAsync(string chatId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (coveredUntil.TryGetValue(chatId, out var until) && until > now)
        {
            return;
        }

        coveredUntil[chatId] = now + Covered;
        try
        {
            await jobs.EnqueueAsync(chatId, Delay, ct);
        }
        catch
        {
            coveredUntil.TryRemove(chatId, out _); // not queued: the next send tries again
            throw;
        }

        Prune(now);
    }

    private void Prune(DateTimeOffset now)
    {
        if (coveredUntil.Count <= PruneAbove)
        {
            return;
        }

        foreach (var entry in coveredUntil.Where(e => e.Value <= now))
        {
            coveredUntil.TryRemove(entry);
        }
    }
}
