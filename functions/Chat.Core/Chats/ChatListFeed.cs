namespace Chat.Core.Chats;

using Chat.Core.Ports;
using Microsoft.Extensions.Logging;

/// <summary>
/// Moves a chat up in its members' chat lists after activity, coalesced per chat on this instance: the first message
/// in a <see cref="Window"/> touches the members' orders at once (<see cref="IChatListOrder.TouchAsync"/>, 1 Redis round
/// trip for all members, no Cosmos request), and any later one in that window is folded into one more touch at its end,
/// with the newest activity. So a chat costs each member at most one order write a window however busy it is, and the
/// order lags a message by at most <see cref="Window"/> (API v1.1 allows 2 s). A touch that fails queues the chat's
/// list refresh (<see cref="IChatListJobs"/>), which retries until it lands. Membership changes take that queue too:
/// they also rewrite the members on the users' list entries (<see cref="ChatService.RefreshListsAsync"/>).
/// </summary>
public sealed partial class ChatListFeed(IChatListOrder order, IChatListJobs jobs, TimeProvider time, ILogger<ChatListFeed> logger)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    /// <summary>How long after a membership change (or a failed touch) its queued refresh runs.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);

    private const int PruneAbove = 10_000;

    private readonly Dictionary<string, ChatWindow> windows = new(StringComparer.Ordinal);

    private readonly Lock gate = new();

    /// <summary>A message moved the chat to <paramref name="activityAt"/>. Never throws for the order's sake: a failed
    /// touch is queued (and a queue that fails too leaves the order to the chat's next message).</summary>
    public async Task NoteMessageAsync(ChatRecord chat, DateTimeOffset activityAt, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (windows.TryGetValue(chat.ChatId, out var open) && open.Until > now)
            {
                open.Fold(chat, activityAt, () => time.CreateTimer(_ => _ = FlushAsync(chat.ChatId), null, open.Until - now, Timeout.InfiniteTimeSpan));
                return;
            }

            windows[chat.ChatId] = new ChatWindow(now + Window);
            Prune(now);
        }

        await TouchAsync(chat, activityAt, ct);
    }

    /// <summary>The chat's members changed: queues the refresh of their list entries and orders.</summary>
    public Task NoteMembersChangedAsync(string chatId, CancellationToken ct) => jobs.EnqueueAsync(chatId, Delay, ct);

    private async Task FlushAsync(string chatId)
    {
        ChatWindow.Folded? folded;
        lock (gate)
        {
            folded = windows.GetValueOrDefault(chatId)?.Take();
            windows[chatId] = new ChatWindow(time.GetUtcNow() + Window); // the flush opens the next window
        }

        if (folded is { } last)
        {
            await TouchAsync(last.Chat, last.ActivityAt, CancellationToken.None);
        }
    }

    private async Task TouchAsync(ChatRecord chat, DateTimeOffset activityAt, CancellationToken ct)
    {
        try
        {
            await order.TouchAsync(chat.ChatId, activityAt, chat.Members.Select(m => m.UserId).ToArray(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogTouchFailed(logger, e, chat.ChatId);
            try
            {
                await jobs.EnqueueAsync(chat.ChatId, Delay, ct);
            }
            catch (Exception queued) when (queued is not OperationCanceledException)
            {
                LogRefreshNotQueued(logger, queued, chat.ChatId);
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        if (windows.Count <= PruneAbove)
        {
            return;
        }

        foreach (var (chatId, _) in windows.Where(w => w.Value.IsIdle(now)).ToArray())
        {
            windows.Remove(chatId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat {ChatId}: moving it up in its members' lists failed; its list refresh is queued")]
    private static partial void LogTouchFailed(ILogger logger, Exception exception, string chatId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat {ChatId}: its list refresh could not be queued either; the chat's next message moves it")]
    private static partial void LogRefreshNotQueued(ILogger logger, Exception exception, string chatId);

    /// <summary>One chat's coalescing window on this instance: until when it is open, and the newest activity folded into it.</summary>
    private sealed class ChatWindow(DateTimeOffset until)
    {
        private ITimer? flush;

        public readonly record struct Folded(ChatRecord Chat, DateTimeOffset ActivityAt);

        public DateTimeOffset Until { get; } = until;

        public Folded? Last { get; private set; }

        /// <summary>Keeps the newest activity for the window's end, starting its flush timer on the first one.</summary>
        public void Fold(ChatRecord chat, DateTimeOffset activityAt, Func<ITimer> startFlush)
        {
            if (Last is not { } last || activityAt >= last.ActivityAt)
            {
                Last = new Folded(chat, activityAt);
            }

            flush ??= startFlush();
        }

        public Folded? Take()
        {
            flush?.Dispose();
            return Last;
        }

        public bool IsIdle(DateTimeOffset now) => Until <= now && flush is null;
    }
}
