namespace Chat.Core.Messages;

using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>Editing a sent message (API v1.1): the sender only, within <see cref="EditWindow"/> of its sentAt.</summary>
public sealed partial class MessageEditService(
    ChatService chatService,
    IMessageStore messages,
    IRealtime realtime,
    IOptions<LimitsOptions> limits,
    TimeProvider time,
    ILogger<MessageEditService> logger)
{
    /// <summary>How long after sending a message its sender may still change its text.</summary>
    public static readonly TimeSpan EditWindow = TimeSpan.FromMinutes(15);

    /// <summary>Whether a message sent at <paramref name="sentAt"/> may still be edited at <paramref name="now"/>.</summary>
    public static bool WithinWindow(DateTimeOffset sentAt, DateTimeOffset now) => now - sentAt <= EditWindow;

    /// <summary>
    /// Replaces the text and sets editedAt, then sends <c>messageEdited</c> to every member. Cost by design (the
    /// benchmark does not run edits): 1 query
    /// (head and receipt states), 1 query (the message and its reactions), 1 replace under the message's
    /// ETag (a concurrent delete wins: the edit reads again and answers 404), 1 query for replies quoting
    /// it (their previews get the new text); editing the chat's last message also rewrites the chat (as a
    /// delete does), so the chat list shows the new text.
    /// </summary>
    public async Task<MessageView> EditAsync(string callerId, string chatId, long seq, EditMessageRequest request, CancellationToken ct)
    {
        var text = UntrustedText.Clean(request.Text);
        new Validator()
            .Length("text", text, 1, limits.Value.MaxTextLength)
            .When(text is not null && string.IsNullOrWhiteSpace(text), "text", "must not be blank.")
            .ThrowIfInvalid();
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = await chatService.LoadVisibleAsync(callerId, chatId, StatesToRead.Everyone, ct);
            var now = time.GetUtcNow();
            var stored = MessageViews.LiveOrNotFound(snapshot.Value, callerId, await messages.GetWithReactionsAsync(chatId, seq, ct), now);
            var message = stored.Value.Message;
            BlockRules.EnsureMayPost(snapshot.Value);
            if (message.SenderId != callerId)
            {
                throw ChatErrors.Forbidden("Only the sender can edit a message.");
            }

            if (!WithinWindow(message.SentAt, now))
            {
                throw ChatErrors.Policy($"A message can be edited for {EditWindow.TotalMinutes:0} minutes after it was sent.");
            }

            var edited = message with { Text = text, EditedAt = now };
            if (await messages.TryReplaceAsync(edited, stored.ETag, ct))
            {
                var announced = await AnnounceAsync(snapshot, edited, stored.Value.Reactions, ct);
                return announced with { ReplyTo = ReplyQuotes.View(edited.ReplyTo, snapshot.Value.Member(callerId)!.JoinedAfterSeq, now) };
            }

            await Backoff.Contention.PauseAsync(attempt, "message store (contention)", ct);
        }
    }

    /// <summary>After the edit is stored: the chat's copy and the reply previews follow (best effort, never a 5xx: the
    /// edit stands), from the message as it is now, so a delete that got in between is not undone; then the event.</summary>
    private async Task<MessageView> AnnounceAsync(ChatSnapshot snapshot, MessageRecord edited, IReadOnlyList<Reactions.ReactionRecord> reactions, CancellationToken ct)
    {
        var chat = snapshot.Value;
        try
        {
            var current = await messages.GetAsync(chat.ChatId, edited.Seq, ct) ?? edited;
            if (chat.LastMessage?.Seq == edited.Seq)
            {
                await chatService.MutateAsync(chat.ChatId, c => c.LastMessage is { Deleted: false } m && m.Seq == edited.Seq ? c with { LastMessage = current } : c, ct);
            }

            await ReplyQuotes.RefreshAsync(messages, chatService, chat, current, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFollowUpFailed(logger, e, chat.ChatId, edited.Seq);
        }

        var view = MessageViews.ToView(edited, MessageViews.Status(chat, edited, snapshot.StatesByUser), time.GetUtcNow(), reactions, ReplyQuotes.EveryMemberFloor(chat));
        await realtime.SendToGroupAsync(chat.ChatId, ClientMethods.MessageEdited, view, ct);
        return view;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Seq} of chat {ChatId} was edited, but its copies (chat, reply previews) were not all renewed")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception, string chatId, long seq);
}
