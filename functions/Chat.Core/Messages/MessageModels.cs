namespace Chat.Core.Messages;

using Chat.Core.Reactions;

public static class MessageTypes
{
    public const string Text = "text";
    public const string Image = "image";
    public const string Video = "video";
    public const string Audio = "audio";
    public const string File = "file";
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "text", "image", "video", "audio", "file" };
}

public static class ReceiptTypes
{
    public const string Delivered = "delivered";
    public const string Read = "read";
}

public static class MessageStatus
{
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Read = "read";
}

public sealed record MediaRef(string MediaId, string FileName, string ContentType, long SizeBytes)
{
    /// <summary>The image gets no thumbnail (it cannot be decoded within the limits), so views show no thumbnailUrl.</summary>
    public bool NoThumbnail { get; init; }
}

/// <summary>A stored message; its store id is derived from <see cref="Seq"/>, which makes claiming
/// a seq and writing the message one write.</summary>
public sealed record MessageRecord
{
    public required string ChatId { get; init; }

    public required long Seq { get; init; }

    public required string MessageId { get; init; }

    public required string ClientMessageId { get; init; }

    public required string SenderId { get; init; }

    public required string Type { get; init; }

    public string? Text { get; init; }

    public MediaRef? Media { get; init; }

    public long? ReplyToSeq { get; init; }

    /// <summary>The preview of the message <see cref="ReplyToSeq"/> names (<see cref="ReplyQuotes"/>); null on older replies.</summary>
    public ReplyPreview? ReplyTo { get; init; }

    public required DateTimeOffset SentAt { get; init; }

    /// <summary>When the sender last changed <see cref="Text"/> (API v1.1); null when never edited.</summary>
    public DateTimeOffset? EditedAt { get; init; }

    public bool Deleted { get; init; }

    /// <summary>When the message disappears for everyone (API v1.1: sent while the chat's timer was on); null: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gone for everyone from <see cref="ExpiresAt"/> on: every read path treats it as not there.</summary>
    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt <= now;

    /// <summary>A copy of a message from another chat (or this one) that the sender forwarded (API v1.1); it quotes nothing.</summary>
    public bool Forwarded { get; init; }
}

/// <summary>A member's cumulative receipt positions in one chat (a small item per member).</summary>
public sealed record ReceiptState(string UserId, long DeliveredSeq, long ReadSeq, DateTimeOffset UpdatedAt)
{
    /// <summary>The member's last own message: sending implies having read what came before.</summary>
    public long LastSentSeq { get; init; }

    /// <summary>Where the member has got to: what they read, or sent after reading.</summary>
    public long SeenSeq() => Math.Max(ReadSeq, LastSentSeq);
}

/// <summary>One forward move of a receipt: it covers the seqs in (FromSeq, UpToSeq], first at <see cref="At"/>.</summary>
public sealed record ReceiptAdvance(string UserId, string Type, long FromSeq, long UpToSeq, DateTimeOffset At);

/// <summary>What a reply shows of the message it quotes, as stored with the reply.</summary>
public sealed record ReplyPreview(long Seq, string SenderId, string Type, string? Text, bool Deleted)
{
    /// <summary>When the quoted message expires: from then on the preview shows no text (API v1.1).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>The API's <c>replyTo</c>: no text for a viewer who cannot see the quoted message; deleted only when true.</summary>
public sealed record ReplyToView(long Seq, string SenderId, string Type, string? Text, bool? Deleted);

public sealed record MediaView(string MediaId, string FileName, string ContentType, long SizeBytes, string Url, string? ThumbnailUrl);

public sealed record MessageView(
    string ChatId,
    long Seq,
    string MessageId,
    string ClientMessageId,
    string SenderId,
    string Type,
    string? Text,
    MediaView? Media,
    long? ReplyToSeq,
    DateTimeOffset SentAt,
    string Status,
    bool? Deleted,
    DateTimeOffset? EditedAt,
    IReadOnlyList<ReactionView> Reactions,
    ReplyToView? ReplyTo = null,
    DateTimeOffset? ExpiresAt = null,
    bool? Forwarded = null);

/// <param name="NextBeforeSeq">Search only: the <c>beforeSeq</c> of the next request when <paramref name="HasMore"/> (also when
/// this page came back short because the scan budget ran out); null for history.</param>
public sealed record MessagePage(IReadOnlyList<MessageView> Messages, bool HasMore, long? NextBeforeSeq = null);

public sealed record StoredPage(IReadOnlyList<MessageRecord> Messages, bool HasMore);

public sealed record SendMessageRequest(string? ClientMessageId, string? Type, string? Text, string? MediaId, long? ReplyToSeq);

public sealed record SendResult(MessageView Message, bool Created);

/// <summary>POST .../messages/{seq}/forward: the target chats (1..5, distinct) and the caller's id for this forward.</summary>
public sealed record ForwardRequest(IReadOnlyList<string?>? ChatIds, string? ClientMessageId);

/// <summary>The forwarded messages in the order of the request's chatIds; <paramref name="Created"/> when this call wrote any of them.</summary>
public sealed record ForwardResult(IReadOnlyList<MessageView> Messages, bool Created);

/// <summary>The body of a forward's answer.</summary>
public sealed record ForwardedMessages(IReadOnlyList<MessageView> Messages);

public sealed record EditMessageRequest(string? Text);

/// <summary>A stored message and the members' reactions to it.</summary>
public sealed record StoredMessage(MessageRecord Message, IReadOnlyList<ReactionRecord> Reactions);

public sealed record ReceiptRequest(string? Type, long? UpToSeq);

public sealed record MemberReceiptView(string UserId, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt);

public sealed record HistoryQuery(long? BeforeSeq, long? AfterSeq, int? Limit);
