namespace Chat.Core.Messages;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Reactions;

/// <summary>Turns stored messages into what the API shows, with the sender's receipt status.</summary>
public static class MessageViews
{
    /// <summary>The members a message counts for receipts: members when it was sent, less its sender.</summary>
    public static IEnumerable<string> CountedMembers(ChatRecord chat, MessageRecord message) =>
        chat.Members.Where(m => m.Sees(message.Seq)).Select(m => m.UserId)
            .Concat(chat.PastMembers.Where(p => p.JoinedAfterSeq < message.Seq && message.Seq <= p.LeftAtSeq).Select(p => p.UserId))
            .Where(id => id != message.SenderId)
            .Distinct(StringComparer.Ordinal);

    public static string Status(ChatRecord chat, MessageRecord message, IReadOnlyDictionary<string, ReceiptState> states)
    {
        var counted = CountedMembers(chat, message).ToArray();
        if (counted.Length == 0)
        {
            return MessageStatus.Sent;
        }

        long Min(Func<ReceiptState, long> pick) => counted.Min(id => states.TryGetValue(id, out var s) ? pick(s) : 0);
        if (Min(s => s.ReadSeq) >= message.Seq)
        {
            return MessageStatus.Read;
        }

        return Min(s => s.DeliveredSeq) >= message.Seq ? MessageStatus.Delivered : MessageStatus.Sent;
    }

    /// <summary>The API's view; a deleted message shows neither its content nor its reactions. The quoted text of a
    /// reply shows only to a viewer who sees seqs above <paramref name="replyFloor"/> (<see cref="ReplyQuotes.View"/>).</summary>
    public static MessageView ToView(MessageRecord m, string status, DateTimeOffset now, IReadOnlyList<ReactionRecord>? reactions = null, long replyFloor = 0) => new(
        m.ChatId,
        m.Seq,
        m.MessageId,
        m.ClientMessageId,
        m.SenderId,
        m.Type,
        m.Deleted ? null : m.Text,
        m.Deleted || m.Media is null ? null : ToView(m.Media),
        m.Deleted ? null : m.ReplyToSeq,
        m.SentAt,
        status,
        m.Deleted ? true : null,
        m.Deleted ? null : m.EditedAt,
        m.Deleted || reactions is null ? [] : Reactions(reactions),
        m.Deleted ? null : ReplyQuotes.View(m.ReplyTo, replyFloor, now),
        m.ExpiresAt,
        m.Forwarded && !m.Deleted ? true : null);

    /// <summary>One per member (the store keeps one), oldest first.</summary>
    public static IReadOnlyList<ReactionView> Reactions(IEnumerable<ReactionRecord> reactions) =>
        reactions.OrderBy(r => r.At).ThenBy(r => r.UserId, StringComparer.Ordinal).Select(r => new ReactionView(r.UserId, r.Emoji, r.At)).ToArray();

    public static MediaView ToView(MediaRef media) => new(
        media.MediaId,
        media.FileName,
        media.ContentType,
        media.SizeBytes,
        "/api/media/" + media.MediaId,
        media.ContentType.StartsWith("image/", StringComparison.Ordinal) && !media.NoThumbnail ? $"/api/media/{media.MediaId}/thumbnail" : null);

    /// <summary>A message someone acts on (edits, reacts to): there, not deleted, not expired, and seen by the caller; 404 otherwise.</summary>
    public static Versioned<StoredMessage> LiveOrNotFound(ChatRecord chat, string callerId, Versioned<StoredMessage>? stored, DateTimeOffset now) =>
        stored is { Value.Message: { Deleted: false } message } && Visible(chat, callerId, message, now)
            ? stored
            : throw Errors.ChatErrors.NotFound("message");

    /// <summary>A message the caller may see at <paramref name="now"/>: there, from after their join, and not expired.</summary>
    public static bool Visible(ChatRecord chat, string callerId, MessageRecord? message, DateTimeOffset now) =>
        message is not null && !message.IsExpiredAt(now) && chat.Member(callerId)!.Sees(message.Seq);

    public static IReadOnlyDictionary<string, ReceiptState> ByUser(IEnumerable<ReceiptState> states) =>
        states.ToDictionary(s => s.UserId, StringComparer.Ordinal);
}
