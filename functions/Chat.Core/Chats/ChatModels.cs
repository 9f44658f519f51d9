namespace Chat.Core.Chats;

using System.Text.Json.Serialization;
using Chat.Core.Messages;

public static class ChatTypes
{
    public const string Direct = "direct";
    public const string Group = "group";
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Member = "member";
}

/// <summary>A current member. <see cref="JoinedAfterSeq"/> is the chat's last seq when they joined:
/// they see (and are counted for) messages above it.</summary>
public sealed record ChatMember
{
    public required string UserId { get; init; }

    public required string Role { get; init; }

    public required DateTimeOffset JoinedAt { get; init; }

    public long JoinedAfterSeq { get; init; }

    /// <summary>Until when the member gets no push notifications for this chat (API v1.1); null: not muted.</summary>
    public DateTimeOffset? MutedUntil { get; init; }

    /// <summary>A member sees the messages sent after they joined, never one from before.</summary>
    public bool Sees(long seq) => seq > JoinedAfterSeq;

    public bool IsMutedAt(DateTimeOffset now) => MutedUntil > now;
}

/// <summary>A former membership, kept so receipts count exactly the members a message was sent to.</summary>
public sealed record PastMember(string UserId, long JoinedAfterSeq, long LeftAtSeq);

/// <summary>A chat: its metadata and members (stored apart, written rarely) and its head (the newest
/// message, written by every send); the store keeps them as two items in the chat's partition.</summary>
public sealed record ChatRecord
{
    public required string ChatId { get; init; }

    public required string Type { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public required IReadOnlyList<ChatMember> Members { get; init; }

    public IReadOnlyList<PastMember> PastMembers { get; init; } = [];

    public long LastSeq { get; init; }

    public MessageRecord? LastMessage { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset LastActivityAt { get; init; }

    public string? InviteCode { get; init; }

    /// <summary>A direct chat only: the members who have blocked the other one (API v1.1), kept here because every
    /// send reads the chat anyway, so a block costs a send nothing.</summary>
    public IReadOnlyList<string> BlockedBy { get; init; } = [];

    /// <summary>The disappearing-messages timer in seconds (API v1.1; 0: off): a message sent while it is on expires that long after it was sent.</summary>
    public int MessageTimer { get; init; }

    /// <summary>The first seq from which on messages expire in seq order (<see cref="MessageTimers.FromSeqAfterChange"/>;
    /// 0 for a chat whose timer was never set): once one of them has expired, so have all before it.</summary>
    public long TimerFromSeq { get; init; }

    /// <summary>Head data: when each of the chat's last messages expires, newest first (unix milliseconds, 0: never), so
    /// unread counts leave out the expired (<see cref="UnreadCounts"/>); empty while none of them disappears. Stored in
    /// the head only (never in the chat's metadata item).</summary>
    [JsonIgnore]
    public IReadOnlyList<long> RecentExpiries { get; init; } = [];

    public ChatMember? Member(string userId) => Members.FirstOrDefault(m => m.UserId == userId);

    public bool IsAdmin(string userId) => Member(userId)?.Role == Roles.Admin;

    /// <summary>Whether every current member sees <paramref name="seq"/>: what a group-wide event may carry.</summary>
    public bool AllMembersSee(long seq) => Members.All(m => m.Sees(seq));
}

public sealed record MemberView(string UserId, string Role, DateTimeOffset JoinedAt);

public sealed record ChatView(
    string ChatId,
    string Type,
    string? Name,
    string? Description,
    IReadOnlyList<MemberView> Members,
    MessageView? LastMessage,
    long LastSeq,
    long? ReadSeq,
    long? UnreadCount,
    DateTimeOffset CreatedAt,
    ChatSettingsView? Settings = null,
    int MessageTimer = 0);

/// <summary>The caller's own settings of a chat (API v1.1); absent from events, which go to every member.</summary>
public sealed record ChatSettingsView(DateTimeOffset? MutedUntil, bool Pinned, bool Archived);

/// <summary>PATCH /settings: each field changes only when present; <c>mutedUntil: null</c> unmutes (hence a JSON element).</summary>
public sealed record ChatSettingsRequest(System.Text.Json.JsonElement MutedUntil, bool? Pinned, bool? Archived);

public sealed record ChatPage(IReadOnlyList<ChatView> Chats, string? NextCursor);

public sealed record OpenDirectRequest(string? UserId);

public sealed record CreateGroupRequest(string? Name, IReadOnlyList<string?>? MemberIds);

public sealed record UpdateGroupRequest(string? Name, string? Description);

public sealed record AddMembersRequest(IReadOnlyList<string?>? UserIds);

public sealed record JoinGroupRequest(string? InviteCode);

public sealed record InviteView(string InviteCode);

/// <summary>PUT /timer: the disappearing-messages timer in seconds.</summary>
public sealed record TimerRequest(int? Seconds);

/// <summary>The timer values API v1.1 allows: off, 24 hours, 7 days, 90 days.</summary>
public static class MessageTimers
{
    public static readonly IReadOnlySet<int> Allowed = new HashSet<int> { 0, 86_400, 604_800, 7_776_000 };

    /// <summary>When a message sent at <paramref name="sentAt"/> under a timer of <paramref name="seconds"/> expires; null when off.</summary>
    public static DateTimeOffset? ExpiryOf(DateTimeOffset sentAt, int seconds) => seconds > 0 ? sentAt.AddSeconds(seconds) : null;

    /// <summary>
    /// <see cref="ChatRecord.TimerFromSeq"/> once the timer becomes <paramref name="seconds"/>. Messages sent under one timer,
    /// or under a timer no shorter than the one before, expire in the order they were sent; a timer turned on, or made
    /// shorter, starts a new run at the next seq. Turned off, the run stays: the messages after it never expire.
    /// </summary>
    public static long FromSeqAfterChange(ChatRecord chat, int seconds) =>
        seconds > 0 && (chat.MessageTimer == 0 || seconds < chat.MessageTimer) ? chat.LastSeq + 1 : chat.TimerFromSeq;
}
