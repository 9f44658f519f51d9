namespace Chat.Core.Ports;

using Chat.Core.Accounts;
using Chat.Core.Common;

/// <summary>Per-user data, partitioned by user id: profile, chat index, sessions.</summary>
public interface IUserStore
{
    Task<Versioned<UserAccount>?> GetAsync(string userId, CancellationToken ct);

    /// <summary>Point reads of many profiles (missing ones are left out).</summary>
    Task<IReadOnlyList<UserAccount>> GetManyAsync(IReadOnlyCollection<string> userIds, CancellationToken ct);

    Task<bool> TryCreateAsync(UserAccount user, CancellationToken ct);

    Task<bool> TryReplaceAsync(UserAccount user, string etag, CancellationToken ct);

    Task DeleteAsync(string userId, CancellationToken ct);

    /// <summary>Lists the chat for the user, as last active at <paramref name="activityAt"/>, with its members;
    /// an entry the user has already is left as it is (the chat-list job moves it).</summary>
    Task AddChatAsync(string userId, string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> memberIds, CancellationToken ct);

    Task RemoveChatAsync(string userId, string chatId, CancellationToken ct);

    /// <summary>Moves the chat's entry in the user's list forward to <paramref name="activityAt"/> with the chat's
    /// members (the same activity may bring other members); an entry with newer activity, or gone (the user
    /// left), is left as it is.</summary>
    Task TouchChatAsync(string userId, string chatId, DateTimeOffset activityAt, IReadOnlyCollection<string> memberIds, CancellationToken ct);

    /// <summary>Everyone who shares a chat with the user, less whoever has blocked the user, from the members on the user's
    /// list entries: 1 single-partition query.</summary>
    Task<IReadOnlySet<string>> ListContactsAsync(string userId, CancellationToken ct);

    /// <summary>Marks (or unmarks) in <paramref name="userId"/>'s partition that <paramref name="blockerId"/> has blocked them,
    /// so their contacts leave the blocker out (API v1.1 blocking); idempotent.</summary>
    Task SetBlockedByAsync(string userId, string blockerId, bool blocked, CancellationToken ct);

    /// <summary>Every chat on the user's list, archived or not, in no order: 1 single-partition query (a page per 1,000).</summary>
    Task<IReadOnlyList<ChatListEntry>> ListAllChatsAsync(string userId, CancellationToken ct);

    /// <summary>The user's entry of one chat (where it sits in their list); null when none.</summary>
    Task<ChatListEntry?> GetChatEntryAsync(string userId, string chatId, CancellationToken ct);

    /// <summary>How many of the user's chats are pinned: 1 query.</summary>
    Task<int> CountPinnedAsync(string userId, CancellationToken ct);

    /// <summary>Pins, unpins, archives or unarchives the entry; an unpinned one goes back to its place by <paramref name="activityAt"/>.</summary>
    Task SetPlacementAsync(string userId, string chatId, bool pinned, bool archived, DateTimeOffset activityAt, CancellationToken ct);

    Task CreateSessionAsync(SessionRecord session, CancellationToken ct);

    /// <summary>The user's sessions that are not revoked: 1 single-partition query.</summary>
    Task<IReadOnlyList<SessionRecord>> ListSessionsAsync(string userId, CancellationToken ct);

    /// <summary>Null when there is no such session; a store that cannot be read throws <c>ChatException</c> Unavailable.</summary>
    Task<Versioned<SessionRecord>?> GetSessionAsync(string userId, string sessionId, CancellationToken ct);

    Task<bool> TryReplaceSessionAsync(SessionRecord session, string etag, CancellationToken ct);
}

/// <summary>A chat in a user's list, where its last activity (or pinning it) put it. A pinned entry keeps the
/// activity it had when pinned: the list lists pinned chats first, and orders them by their heads.</summary>
public sealed record ChatListEntry(string ChatId, DateTimeOffset ActivityAt, bool Pinned = false, bool Archived = false);

/// <summary>Where a page of the chat list ends: its last chat, and the snapshot of the order the pages after it come from.</summary>
public sealed record ChatListCursor(ChatListEntry Last, string? Snapshot = null);

/// <summary>A page of a user's order, and the snapshot of it that the following pages read (null when there is none).</summary>
public sealed record ChatListSlice(IReadOnlyList<ChatListEntry> Entries, string? Snapshot);

/// <summary>Global keys looked up by value: phone numbers, pending registrations, invite codes.</summary>
public interface IDirectoryStore
{
    Task<string?> FindUserIdByPhoneAsync(string phoneNumber, CancellationToken ct);

    /// <summary>Maps the registered numbers among <paramref name="phoneNumbers"/> to user ids.</summary>
    Task<IReadOnlyDictionary<string, string>> FindUserIdsByPhoneAsync(IReadOnlyCollection<string> phoneNumbers, CancellationToken ct);

    /// <summary>Binds a number to a user; false when it is bound already.</summary>
    Task<bool> TryClaimPhoneAsync(string phoneNumber, string userId, CancellationToken ct);

    /// <summary>The record one phone number's registrations share (tries, SMS counters, pending ids).</summary>
    Task<Versioned<PhoneVerification>?> GetVerificationAsync(string phoneNumber, CancellationToken ct);

    /// <summary>False when the number has a record already.</summary>
    Task<bool> TryCreateVerificationAsync(PhoneVerification verification, CancellationToken ct);

    /// <summary>False when the record changed (or vanished) since <paramref name="etag"/>.</summary>
    Task<bool> TryReplaceVerificationAsync(PhoneVerification verification, string etag, CancellationToken ct);

    Task DeleteVerificationAsync(string phoneNumber, CancellationToken ct);

    /// <summary>Stores one registration beside the others of its number; it never replaces one.</summary>
    Task CreateRegistrationAsync(PendingRegistration registration, CancellationToken ct);

    Task<PendingRegistration?> GetRegistrationAsync(string phoneNumber, string registrationId, CancellationToken ct);

    Task DeleteRegistrationAsync(string phoneNumber, string registrationId, CancellationToken ct);

    Task SetInviteAsync(string inviteCode, string chatId, CancellationToken ct);

    Task<string?> FindInviteAsync(string inviteCode, CancellationToken ct);

    Task DeleteInviteAsync(string inviteCode, CancellationToken ct);
}

/// <summary>Sends the verification SMS (Azure Communication Services, or the local sink).</summary>
public interface ISmsSender
{
    Task SendAsync(string phoneNumber, string text, CancellationToken ct);
}

/// <summary>Issues and reads tokens. Tokens are derived from their inputs, so the same
/// (session, generation, issuedAt) always yields the same pair: a retried refresh gets it again.</summary>
public interface ITokenService
{
    IssuedTokens Issue(string userId, string sessionId, long generation, DateTimeOffset issuedAt);

    RefreshTokenClaims? ReadRefreshToken(string refreshToken);

    /// <summary>A session's refresh tokens are refused this long after its creation, however often rotated.</summary>
    TimeSpan RefreshTokenLifetime { get; }
}
