namespace Chat.Core.Realtime;

using System.Text.Json.Serialization;

/// <summary>The server-to-client methods of API.md's Real time section.</summary>
public static class ClientMethods
{
    public const string Message = "message";
    public const string Receipt = "receipt";
    public const string Presence = "presence";
    public const string Typing = "typing";
    public const string Chat = "chat";
    public const string MessageDeleted = "messageDeleted";
    public const string MessageEdited = "messageEdited";
    public const string Reaction = "reaction";
}

public sealed record ReceiptEvent(string ChatId, string UserId, string Type, long UpToSeq, DateTimeOffset At);

public sealed record TypingEvent(string ChatId, string UserId);

public sealed record MessageDeletedEvent(string ChatId, long Seq);

public sealed record PresenceEvent(string UserId, bool Online, DateTimeOffset? LastSeen);

public sealed record NegotiateResult(string Url, string AccessToken);

/// <summary>A membership change of a real-time group, keyed by user id, that the chat <see cref="ChatId"/> decides: its own group, or
/// with <see cref="Group"/> another one it implies (a member's place in their direct-chat partner's <see cref="PresenceGroups"/>);
/// <see cref="Attempt"/> counts the retries of a change that did not land at once.</summary>
public sealed record GroupChange(string ChatId, string UserId, bool Add, int Attempt = 0, string? Group = null)
{
    /// <summary>The group the service changes.</summary>
    [JsonIgnore]
    public string Target => Group ?? ChatId;
}

/// <summary>The closing of one revoked session's real-time connections; <see cref="Attempt"/> counts the retries of a
/// close that did not land at once.</summary>
public sealed record SessionClose(string UserId, string SessionId, int Attempt = 0);
