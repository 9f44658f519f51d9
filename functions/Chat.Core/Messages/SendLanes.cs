namespace Chat.Core.Messages;

using System.Collections.Concurrent;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;

/// <summary>
/// One lane per chat on this instance. Sends into a chat take turns for the append (the one batch that
/// claims the next seq), and each goes on from the chat version the previous one wrote, so senders on
/// one instance never race each other for the chat's head: concurrent sends into a busy group are one
/// batch each instead of rounds of conflicts. Senders on other instances still meet at the head's ETag
/// (a conflict there re-reads it). Lanes live while sends wait in them.
/// </summary>
public sealed class SendLanes
{
    /// <summary>How long a send waits for its turn before it answers 503 (the chat is too busy here).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, Lane> lanes = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="append"/> in the chat's lane. It gets the newer of <paramref name="loaded"/> and
    /// the version the lane's previous append left, and returns the version it leaves (null: none known).</summary>
    public async Task<T> RunAsync<T>(
        string chatId,
        Versioned<ChatRecord> loaded,
        Func<Versioned<ChatRecord>, Task<(T Result, Versioned<ChatRecord>? Left)>> append,
        CancellationToken ct)
    {
        var lane = Enter(chatId);
        try
        {
            if (!await lane.Gate.WaitAsync(MaxWait, ct))
            {
                throw ChatErrors.Unavailable("message store (this chat is busy)", TimeSpan.FromSeconds(1));
            }

            try
            {
                var basis = lane.Left is { } left && left.Value.LastSeq > loaded.Value.LastSeq ? left : loaded;
                var (result, leaves) = await append(basis);
                lane.Left = leaves;
                return result;
            }
            finally
            {
                lane.Gate.Release();
            }
        }
        finally
        {
            Leave(chatId, lane);
        }
    }

    private Lane Enter(string chatId)
    {
        while (true)
        {
            var lane = lanes.GetOrAdd(chatId, _ => new Lane());
            lock (lane)
            {
                if (!lane.Closed)
                {
                    lane.Users++;
                    return lane;
                }
            }
        }
    }

    private void Leave(string chatId, Lane lane)
    {
        lock (lane)
        {
            if (--lane.Users > 0)
            {
                return;
            }

            lane.Closed = true;
            lanes.TryRemove(new KeyValuePair<string, Lane>(chatId, lane));
        }
    }

    private sealed class Lane
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }

        public bool Closed { get; set; }

        public Versioned<ChatRecord>? Left { get; set; }
    }
}
