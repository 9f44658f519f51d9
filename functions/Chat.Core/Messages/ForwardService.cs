namespace Chat.Core.Messages;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;

/// <summary>
/// Forwards a message into 1..<see cref="MaxTargets"/> chats (API v1.1). Each forward is a new message of its
/// target, sent by the caller through <see cref="MessageAppender"/> like any send (gap-free seq, the send key
/// per (chat, sender, clientMessageId) in the same batch, the <c>message</c> event, push, chat lists), with the
/// source's type, text and media, <c>forwarded: true</c> and no reply. Everything is checked before anything
/// is written (the source is live and seen by the caller, the caller may send into every target, the rate
/// limit has room for one message per target), so a refusal writes nothing anywhere; each target is then one
/// atomic append, and a retry with the same clientMessageId finds the targets already stored and completes the
/// others. Media stays one blob: each forward becomes one more carrier of it (<see cref="MediaService.AddCarrierAsync"/>).
/// Cost by design (not in the benchmark): 1 point read of the source chat's head and 1 query (the source and
/// its reactions), then per target 1 point read of its head and 1 transactional batch, so 2 + 2 per target
/// Cosmos requests (a target stored by an earlier try: 1 failed batch and 1 query instead of the batch); media
/// adds 1 read and 1 replace of the media record per target; then per target what a send's announcement costs
/// (see <see cref="MessageService.SendAsync"/>).
/// </summary>
public sealed class ForwardService(
    ChatService chatService,
    MessageAppender appender,
    MediaService media,
    IMessageStore messages,
    IRateLimiter limiter,
    IOptions<LimitsOptions> limits,
    TimeProvider time,
    ChatMetrics metrics)
{
    public const int MaxTargets = 5;

    /// <summary>The forwards in the order of <c>chatIds</c>; <see cref="ForwardResult.Created"/> when this call stored
    /// any (201), not when every one was stored before (200, a retry: nothing duplicated).</summary>
    public async Task<ForwardResult> ForwardAsync(string callerId, string chatId, long seq, ForwardRequest request, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var targetIds = Validate(request);
        MessageRecord source;
        Versioned<ChatRecord>[] targets;
        try
        {
            source = await SourceAsync(callerId, chatId, seq, ct);
            targets = await Task.WhenAll(targetIds.Select(id => chatService.LoadVersionedAsync(callerId, id, ct)));
            foreach (var target in targets)
            {
                await appender.EnsureMaySendAsync(target.Value, callerId, ct);
            }

            await limiter.AcquireAsync(limits.Value.Messages, callerId, targets.Length, ct);
        }
        catch (ChatException e) when (e.Kind is ErrorKind.RateLimited or ErrorKind.NotFound or ErrorKind.Forbidden)
        {
            // A retry of a forward that stored every target answers 200 with them, whatever changed since (the limit
            // spent, the source deleted, a block); only refused calls pay this lookup (1 query per target).
            var stored = await StoredAsync(callerId, targetIds, request.ClientMessageId!, ct);
            if (stored is null)
            {
                throw;
            }

            return new ForwardResult(stored, false);
        }

        var forwarded = new List<SendResult>(targets.Length);
        foreach (var target in targets)
        {
            forwarded.Add(await ForwardIntoAsync(callerId, target, source, request.ClientMessageId!, started, ct));
        }

        return new ForwardResult(forwarded.Select(f => f.Message).ToArray(), forwarded.Any(f => f.Created));
    }

    /// <summary>The forwards an earlier call stored under <paramref name="clientMessageId"/> in every target, as the caller sees
    /// them; null when any target lacks one (or the caller is no longer in it). That call may have failed between a store
    /// and its announcement (a carrier that could not be added): each one's carrier and announcement are done again.</summary>
    private async Task<IReadOnlyList<MessageView>?> StoredAsync(string callerId, string[] targetIds, string clientMessageId, CancellationToken ct)
    {
        var found = new List<(ChatRecord Chat, SentMessage Sent)>(targetIds.Length);
        foreach (var targetId in targetIds)
        {
            var chat = Ids.IsWellFormed(targetId) ? (await chatService.GetIfMemberAsync(callerId, targetId, ct)) : null;
            var sent = chat is null ? null : await messages.FindSentAsync(targetId, callerId, clientMessageId, withStates: true, ct);
            if (chat is null || sent is null)
            {
                return null;
            }

            found.Add((chat, sent));
        }

        var views = new List<MessageView>(found.Count);
        foreach (var (chat, sent) in found)
        {
            await AddCarrierAsync(sent.Message, ct);
            views.Add((await appender.ResentAsync(chat, sent, ct)).Message);
        }

        return views;
    }

    /// <summary>A forward of media becomes one more carrier of it (idempotent; nothing for media withdrawn meanwhile).</summary>
    private async Task AddCarrierAsync(MessageRecord forward, CancellationToken ct)
    {
        if (forward.Media is { } carried)
        {
            await media.AddCarrierAsync(carried.MediaId, MediaCarrier.Of(forward), ct);
        }
    }

    /// <summary>400 for a malformed body, then 422 past <see cref="MaxTargets"/> (as groups past their cap).</summary>
    private static string[] Validate(ForwardRequest request)
    {
        var chatIds = request.ChatIds;
        new Validator()
            .Length("clientMessageId", request.ClientMessageId, 1, 64)
            .Required("chatIds", chatIds)
            .When(chatIds is { Count: 0 }, "chatIds", "must name at least one chat.")
            .When(chatIds?.Any(string.IsNullOrEmpty) == true, "chatIds", "must be chat ids.")
            .When(chatIds is not null && chatIds.Distinct(StringComparer.Ordinal).Count() != chatIds.Count, "chatIds", "must not repeat a chat.")
            .ThrowIfInvalid();
        return chatIds!.Count > MaxTargets
            ? throw ChatErrors.Policy($"A message can be forwarded to at most {MaxTargets} chats at once.")
            : chatIds.Select(id => id!).ToArray();
    }

    /// <summary>The message to forward: live and seen by the caller (404 otherwise, as for edits and reactions).</summary>
    private async Task<MessageRecord> SourceAsync(string callerId, string chatId, long seq, CancellationToken ct)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        return MessageViews.LiveOrNotFound(chat, callerId, await messages.GetWithReactionsAsync(chatId, seq, ct), time.GetUtcNow()).Value.Message;
    }

    private async Task<SendResult> ForwardIntoAsync(
        string callerId, Versioned<ChatRecord> target, MessageRecord source, string clientMessageId, long started, CancellationToken ct)
    {
        var draft = new MessageRecord
        {
            ChatId = target.Value.ChatId,
            Seq = 0,
            MessageId = Ids.NewId(),
            ClientMessageId = clientMessageId,
            SenderId = callerId,
            Type = source.Type,
            Text = source.Text,
            Media = source.Media,
            Forwarded = true,
            SentAt = time.GetUtcNow(),
        };
        var (chat, message, stored) = await appender.AppendAsync(callerId, target, draft, ct);

        // Stored from here on (now or by an earlier try). The carrier is added before anyone hears of the forward, and
        // is idempotent: should it fail, the forward answers 503 and its retry adds it, then announces.
        await AddCarrierAsync(message, ct);

        if (stored is not null)
        {
            return await appender.ResentAsync(chat, stored, ct);
        }

        var view = await appender.AnnounceAsync(chat, message, ct);
        metrics.MessageSent(chat.Type, chat.Members.Count - 1, time.GetElapsedTime(started));
        return new SendResult(view, true);
    }
}
