namespace Chat.Core.Messages;

using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Core.Ports;
using Chat.Core.Push;
using Chat.Core.Realtime;
using Microsoft.Extensions.Options;

/// <summary>Sending, history, deletion and receipts; new messages go through <see cref="MessageAppender"/>.</summary>
public sealed class MessageService(
    ChatService chatService,
    MessageAppender appender,
    MediaService media,
    IMessageStore messages,
    IReceiptStore receipts,
    IReactionStore reactions,
    IRealtime realtime,
    IRateLimiter limiter,
    IOptions<LimitsOptions> limits,
    TimeProvider time,
    ChatMetrics metrics)
{
    /// <summary>
    /// Sends a message. Cost, O(1) in group size: 1 point read of the chat's head (members come from the
    /// instance's cache, which the head validates), the message limit's Redis round trip beside it (a text's), and 1 transactional batch writing the send key, the
    /// message, the head and the sender's receipt state: 2 Cosmos requests (measured, bench/README.md);
    /// a concurrent sender that got the seq first costs one more round of both. Then, in parallel, 1
    /// SignalR REST call, the push plan (see <see cref="PushService.PlanAsync"/>) and at most one chat-list
    /// job per chat a second (<see cref="ChatListFeed"/>).
    /// A resend of the same clientMessageId: 1 point read, 1 failed batch and 1 query (the message and the receipt states).
    /// With media, by design (the benchmark sends text): 1 read, 1 replace more (its attach); its resend 1 query of the message, 1 read of the media (and the
    /// attach, if the first attempt's failed) and 1 query of the states, before the message limit.
    /// </summary>
    public async Task<SendResult> SendAsync(string callerId, string chatId, SendMessageRequest request, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        request = request with { Text = UntrustedText.Clean(request.Text) };
        Validate(request);
        var (loaded, resent) = request.MediaId is null ? (await LoadTakingPermitAsync(callerId, chatId, ct), null) : await LoadForMediaAsync(callerId, chatId, request, ct);
        if (resent is not null)
        {
            return resent;
        }

        var replyTo = await QuotedAsync(callerId, loaded.Value, request.ReplyToSeq, ct);
        MediaRecord? attachment = null;
        string? blobETag = null;
        if (request.MediaId is not null)
        {
            (attachment, blobETag) = await media.PrepareAttachmentAsync(callerId, request.MediaId, request.Type!, ct, claimKey: MediaClaims.Of(chatId, request.ClientMessageId!));
        }

        var draft = new MessageRecord
        {
            ChatId = chatId,
            Seq = 0,
            MessageId = Ids.NewId(),
            ClientMessageId = request.ClientMessageId!,
            SenderId = callerId,
            Type = request.Type!,
            Text = request.Text,
            Media = attachment is null ? null : MediaService.ToRef(attachment),
            ReplyToSeq = request.ReplyToSeq,
            ReplyTo = replyTo,
            SentAt = time.GetUtcNow(),
        };
        var (chat, message, stored) = await appender.AppendAsync(callerId, loaded, draft, ct);

        // The message is stored from here on. Its media is attached before anyone hears of it: should that fail, the
        // send answers 503 and its resend (the same clientMessageId) completes the attach, then announces. A concurrent
        // first attempt may have stored the message (Duplicate): its media is the one to attach, not necessarily ours.
        if (attachment is not null && message.Media?.MediaId == attachment.MediaId)
        {
            await media.MarkAttachedAsync(attachment.MediaId, MediaCarrier.Of(message), blobETag!, ct);
        }
        else
        {
            await CompleteAttachAsync(message, request, ct);
        }

        if (stored is not null)
        {
            return await appender.ResentAsync(chat, stored, ct);
        }

        // Nothing below may turn the send into a 5xx.

        var view = await appender.AnnounceAsync(chat, message, ct);
        metrics.MessageSent(chat.Type, chat.Members.Count - 1, time.GetElapsedTime(started));
        return new SendResult(view with { ReplyTo = ReplyQuotes.View(message.ReplyTo, chat.Member(callerId)!.JoinedAfterSeq, time.GetUtcNow()) }, true);
    }

    /// <summary>The chat for a media message, and the message limit; or the answer to a resend of a media message, which
    /// finds it stored (its upload is no longer pending): before the message limit, so the retry of a send that answered
    /// 503 completes it whatever the caller sent since.</summary>
    private async Task<(Versioned<ChatRecord> Loaded, SendResult? Resent)> LoadForMediaAsync(string callerId, string chatId, SendMessageRequest request, CancellationToken ct)
    {
        var loaded = await LoadMaySendAsync(callerId, chatId, ct);
        if (await messages.FindSentAsync(chatId, callerId, request.ClientMessageId!, withStates: false, ct) is { } sent)
        {
            await CompleteAttachAsync(sent.Message, request, ct);
            return (loaded, await appender.ResentAsync(loaded.Value, sent with { States = await receipts.ListAsync(chatId, ct) }, ct));
        }

        await limiter.AcquireAsync(limits.Value.Messages, callerId, ct);
        return (loaded, null);
    }

    private async Task<Versioned<ChatRecord>> LoadMaySendAsync(string callerId, string chatId, CancellationToken ct)
    {
        var loaded = await chatService.LoadVersionedAsync(callerId, chatId, ct);
        await appender.EnsureMaySendAsync(loaded.Value, callerId, ct);
        return loaded;
    }

    /// <summary>The chat the caller may send a text into, with one use of the message limit taken: asked for while
    /// the head is read, so the limit's Redis round trip is off the send's path, and given back when the chat refuses
    /// the send (404, 403, 503), so a refused send spends none, as when the limit was asked after. The chat's
    /// refusal comes first (a 404 is a 404 whatever the limit says); costs 1 Redis round trip more, refused sends only.</summary>
    private async Task<Versioned<ChatRecord>> LoadTakingPermitAsync(string callerId, string chatId, CancellationToken ct)
    {
        var permit = TakeAsync(); // a limiter that refuses at once still answers after the chat
        Versioned<ChatRecord> loaded;
        try
        {
            loaded = await LoadMaySendAsync(callerId, chatId, ct);
        }
        catch (Exception)
        {
            await GiveBackAsync(permit, callerId);
            throw;
        }

        await permit;
        return loaded;

        async Task TakeAsync() => await limiter.AcquireAsync(limits.Value.Messages, callerId, ct);
    }

    /// <summary>Gives back the use <paramref name="permit"/> took, once it is known to have taken one.</summary>
    private async Task GiveBackAsync(Task permit, string callerId)
    {
        try
        {
            await permit;
        }
        catch (Exception e) when (e is ChatException or OperationCanceledException)
        {
            return; // refused (429), or the store could not answer: nothing was taken
        }

        await limiter.ReleaseAsync(limits.Value.Messages, callerId, CancellationToken.None);
    }

    /// <summary>The stored message's media attached to it, if its send's attach never landed (none for a text message).</summary>
    private Task CompleteAttachAsync(MessageRecord stored, SendMessageRequest request, CancellationToken ct) =>
        stored.Media is { } carried ? media.CompleteAttachAsync(carried.MediaId, MediaCarrier.Of(stored), MediaClaims.Of(stored.ChatId, request.ClientMessageId!), ct) : Task.CompletedTask;

    /// <summary>A page of history from the caller's join on. Cost: 1 single-partition query (head and
    /// receipt states), 1 single-partition range query of the page's seqs (seqs have no gaps): 2 requests.</summary>
    public async Task<MessagePage> HistoryAsync(string callerId, string chatId, HistoryQuery query, CancellationToken ct)
    {
        new Validator()
            .Range("limit", query.Limit, 1, 100)
            .Range("beforeSeq", query.BeforeSeq, 1, long.MaxValue)
            .Range("afterSeq", query.AfterSeq, 0, long.MaxValue)
            .When(query.BeforeSeq is not null && query.AfterSeq is not null, "afterSeq", "cannot be combined with beforeSeq.")
            .ThrowIfInvalid();
        var snapshot = await chatService.LoadVisibleAsync(callerId, chatId, StatesToRead.Everyone, ct);
        var chat = snapshot.Value;
        var floor = chat.Member(callerId)!.JoinedAfterSeq;
        var limit = query.Limit ?? HistoryRange.DefaultLimit;
        var now = time.GetUtcNow();
        var page = HistoryRange.Of(floor, chat.LastSeq, query);
        var live = await LiveInAsync(chatId, page, now, ct);

        // Seqs are never reused: past a range whose every message expired, wider ones (1 query each, only then).
        for (var (widening, span) = (0, (long)limit); live.Count == 0 && page.HasMore && widening < HistoryRange.MaxWidenings; widening++)
        {
            span *= 4;
            page = page.Beyond(span, floor, chat.LastSeq);
            live = await LiveInAsync(chatId, page, now, ct);
        }

        var (shown, hasMore) = page.Nearest(live, s => s.Message.Seq, limit);
        var states = snapshot.StatesByUser;
        return new MessagePage(shown.Select(s => MessageViews.ToView(s.Message, MessageViews.Status(chat, s.Message, states), now, s.Reactions, floor)).ToArray(), hasMore);
    }

    private async Task<IReadOnlyList<StoredMessage>> LiveInAsync(string chatId, HistoryRange range, DateTimeOffset now, CancellationToken ct) =>
        (await messages.GetRangeAsync(chatId, range.FromSeq, range.ToSeq, ct)).Where(s => !s.Message.IsExpiredAt(now)).ToArray();

    /// <summary>Messages of the chat whose text holds <c>q</c> ignoring case, newest first, from the caller's join
    /// (<see cref="MessageSearch"/>). Cost: 1 query (head and receipt states), 1 query over at most
    /// <see cref="MessageSearch.ScanBudget"/> messages, 1 query for the matches' reactions when there are any.</summary>
    public async Task<MessagePage> SearchAsync(string callerId, string chatId, SearchQuery query, CancellationToken ct)
    {
        var snapshot = await chatService.LoadVisibleAsync(callerId, chatId, StatesToRead.Everyone, ct);
        var chat = snapshot.Value;
        var search = MessageSearch.Of(query, chat.Member(callerId)!.JoinedAfterSeq, chat.LastSeq);
        var now = time.GetUtcNow();
        var (page, hasMore, next) = search.Cut(await messages.SearchAsync(chatId, search, ct), now);
        var states = snapshot.StatesByUser;
        return new MessagePage(page.Select(s => MessageViews.ToView(s.Message, MessageViews.Status(chat, s.Message, states), now, s.Reactions, search.Floor)).ToArray(), hasMore, next);
    }

    /// <summary>Deletes for everyone (sender, or a group admin), its media included (for this message only:
    /// forwards that carry the same media keep it) and its reactions. Cost by design (not in the benchmark): 1 read of the chat and the message, 1 replace
    /// of the message, 1 replace of the chat when it was the last message, 1 query of its reactions' ids and 1 batch per
    /// 100 of them deleting them (none when it had none), and for media see <see cref="MediaService.DiscardAsync"/>.
    /// A retry of a delete that failed halfway does all but the media and the message again (each step is idempotent).</summary>
    public async Task<MessageRecord> DeleteAsync(string callerId, string chatId, long seq, CancellationToken ct)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        var message = await messages.GetAsync(chatId, seq, ct);
        if (!MessageViews.Visible(chat, callerId, message, time.GetUtcNow()))
        {
            throw ChatErrors.NotFound("message");
        }

        if (message!.SenderId != callerId && !(chat.Type == ChatTypes.Group && chat.IsAdmin(callerId)))
        {
            throw ChatErrors.Forbidden("Only the sender or a group admin can delete a message.");
        }

        if (message.Deleted)
        {
            await FinishDeleteAsync(chat, message, ct); // a retry completes what a failed delete left
            return message;
        }

        // The media goes first: should the rest fail, a retry finds the message not yet deleted.
        if (message.Media is { } attached)
        {
            await media.DiscardAsync(attached.MediaId, chatId, seq, ct);
        }

        var deleted = message with { Deleted = true, Text = null, Media = null, ReplyToSeq = null, ReplyTo = null, EditedAt = null };
        await messages.ReplaceAsync(deleted, ct);
        await FinishDeleteAsync(chat, deleted, ct);
        return deleted;
    }

    /// <summary>What follows a deleted message's replace: the replies quoting it, the chat's last message, the members'
    /// event, then its reactions (hidden with the message already; storage only).</summary>
    private async Task FinishDeleteAsync(ChatRecord chat, MessageRecord deleted, CancellationToken ct)
    {
        var (chatId, seq) = (chat.ChatId, deleted.Seq);
        await ReplyQuotes.RefreshAsync(messages, chatService, chat, deleted, ct);
        if (chat.LastMessage is { } last && last.Seq == seq && !last.Deleted)
        {
            await chatService.MutateAsync(chatId, c => c.LastMessage?.Seq == seq ? c with { LastMessage = deleted } : c, ct);
        }

        await realtime.SendToGroupAsync(chatId, ClientMethods.MessageDeleted, new MessageDeletedEvent(chatId, seq), ct);
        await reactions.ClearAsync(chatId, seq, ct);
    }

    /// <summary>Moves the caller's receipt forward. Cost: 2 Cosmos requests: 1 single-partition query (head
    /// and the member's receipt state), 1 transactional batch writing the state with one create per
    /// advanced type, all or nothing; no write when it does not move.</summary>
    public async Task<ReceiptAdvance[]> ReceiptAsync(string callerId, string chatId, ReceiptRequest request, CancellationToken ct)
    {
        new Validator()
            .When(request.Type is not (ReceiptTypes.Delivered or ReceiptTypes.Read), "type", "must be \"delivered\" or \"read\".")
            .Required("upToSeq", request.UpToSeq)
            .Range("upToSeq", request.UpToSeq, 0, long.MaxValue)
            .ThrowIfInvalid();
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = await chatService.LoadVisibleAsync(callerId, chatId, StatesToRead.Of(callerId), ct);
            var upTo = Math.Min(request.UpToSeq!.Value, snapshot.Value.LastSeq);
            var stored = snapshot.StateOf(callerId);
            var now = time.GetUtcNow();
            var state = stored?.Value ?? new ReceiptState(callerId, 0, 0, now);
            var advances = Advances(state, request.Type == ReceiptTypes.Read, upTo, now);
            if (advances.Length == 0)
            {
                return [];
            }

            var moved = state with { DeliveredSeq = Math.Max(state.DeliveredSeq, upTo), ReadSeq = advances[^1].Type == ReceiptTypes.Read ? upTo : state.ReadSeq, UpdatedAt = now };

            // The state and its history move together: after any failure nothing moved, and a retry completes it.
            if (await receipts.TrySaveAsync(chatId, moved, stored?.ETag, advances, ct))
            {
                // A read receipt implies delivered, so one event says it all.
                var shown = advances[^1];
                await realtime.SendToGroupAsync(chatId, ClientMethods.Receipt, new ReceiptEvent(chatId, callerId, shown.Type, shown.UpToSeq, now), ct);
                return advances;
            }

            await Backoff.Contention.PauseAsync(attempt, "receipt store (contention)", ct);
        }
    }

    private static ReceiptAdvance[] Advances(ReceiptState state, bool read, long upTo, DateTimeOffset now)
    {
        var advances = new List<ReceiptAdvance>();
        if (upTo > state.DeliveredSeq)
        {
            advances.Add(new ReceiptAdvance(state.UserId, ReceiptTypes.Delivered, state.DeliveredSeq, upTo, now));
        }

        if (read && upTo > state.ReadSeq)
        {
            advances.Add(new ReceiptAdvance(state.UserId, ReceiptTypes.Read, state.ReadSeq, upTo, now));
        }

        return advances.ToArray();
    }

    /// <summary>Who received and read one of the caller's messages. Cost: 1 point read (chat),
    /// 1 point read (message), 1 single-partition query (advances covering it).</summary>
    public async Task<IReadOnlyList<MemberReceiptView>> ReceiptsOfAsync(string callerId, string chatId, long seq, CancellationToken ct)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        var message = await messages.GetAsync(chatId, seq, ct);
        if (!MessageViews.Visible(chat, callerId, message, time.GetUtcNow()))
        {
            throw ChatErrors.NotFound("message");
        }

        if (message!.SenderId != callerId)
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

    /// <summary>The preview of the message a reply quotes: 1 point read, for replies only; 400 unless the sender sees it.</summary>
    private async Task<ReplyPreview?> QuotedAsync(string callerId, ChatRecord chat, long? replyToSeq, CancellationToken ct)
    {
        if (replyToSeq is not { } seq)
        {
            return null;
        }

        var quoted = seq >= 1 && seq <= chat.LastSeq && chat.Member(callerId)!.Sees(seq) ? await messages.GetAsync(chat.ChatId, seq, ct) : null;
        return !MessageViews.Visible(chat, callerId, quoted, time.GetUtcNow())
            ? throw ChatErrors.Invalid("replyToSeq", "does not name a message of this chat.")
            : ReplyQuotes.PreviewOf(quoted!);
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
}
