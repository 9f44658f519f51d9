namespace Chat.Core.Messages;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Core.Ports;
using Chat.Core.Push;
using Chat.Core.Realtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>Sending, history, deletion and receipts.</summary>
public sealed partial class MessageService(
    ChatService chatService,
    MediaService media,
    IMessageStore messages,
    IReceiptStore receipts,
    IRealtime realtime,
    PushService push,
    IRateLimiter limiter,
    IOptions<LimitsOptions> limits,
    TimeProvider time,
    ILogger<MessageService> logger,
    ChatMetrics metrics)
{
    /// <summary>Rounds of optimistic retries of a stored message's chat update under contention before
    /// the send answers without it (the next send catches the chat document up).</summary>
    public const int HeadUpdateRounds = 8;

    /// <summary>A send key older than this whose message never appeared was abandoned (a crashed send).</summary>
    public static readonly TimeSpan SendKeyLease = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends a message. Cost, O(1) in group size: 1 point read (chat), 1 create (send key),
    /// 1 create per seq tried (usually 1), 1 more point read and 1 replace of the chat document (last
    /// message): 5 Cosmos requests (measured, bench/README.md); then, in parallel, 1 SignalR REST call
    /// and the push plan (see <see cref="PushService.PlanAsync"/>: 1 Redis MGET for up to 8 recipients,
    /// else one queue message whose dispatcher reads 3 items even when every member is online).
    /// A resend of the same clientMessageId: 2 point reads, 1 failed create, 2 single-partition queries (measured).
    /// </summary>
    public async Task<SendResult> SendAsync(string callerId, string chatId, SendMessageRequest request, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        request = request with { Text = UntrustedText.Clean(request.Text) };
        Validate(request);
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        await limiter.AcquireAsync(limits.Value.Messages, callerId, ct);
        if (request.ReplyToSeq is { } reply && (reply < 1 || reply > Math.Max(chat.LastSeq, await LastSeqIfStaleAsync(chat, reply, ct))))
        {
            throw ChatErrors.Invalid("replyToSeq", "does not name a message of this chat.");
        }

        MediaRecord? attachment = null;
        string? blobETag = null;
        if (request.MediaId is not null)
        {
            // A resend of a media message finds it stored (the media is attached by then).
            var sent = await messages.FindByClientIdAsync(chatId, callerId, request.ClientMessageId!, ct);
            if (sent is not null)
            {
                return await ResentAsync(chat, sent, ct);
            }

            (attachment, blobETag) = await media.PrepareAttachmentAsync(callerId, request.MediaId, request.Type!, ct, claimKey: $"{chatId}|{request.ClientMessageId}");
        }

        var now = time.GetUtcNow();
        var key = new SendKey(chatId, callerId, request.ClientMessageId!, now);
        if (!await messages.TryClaimSendKeyAsync(key, ct))
        {
            var existing = await ResolveDuplicateAsync(key, ct);
            if (existing is not null)
            {
                return await ResentAsync(chat, existing, ct);
            }
        }

        var message = new MessageRecord
        {
            ChatId = chatId,
            Seq = chat.LastSeq + 1,
            MessageId = Ids.NewId(),
            ClientMessageId = request.ClientMessageId!,
            SenderId = callerId,
            Type = request.Type!,
            Text = request.Text,
            Media = attachment is null ? null : MediaService.ToRef(attachment),
            ReplyToSeq = request.ReplyToSeq,
            SentAt = now,
        };

        message = await ClaimSeqAsync(message, ct);

        // The message is stored from here on: nothing below may turn the send into a 5xx.
        if (attachment is not null)
        {
            await BestEffortAsync(message, () => media.MarkAttachedAsync(attachment.MediaId, chatId, message.Seq, blobETag!, ct));
        }

        var view = await AnnounceAsync(chat, message, ct);
        metrics.MessageSent(chat.Type, chat.Members.Count - 1, time.GetElapsedTime(started));
        return new SendResult(view, true);
    }

    /// <summary>A resend finds its message stored. The first attempt may have died before it told
    /// anyone, so it is announced again (clients de-duplicate by seq; push is idempotent per recipient).</summary>
    private async Task<SendResult> ResentAsync(ChatRecord loaded, MessageRecord stored, CancellationToken ct)
    {
        var announced = await AnnounceAsync(loaded, stored, ct);
        IReadOnlyDictionary<string, ReceiptState> states = new Dictionary<string, ReceiptState>();
        await BestEffortAsync(stored, async () => states = await StatesAsync(stored.ChatId, ct)); // the message is stored: never a 5xx
        return new SendResult(announced with { Status = MessageViews.Status(WithLastMessage(loaded, stored), stored, states) }, false);
    }

    /// <summary>Brings the chat document up to a stored message, then tells the members: one group send
    /// reaches every member's connections, however many (best effort; history is the truth), and
    /// offline members get a push through the queue. A failure of either is logged, never thrown.</summary>
    private async Task<MessageView> AnnounceAsync(ChatRecord loaded, MessageRecord message, CancellationToken ct)
    {
        var updated = WithLastMessage(loaded, message);
        await BestEffortAsync(message, async () => updated = await UpdateHeadAsync(message, ct));
        var view = MessageViews.ToView(message, MessageViews.Status(updated, message, new Dictionary<string, ReceiptState>()));
        await Task.WhenAll(
            realtime.SendToGroupAsync(message.ChatId, ClientMethods.Message, view, ct),
            BestEffortAsync(message, () => push.PlanAsync(updated, message, ct)));
        return view;
    }

    /// <summary>Concurrent senders collide on the chat document's ETag: keep trying, with jittered
    /// pauses that spread the writers out, for <see cref="HeadUpdateRounds"/> rounds.</summary>
    private async Task<ChatRecord> UpdateHeadAsync(MessageRecord message, CancellationToken ct)
    {
        for (var round = 1; ; round++)
        {
            try
            {
                return await chatService.MutateAsync(message.ChatId, c => WithLastMessage(c, message), ct);
            }
            catch (ChatException e) when (e.Kind == ErrorKind.Unavailable && round < HeadUpdateRounds)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * round)), ct);
            }
        }
    }

    private async Task BestEffortAsync(MessageRecord message, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (ChatException e) when (e.Kind == ErrorKind.Unavailable)
        {
            LogAfterStoreFailed(logger, e, message.ChatId, message.Seq);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Seq} of chat {ChatId} is stored, but a follow-up step failed; a resend or the next send completes it")]
    private static partial void LogAfterStoreFailed(ILogger logger, Exception exception, string chatId, long seq);

    /// <summary>A page of history from the caller's join on. Cost: 1 point read (chat), 1 query-plan
    /// request, 1 single-partition query (messages), 1 single-partition query (receipt states): 4 measured.</summary>
    public async Task<MessagePage> HistoryAsync(string callerId, string chatId, HistoryQuery query, CancellationToken ct)
    {
        new Validator()
            .Range("limit", query.Limit, 1, 100)
            .Range("beforeSeq", query.BeforeSeq, 1, long.MaxValue)
            .Range("afterSeq", query.AfterSeq, 0, long.MaxValue)
            .When(query.BeforeSeq is not null && query.AfterSeq is not null, "afterSeq", "cannot be combined with beforeSeq.")
            .ThrowIfInvalid();
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        var floor = chat.Member(callerId)!.JoinedAfterSeq;
        var pageTask = messages.GetPageAsync(chatId, floor, query.BeforeSeq, query.AfterSeq, query.Limit ?? 50, ct);
        var statesTask = StatesAsync(chatId, ct);
        var page = await pageTask;
        var states = await statesTask;
        return new MessagePage(page.Messages.Select(m => MessageViews.ToView(m, MessageViews.Status(chat, m, states))).ToArray(), page.HasMore);
    }

    /// <summary>Deletes for everyone (sender, or a group admin), its media included. Cost: 1 read of
    /// the chat and the message, 1 replace of the message, 1 replace of the chat when it was the last
    /// message, and for media see <see cref="MediaService.DiscardAsync"/>.</summary>
    public async Task<MessageRecord> DeleteAsync(string callerId, string chatId, long seq, CancellationToken ct)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        var message = await messages.GetAsync(chatId, seq, ct);
        if (message is null || !chat.Member(callerId)!.Sees(seq))
        {
            throw ChatErrors.NotFound("message");
        }

        if (message.SenderId != callerId && !(chat.Type == ChatTypes.Group && chat.IsAdmin(callerId)))
        {
            throw ChatErrors.Forbidden("Only the sender or a group admin can delete a message.");
        }

        if (message.Deleted)
        {
            return message;
        }

        // The media goes first: should the rest fail, a retry finds the message not yet deleted.
        if (message.Media is { } attached)
        {
            await media.DiscardAsync(attached.MediaId, ct);
        }

        var deleted = message with { Deleted = true, Text = null, Media = null, ReplyToSeq = null };
        await messages.ReplaceAsync(deleted, ct);
        if (chat.LastMessage?.Seq == seq)
        {
            await chatService.MutateAsync(chatId, c => c.LastMessage?.Seq == seq ? c with { LastMessage = deleted } : c, ct);
        }

        await realtime.SendToGroupAsync(chatId, ClientMethods.MessageDeleted, new MessageDeletedEvent(chatId, seq), ct);
        return deleted;
    }

    /// <summary>Moves the caller's receipt forward. Cost: 3 Cosmos requests: 1 point read (chat), 1 point
    /// read of the member's small receipt item, 1 transactional batch writing it with one create per
    /// advanced type (~10 RU all told); no write when it does not move.</summary>
    public async Task<ReceiptAdvance[]> ReceiptAsync(string callerId, string chatId, ReceiptRequest request, CancellationToken ct)
    {
        new Validator()
            .When(request.Type is not (ReceiptTypes.Delivered or ReceiptTypes.Read), "type", "must be \"delivered\" or \"read\".")
            .Required("upToSeq", request.UpToSeq)
            .Range("upToSeq", request.UpToSeq, 0, long.MaxValue)
            .ThrowIfInvalid();
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        var upTo = Math.Min(request.UpToSeq!.Value, Math.Max(chat.LastSeq, await LastSeqIfStaleAsync(chat, request.UpToSeq.Value, ct)));

        for (var attempt = 0; attempt < 10; attempt++)
        {
            var stored = await receipts.GetAsync(chatId, callerId, ct);
            var state = stored?.Value ?? new ReceiptState(callerId, 0, 0, time.GetUtcNow());
            var now = time.GetUtcNow();
            var delivered = Math.Max(state.DeliveredSeq, upTo);
            var read = request.Type == ReceiptTypes.Read ? Math.Max(state.ReadSeq, upTo) : state.ReadSeq;
            if (delivered == state.DeliveredSeq && read == state.ReadSeq)
            {
                return [];
            }

            var advances = new List<ReceiptAdvance>();
            if (delivered > state.DeliveredSeq)
            {
                advances.Add(new ReceiptAdvance(callerId, ReceiptTypes.Delivered, state.DeliveredSeq, delivered, now));
            }

            if (read > state.ReadSeq)
            {
                advances.Add(new ReceiptAdvance(callerId, ReceiptTypes.Read, state.ReadSeq, read, now));
            }

            // The state and its history move together: after any failure nothing moved, and a retry completes it.
            if (!await receipts.TrySaveAsync(chatId, new ReceiptState(callerId, delivered, read, now), stored?.ETag, advances, ct))
            {
                continue;
            }

            // A read receipt implies delivered, so one event says it all.
            var shown = advances[^1];
            await realtime.SendToGroupAsync(chatId, ClientMethods.Receipt, new ReceiptEvent(chatId, callerId, shown.Type, shown.UpToSeq, now), ct);
            return advances.ToArray();
        }

        throw ChatErrors.Unavailable("receipt store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>Who received and read one of the caller's messages. Cost: 1 point read (chat),
    /// 1 point read (message), 1 single-partition query (advances covering it).</summary>
    public async Task<IReadOnlyList<MemberReceiptView>> ReceiptsOfAsync(string callerId, string chatId, long seq, CancellationToken ct)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        var message = await messages.GetAsync(chatId, seq, ct);
        if (message is null || !chat.Member(callerId)!.Sees(seq))
        {
            throw ChatErrors.NotFound("message");
        }

        if (message.SenderId != callerId)
        {
            throw ChatErrors.Forbidden("Only the sender can see a message's receipts.");
        }

        var advances = await receipts.ListCoveringAsync(chatId, seq, ct);
        DateTimeOffset? At(string userId, string type) =>
            advances.Where(a => a.UserId == userId && a.Type == type).Select(a => (DateTimeOffset?)a.At).Min();
        return MessageViews.CountedMembers(chat, message)
            .Select(id =>
            {
                var read = At(id, ReceiptTypes.Read);
                var delivered = At(id, ReceiptTypes.Delivered) ?? read;
                return new MemberReceiptView(id, delivered, read);
            })
            .ToArray();
    }

    /// <summary>Tells the other members that the caller is typing, at most once per interval per chat
    /// (extra signals are dropped quietly). Cost: 1 point read, 1 REST call per other member.</summary>
    public async Task TypingAsync(string callerId, string chatId, CancellationToken ct)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        if (!await limiter.TryAcquireAsync(limits.Value.Typing, callerId + "|" + chatId, ct))
        {
            return;
        }

        var others = chat.Members.Where(m => m.UserId != callerId).Select(m => m.UserId).ToArray();
        await realtime.SendToUsersAsync(others, ClientMethods.Typing, new TypingEvent(chatId, callerId), ct);
    }

    private void Validate(SendMessageRequest request)
    {
        var v = new Validator()
            .Length("clientMessageId", request.ClientMessageId, 1, 64)
            .When(request.Type is null || !MessageTypes.All.Contains(request.Type), "type", "must be text, image, video, audio or file.")
            .Length("text", request.Text, 0, limits.Value.MaxTextLength, required: false)
            .Range("replyToSeq", request.ReplyToSeq, 1, long.MaxValue);
        if (request.Type == MessageTypes.Text)
        {
            v.When(string.IsNullOrWhiteSpace(request.Text), "text", "is required for a text message.")
             .When(request.MediaId is not null, "mediaId", "is not allowed on a text message.");
        }
        else if (request.Type is not null && MessageTypes.All.Contains(request.Type))
        {
            v.Required("mediaId", request.MediaId);
        }

        v.ThrowIfInvalid();
    }

    /// <summary>Claims the next free seq by creating the message under an id derived from it: the
    /// store refuses a second item with that id, so exactly one writer wins each seq, seqs have no
    /// gaps, and a message is visible exactly when its seq is taken.</summary>
    private async Task<MessageRecord> ClaimSeqAsync(MessageRecord message, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await messages.TryCreateAsync(message, ct))
            {
                return message;
            }

            // Lost the race for this seq; after a few misses the chat document's hint is stale.
            var next = attempt >= 2 ? await messages.GetLastSeqAsync(message.ChatId, ct) + 1 : message.Seq + 1;
            message = message with { Seq = Math.Max(next, message.Seq + 1) };
        }

        throw ChatErrors.Unavailable("message store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>The send key was claimed before: find the stored message, wait for an in-flight send,
    /// or take over a send that died between the key and the message.</summary>
    private async Task<MessageRecord?> ResolveDuplicateAsync(SendKey key, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var stored = await messages.FindByClientIdAsync(key.ChatId, key.SenderId, key.ClientMessageId, ct);
            if (stored is not null)
            {
                return stored;
            }

            var claim = await messages.GetSendKeyAsync(key.ChatId, key.SenderId, key.ClientMessageId, ct);
            if (claim is null || time.GetUtcNow() - claim.Value.ClaimedAt > SendKeyLease)
            {
                var taken = claim is null
                    ? await messages.TryClaimSendKeyAsync(key, ct)
                    : await messages.TryReplaceSendKeyAsync(key with { ClaimedAt = time.GetUtcNow() }, claim.ETag, ct);
                if (taken)
                {
                    return await messages.FindByClientIdAsync(key.ChatId, key.SenderId, key.ClientMessageId, ct);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        throw ChatErrors.Unavailable("message store (a send with this clientMessageId is in progress)", TimeSpan.FromSeconds(1));
    }

    private static ChatRecord WithLastMessage(ChatRecord chat, MessageRecord message)
    {
        var sender = chat.Member(message.SenderId);
        var newer = message.Seq > chat.LastSeq;
        var senderBehind = sender is not null && sender.LastSentSeq < message.Seq;
        if (!newer && !senderBehind)
        {
            return chat;
        }

        return chat with
        {
            LastSeq = Math.Max(chat.LastSeq, message.Seq),
            LastMessage = newer ? message : chat.LastMessage,
            LastActivityAt = newer && message.SentAt > chat.LastActivityAt ? message.SentAt : chat.LastActivityAt,
            Members = senderBehind ? chat.Members.Select(m => m.UserId == message.SenderId ? m with { LastSentSeq = message.Seq } : m).ToArray() : chat.Members,
        };
    }

    /// <summary>The chat document's last seq can lag a send in flight; ask the messages only when it matters.</summary>
    private async Task<long> LastSeqIfStaleAsync(ChatRecord chat, long wanted, CancellationToken ct) =>
        wanted > chat.LastSeq ? await messages.GetLastSeqAsync(chat.ChatId, ct) : chat.LastSeq;

    private async Task<IReadOnlyDictionary<string, ReceiptState>> StatesAsync(string chatId, CancellationToken ct) =>
        MessageViews.ByUser(await receipts.ListAsync(chatId, ct));
}
