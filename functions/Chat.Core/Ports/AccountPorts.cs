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

    Task AddChatAsync(string userId, string chatId, CancellationToken ct);

    Task RemoveChatAsync(string userId, string chatId, CancellationToken ct);

    Task<IReadOnlyList<string>> ListChatIdsAsync(string userId, CancellationToken ct);

    Task CreateSessionAsync(SessionRecord session, CancellationToken ct);

    /// <summary>Null when there is no such session; a store that cannot be read throws <c>ChatException</c> Unavailable.</summary>
    Task<Versioned<SessionRecord>?> GetSessionAsync(string userId, string sessionId, CancellationToken ct);

    Task<bool> TryReplaceSessionAsync(SessionRecord session, string etag, CancellationToken ct);
}

/// <summary>Global keys looked up by value: phone numbers, pending registrations, invite codes.</summary>
public interface IDirectoryStore
{
    Task<string?> FindUserIdByPhoneAsync(string phoneNumber, CancellationToken ct);

    /// <summary>Maps the registered numbers among <paramref name="phoneNumbers"/> to user ids.</summary>
    Task<IReadOnlyDictionary<string, string>> FindUserIdsByPhoneAsync(IReadOnlyCollection<string> phoneNumbers, CancellationToken ct);

    /// <summary>Binds a number to a user; false when it is bound already.</summary>
    Task<bool> TryClaimPhoneAsync(string phoneNumber, string userId, CancellationToken ct);

    Task<Versioned<PendingRegistration>?> GetRegistrationAsync(string phoneNumber, CancellationToken ct);

    Task UpsertRegistrationAsync(PendingRegistration registration, CancellationToken ct);

    Task<bool> TryReplaceRegistrationAsync(PendingRegistration registration, string etag, CancellationToken ct);

    Task DeleteRegistrationAsync(string phoneNumber, CancellationToken ct);

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
