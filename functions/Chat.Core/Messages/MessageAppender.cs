namespace Chat.Core.Messages;

using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Push;
using Chat.Core.Realtime;
using Microsoft.Extensions.Logging;

/// <summary>What an append did: the chat as it left it and the message, or the message the sender had
/// already stored under the same clientMessageId (<see cref="Stored"/>; nothing was written).</summary>
public sealed record Appended(ChatRecord Chat, MessageRecord Message, SentMessage? Stored);

/// <summary>
/// The one path every new message takes, sent or forwarded: the check that the caller may send into the
/// chat, the append that claims the next seq together with the send key, and the announcement to the members.
/// </summary>
public sealed partial class MessageAppender(
    ChatService chatService,
    ChatListFeed chatLists,
    SendLanes lanes,
    IChatStore chats,
    IMessageStore messages,
    IRealtime realtime,
    PushService push,
    TimeProvider time,
    ILogger<MessageAppender> logger)
{
    /// <summary>The one rule for sending (or forwarding) into a chat: the caller is one of its members (404
    /// otherwise, the chat is hidden) and no block stands in it (403, <see cref="BlockRules.EnsureMayPost"/>). Checked
    /// before anything is written, and again on every chat version an append goes from. Asynchronous so that a rule
    /// needing a lookup can join it.</summary>
    public ValueTask EnsureMaySendAsync(ChatRecord chat, string callerId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (chat.Member(callerId) is null)
        {
            throw ChatErrors.ChatNotFound();
        }

        BlockRules.EnsureMayPost(chat);
        return ValueTask.CompletedTask;
    }

    /// <summary>Stores the draft as the chat's next message: the head's ETag makes exactly one of concurrent
    /// senders win each seq (no gaps, never one visible before a lower one). On this instance, sends into the
    /// chat take turns in its <see cref="SendLanes"/> lane, each from the version the previous one wrote; a
    /// loser to another instance reads the head again (membership included) and retries under
    /// <see cref="Backoff.Contention"/>. A stored clientMessageId comes back as <see cref="Appended.Stored"/>,
    /// nothing written. Cost: 1 transactional batch; a duplicate adds 1 query (the message and the receipt states).</summary>
    public Task<Appended> AppendAsync(string callerId, Versioned<ChatRecord> loaded, MessageRecord draft, CancellationToken ct) =>
        lanes.RunAsync(draft.ChatId, loaded, basis => AppendFromAsync(callerId, basis, draft, ct), ct);

    private async Task<(Appended Result, Versioned<ChatRecord>? Left)> AppendFromAsync(
        string callerId, Versioned<ChatRecord> basis, MessageRecord draft, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            // The lane's version can be newer than the caller's read: a change in between must stop the send.
            await EnsureMaySendAsync(basis.Value, callerId, ct);
            var message = Next(basis.Value, draft, attempt == 1 ? draft.SentAt : time.GetUtcNow());
            var updated = WithLastMessage(basis.Value, message);
            var result = await chats.TryAppendAsync(updated, basis.ETag, message, ct);
            switch (result.Outcome)
            {
                case AppendOutcome.Appended:
                    return (new Appended(updated, message, null), result.ETag is { } etag ? new Versioned<ChatRecord>(updated, etag) : null);
                case AppendOutcome.Duplicate:
                    var stored = await messages.FindSentAsync(draft.ChatId, callerId, draft.ClientMessageId, withStates: true, ct)
                        ?? throw ChatErrors.Unavailable("message store", TimeSpan.FromSeconds(1));
                    return (new Appended(basis.Value, stored.Message, stored), basis);
            }

            await Backoff.Contention.PauseAsync(attempt, "message store (contention)", ct);
            basis = await chatService.LoadVersionedAsync(callerId, draft.ChatId, ct);
        }
    }

    /// <summary>The draft as the chat's next message: what the chat decides for every new message is set here (its seq,
    /// and its expiry under the chat's timer as it is on the version appended to). Its sentAt is never below the last
    /// message's (instances' clocks differ a little), so under one timer a higher seq never expires first.</summary>
    private static MessageRecord Next(ChatRecord chat, MessageRecord draft, DateTimeOffset sentAt)
    {
        var at = chat.LastMessage is { } last && last.SentAt > sentAt ? last.SentAt : sentAt;
        return draft with { Seq = chat.LastSeq + 1, SentAt = at, ExpiresAt = MessageTimers.ExpiryOf(at, chat.MessageTimer) };
    }

    /// <summary>A resend finds its message stored. The first attempt may have died before it told
    /// anyone, so it is announced again (clients de-duplicate by seq; push is idempotent per recipient).</summary>
    public async Task<SendResult> ResentAsync(ChatRecord chat, SentMessage sent, CancellationToken ct)
    {
        var announced = await AnnounceAsync(chat, sent.Message, ct);
        return new SendResult(announced with { Status = MessageViews.Status(chat, sent.Message, MessageViews.ByUser(sent.States)) }, false);
    }

    /// <summary>Tells the members about a stored message: one group send reaches every member's
    /// connections, however many (best effort; history is the truth); offline members get a push through
    /// the queue, and the members' chat lists move (coalesced per chat, <see cref="ChatListFeed"/>). A failure is logged, never thrown.</summary>
    public async Task<MessageView> AnnounceAsync(ChatRecord chat, MessageRecord message, CancellationToken ct)
    {
        var view = MessageViews.ToView(message, MessageViews.Status(chat, message, new Dictionary<string, ReceiptState>()), time.GetUtcNow(), replyFloor: ReplyQuotes.EveryMemberFloor(chat));
        await Task.WhenAll(
            realtime.SendToGroupAsync(message.ChatId, ClientMethods.Message, view, ct),
            BestEffortAsync(message, () => push.PlanAsync(chat, message, ct)),
            chatLists.NoteMessageAsync(chat, message.SentAt, ct));
        return view;
    }

    /// <summary>Runs a step that follows a stored message: a failure is logged, never thrown (the message is
    /// stored, so the call must not turn into a 5xx; a resend completes the step).</summary>
    private async Task BestEffortAsync(MessageRecord message, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogAfterStoreFailed(logger, e, message.ChatId, message.Seq);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Seq} of chat {ChatId} is stored, but a follow-up step failed; a resend or the next send completes it")]
    private static partial void LogAfterStoreFailed(ILogger logger, Exception exception, string chatId, long seq);

    /// <summary>The chat with <paramref name="message"/> as its newest one (its seq is the next).</summary>
    private static ChatRecord WithLastMessage(ChatRecord chat, MessageRecord message) => chat with
    {
        LastSeq = message.Seq,
        LastMessage = message,
        LastActivityAt = message.SentAt > chat.LastActivityAt ? message.SentAt : chat.LastActivityAt,
        RecentExpiries = UnreadCounts.After(chat.RecentExpiries, message.ExpiresAt),
    };
}
