namespace Chat.Client;

using System.Text.Json;

public sealed record Tokens(string UserId, string AccessToken, string RefreshToken, int ExpiresIn);

/// <summary>One of the caller's sessions (a signed-in device).</summary>
public sealed record Session(string SessionId, string? DeviceName, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, bool Current);

public sealed record RegisterResult(string PhoneNumber, int ExpiresIn, string RegistrationId);

public sealed record User(string UserId, string? PhoneNumber, string DisplayName, string? About, string? AvatarUrl, bool Online, DateTimeOffset? LastSeen);

public sealed record Member(string UserId, string Role, DateTimeOffset JoinedAt);

public sealed record Media(string MediaId, string FileName, string ContentType, long SizeBytes, string Url, string? ThumbnailUrl);

public sealed record Message(
    string ChatId,
    long Seq,
    string MessageId,
    string ClientMessageId,
    string SenderId,
    string Type,
    string? Text,
    Media? Media,
    long? ReplyToSeq,
    DateTimeOffset SentAt,
    string Status,
    bool? Deleted,
    DateTimeOffset? EditedAt = null,
    IReadOnlyList<Reaction>? Reactions = null,
    ReplyTo? ReplyTo = null,
    DateTimeOffset? ExpiresAt = null,
    bool? Forwarded = null);

/// <summary>The answer of POST .../messages/{seq}/forward: one message per target, in the order asked;
/// <see cref="Created"/> when the server answered 201 (it stored some now), false for 200 (all were stored before).</summary>
public sealed record ForwardResult(IReadOnlyList<Message> Messages)
{
    public bool Created { get; init; }
}

/// <summary>What a reply shows of the message it quotes.</summary>
public sealed record ReplyTo(long Seq, string SenderId, string Type, string? Text, bool? Deleted);

public sealed record Reaction(string UserId, string Emoji, DateTimeOffset At);

/// <summary>The answer of PUT .../reactions/me.</summary>
public sealed record MessageReactions(string ChatId, long Seq, IReadOnlyList<Reaction> Reactions);

/// <summary>The <c>reaction</c> event; <see cref="Emoji"/> is null when the member removed theirs.</summary>
public sealed record ReactionEvent(string ChatId, long Seq, string UserId, string? Emoji, DateTimeOffset At);

public sealed record ChatInfo(
    string ChatId,
    string Type,
    string? Name,
    string? Description,
    IReadOnlyList<Member> Members,
    Message? LastMessage,
    long LastSeq,
    long? ReadSeq,
    long? UnreadCount,
    DateTimeOffset CreatedAt,
    ChatSettings? Settings = null,
    int MessageTimer = 0);

/// <summary>The caller's own settings of a chat (absent from events).</summary>
public sealed record ChatSettings(DateTimeOffset? MutedUntil, bool Pinned, bool Archived);

public sealed record ChatList(IReadOnlyList<ChatInfo> Chats, string? NextCursor);

/// <param name="NextBeforeSeq">Search only: the beforeSeq to go on with while <paramref name="HasMore"/>.</param>
public sealed record MessagePage(IReadOnlyList<Message> Messages, bool HasMore, long? NextBeforeSeq = null);

public sealed record MemberReceipt(string UserId, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt);

public sealed record Invite(string InviteCode);

public sealed record SendMessage(string ClientMessageId, string Type, string? Text = null, string? MediaId = null, long? ReplyToSeq = null);

public sealed record ProfileUpdate(string? DisplayName = null, string? About = null, string? AvatarMediaId = null, string? LastSeenVisibility = null);

public sealed record ReceivedSms(string PhoneNumber, string Text, DateTimeOffset At);

public sealed record Health(string Status, IReadOnlyDictionary<string, string>? Checks);

/// <summary>A notification the local Notification Hubs sink rendered for one device.</summary>
public sealed record ReceivedNotification(IReadOnlyList<string> Tags, string Platform, System.Text.Json.JsonElement Payload, DateTimeOffset At);

/// <summary>The problem details of a failed call (API.md, Errors).</summary>
public sealed record Problem(string Type, string Title, int Status, string Detail, string TraceId, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>A call answered with an error status; <see cref="Problem"/> holds the body when it was problem+json.</summary>
public sealed class ChatApiException(int status, Problem? problem, string? contentType, TimeSpan? retryAfter, string rawBody)
    : Exception($"HTTP {status}: {problem?.Detail ?? rawBody}")
{
    public int Status { get; } = status;

    public Problem? Problem { get; } = problem;

    public string? ContentType { get; } = contentType;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public string RawBody { get; } = rawBody;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

public sealed record ReceiptEvent(string ChatId, string UserId, string Type, long UpToSeq, DateTimeOffset At);

public sealed record TypingEvent(string ChatId, string UserId);

public sealed record MessageDeletedEvent(string ChatId, long Seq);

public sealed record PresenceEvent(string UserId, bool Online, DateTimeOffset? LastSeen);

public sealed record Presence(string UserId, bool Online, DateTimeOffset? LastSeen);

public sealed record NegotiateResult(string Url, string AccessToken);

public sealed record UploadTicket(string MediaId, string UploadUrl, IReadOnlyDictionary<string, string> UploadHeaders, DateTimeOffset ExpiresAt);
