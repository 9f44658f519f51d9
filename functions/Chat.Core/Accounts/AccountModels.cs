namespace Chat.Core.Accounts;

public static class LastSeenVisibility
{
    public const string Everyone = "everyone";
    public const string Nobody = "nobody";
}

/// <summary>A verified account, stored in the user's own partition.</summary>
public sealed record UserAccount
{
    public required string UserId { get; init; }

    public required string PhoneNumber { get; init; }

    public required string DisplayName { get; init; }

    public string? About { get; init; }

    public string? AvatarMediaId { get; init; }

    public string LastSeenVisibility { get; init; } = Accounts.LastSeenVisibility.Everyone;

    /// <summary>Counts the changes of <see cref="LastSeenVisibility"/>, so the presence cache keeps the newest choice
    /// whatever order concurrent writers reach it in.</summary>
    public long LastSeenVisibilityVersion { get; init; }

    /// <summary>The "hides last seen" choice as the presence cache keeps it (a method: items store no copy of it).</summary>
    public HiddenChoice LastSeenChoice() => new(LastSeenVisibility == Accounts.LastSeenVisibility.Nobody, LastSeenVisibilityVersion);

    public required string PasswordHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The users this one has blocked (API v1.1), oldest first; at most <see cref="Chat.Core.Blocking.BlockRules.MaxBlocked"/>.
    /// Null when none (so profiles without blocks store nothing and compare by value).</summary>
    public IReadOnlyList<BlockedUser>? Blocked { get; init; }

    public IReadOnlyList<BlockedUser> BlockList => Blocked ?? [];

    public bool HasBlocked(string userId) => BlockList.Any(b => b.UserId == userId);
}

/// <summary>Whether a user hides their last seen, as of version <paramref name="Version"/> of the choice.</summary>
public readonly record struct HiddenChoice(bool Hidden, long Version);

/// <summary>One user on another's block list, since <see cref="At"/>.</summary>
public sealed record BlockedUser(string UserId, DateTimeOffset At);

/// <summary>One register call waiting for its SMS code. Written once and never changed: a later
/// register for the same number is a registration of its own.</summary>
public sealed record PendingRegistration
{
    public required string RegistrationId { get; init; }

    public required string PhoneNumber { get; init; }

    public required string DisplayName { get; init; }

    public required string PasswordHash { get; init; }

    public required string CodeHash { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>
/// A login session: a chain of refresh tokens. Token <c>n</c> is valid while <see cref="Generation"/>
/// is <c>n</c>; token <c>n-1</c> is honoured for the retry window after <see cref="RotatedAt"/>.
/// </summary>
public sealed record SessionRecord
{
    public required string UserId { get; init; }

    public required string SessionId { get; init; }

    public required long Generation { get; init; }

    public required DateTimeOffset RotatedAt { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The name the client gave at login (API v1.1), shown in the sessions list.</summary>
    public string? DeviceName { get; init; }

    /// <summary>The last login or refresh of this session; null on sessions from before API v1.1 (then <see cref="RotatedAt"/>).</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    public bool Revoked { get; init; }

    /// <summary>Refresh tokens end at an absolute lifetime from the login, however often they rotate.</summary>
    public bool RefreshExpired(DateTimeOffset now, TimeSpan lifetime) => now >= CreatedAt + lifetime;
}

/// <summary>What a refresh token says once its signature checked out.</summary>
public sealed record RefreshTokenClaims(string UserId, string SessionId, long Generation);

public sealed record IssuedTokens(string UserId, string AccessToken, string RefreshToken, int ExpiresIn);

public sealed record UserView(
    string UserId,
    string? PhoneNumber,
    string DisplayName,
    string? About,
    string? AvatarUrl,
    bool Online,
    DateTimeOffset? LastSeen);

public sealed record RegisterRequest(string? PhoneNumber, string? DisplayName, string? Password);

public sealed record RegisterAccepted(string PhoneNumber, int ExpiresIn, string RegistrationId);

public sealed record VerifyRequest(string? PhoneNumber, string? Code, string? RegistrationId = null);

public sealed record LoginRequest(string? PhoneNumber, string? Password, string? DeviceName = null);

/// <summary>One of the caller's sessions (API v1.1 <c>GET /api/users/me/sessions</c>).</summary>
public sealed record SessionView(string SessionId, string? DeviceName, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, bool Current);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record LogoutRequest(string? RefreshToken, string? InstallationId);

public sealed record UpdateProfileRequest(string? DisplayName, string? About, string? AvatarMediaId, string? LastSeenVisibility);

public sealed record LookupRequest(IReadOnlyList<string?>? PhoneNumbers);
