namespace Chat.Core.Reactions;

using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Realtime;

/// <summary>
/// Reactions (API v1.1): one per member per message, a new one replacing the old. Each is an item of
/// its own, so 100 members reacting to one message at once are 100 writes to 100 items: no ETag to
/// fight over, none lost. Cost of a reaction: 1 point read (the chat's head), 1 query (the message and
/// its reactions), 1 batch (the upsert and a read of the message) or 1 delete; then one <c>reaction</c> event to the chat's group.
/// </summary>
public sealed class ReactionService(ChatService chatService, IMessageStore messages, IReactionStore reactions, IRealtime realtime, TimeProvider time)
{
    /// <summary>Sets the caller's reaction; the answer is the message's reactions with it (as read just before, plus the caller's).</summary>
    public async Task<ReactionsView> ReactAsync(string callerId, string chatId, long seq, ReactionRequest request, CancellationToken ct)
    {
        if (!Emoji.IsSingle(request.Emoji))
        {
            throw ChatErrors.Invalid("emoji", $"must be one emoji (one grapheme cluster of at most {Emoji.MaxLength} UTF-16 code units).");
        }

        var stored = await LoadAsync(callerId, chatId, seq, ct, posting: true);
        var reaction = new ReactionRecord(chatId, seq, callerId, request.Emoji!, time.GetUtcNow()) { ExpiresAt = stored.Message.ExpiresAt };
        if (!await reactions.PutAsync(reaction, ct))
        {
            throw ChatErrors.NotFound("message"); // deleted while this request ran
        }

        await realtime.SendToGroupAsync(chatId, ClientMethods.Reaction, new ReactionEvent(chatId, seq, callerId, reaction.Emoji, reaction.At), ct);
        return View(chatId, seq, stored.Reactions.Where(r => r.UserId != callerId).Append(reaction));
    }

    /// <summary>Removes the caller's reaction (nothing to remove is fine).</summary>
    public async Task UnreactAsync(string callerId, string chatId, long seq, CancellationToken ct)
    {
        await LoadAsync(callerId, chatId, seq, ct, posting: false);
        if (await reactions.RemoveAsync(chatId, seq, callerId, ct))
        {
            await realtime.SendToGroupAsync(chatId, ClientMethods.Reaction, new ReactionEvent(chatId, seq, callerId, null, time.GetUtcNow()), ct);
        }
    }

    /// <summary>The message, live and seen by the caller (404 otherwise); a new reaction is posting, which a block refuses (403).</summary>
    private async Task<StoredMessage> LoadAsync(string callerId, string chatId, long seq, CancellationToken ct, bool posting)
    {
        var chat = await chatService.LoadVisibleAsync(callerId, chatId, ct);
        var stored = MessageViews.LiveOrNotFound(chat, callerId, await messages.GetWithReactionsAsync(chatId, seq, ct), time.GetUtcNow()).Value;
        if (posting)
        {
            BlockRules.EnsureMayPost(chat);
        }

        return stored;
    }

    private static ReactionsView View(string chatId, long seq, IEnumerable<ReactionRecord> all) => new(chatId, seq, MessageViews.Reactions(all));
}
