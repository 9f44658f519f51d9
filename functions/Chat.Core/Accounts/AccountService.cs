namespace Chat.Core.Accounts;

using System.Security.Cryptography;
using System.Text;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Push;
using Chat.Core.Realtime;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

/// <summary>Registration with SMS verification, login, rotating refresh tokens, logout.</summary>
public sealed class AccountService(
    IUserStore users,
    IDirectoryStore directory,
    ISmsSender sms,
    ITokenService tokens,
    ISessionCheck sessions,
    IRealtime realtime,
    DeviceService devices,
    IRateLimiter limiter,
    IPasswordHasher<UserAccount> hasher,
    IOptions<LimitsOptions> limits,
    TimeProvider time)
{
    /// <summary>A rotated refresh token used again within this window gets the same new pair.</summary>
    public static readonly TimeSpan RefreshRetryWindow = TimeSpan.FromSeconds(10);

    private static readonly UserAccount HashSubject = new()
    {
        UserId = string.Empty, PhoneNumber = string.Empty, DisplayName = string.Empty, PasswordHash = string.Empty, CreatedAt = default,
    };

    private const string WrongCredentials = "Wrong phone number or password, or the number is not verified yet.";

    private string? dummyHash;

    private LimitsOptions Limits => limits.Value;

    /// <summary>Verified against when a login names no account, so both paths cost one hash check.</summary>
    private string DummyHash => dummyHash ??= hasher.HashPassword(HashSubject, Ids.NewId());

    /// <summary>Starts a registration of its own (code, name, password); earlier ones stay as they were.
    /// Cost: 2 point reads, 1 create or replace of the number's record (~0.6 KB + 0.1 KB per pending registration, at most 5), 1 create (~0.6 KB), 1 SMS.</summary>
    public async Task<RegisterAccepted> RegisterAsync(RegisterRequest request, string clientIp, CancellationToken ct)
    {
        new Validator()
            .When(!PhoneNumbers.IsE164(request.PhoneNumber), "phoneNumber", "must be an E.164 number such as +14155550100.")
            .Length("displayName", DisplayNames.Normalize(request.DisplayName), 1, 64)
            .Length("password", request.Password, 8, 128)
            .ThrowIfInvalid();
        await limiter.AcquireAsync(Limits.AuthPerIp, clientIp, ct);
        var phone = request.PhoneNumber!;

        if (await directory.FindUserIdByPhoneAsync(phone, ct) is not null)
        {
            throw ChatErrors.Conflict("The phone number belongs to a verified account.");
        }

        var registrationId = Ids.NewId();
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        string? passwordHash = null;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var now = time.GetUtcNow();
            var stored = await directory.GetVerificationAsync(phone, ct);
            var verification = stored?.Value ?? PhoneVerification.Start(phone, now);
            if (verification.SmsRetryAfter(now, Limits) is { } wait)
            {
                throw ChatErrors.RateLimited(wait);
            }

            // Hashed after the SMS check, so a number past its quota costs no hashing.
            passwordHash ??= hasher.HashPassword(HashSubject, request.Password!);
            var counted = verification.WithRegistration(registrationId, now, Limits);
            var written = stored is null
                ? await directory.TryCreateVerificationAsync(counted, ct)
                : await directory.TryReplaceVerificationAsync(counted, stored.ETag, ct);
            if (!written)
            {
                continue; // a concurrent register or verify changed the record: count again on the new one
            }

            await directory.CreateRegistrationAsync(
                new PendingRegistration
                {
                    RegistrationId = registrationId,
                    PhoneNumber = phone,
                    DisplayName = DisplayNames.Normalize(request.DisplayName)!,
                    PasswordHash = passwordHash,
                    CodeHash = HashCode(phone, registrationId, code),
                    ExpiresAt = now + Limits.VerificationCodeLifetime,
                },
                ct);
            await sms.SendAsync(phone, $"Your Chat verification code is {code}. It expires in {(int)Limits.VerificationCodeLifetime.TotalMinutes} minutes.", ct);
            return new RegisterAccepted(phone, (int)Limits.VerificationCodeLifetime.TotalSeconds, registrationId);
        }

        throw ChatErrors.Unavailable("registration store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>Checks the code of one registration and creates the account from it. Cost: 2 point
    /// reads + 1 replace on a wrong code; 2 point reads, 2 creates and 2 deletes on success.</summary>
    public async Task<UserView> VerifyAsync(VerifyRequest request, string clientIp, CancellationToken ct)
    {
        new Validator()
            .When(!PhoneNumbers.IsE164(request.PhoneNumber), "phoneNumber", "must be an E.164 number.")
            .When(request.Code is null || request.Code.Length != 6 || !request.Code.All(char.IsAsciiDigit), "code", "must be 6 digits.")
            .When(request.RegistrationId is not null && !Ids.IsWellFormed(request.RegistrationId), "registrationId", "is not a registration id.")
            .ThrowIfInvalid();
        await limiter.AcquireAsync(Limits.AuthPerIp, clientIp, ct);
        var phone = request.PhoneNumber!;

        var registration = await CheckCodeAsync(phone, request.RegistrationId, request.Code!, ct);

        var account = new UserAccount
        {
            UserId = Ids.NewId(),
            PhoneNumber = phone,
            DisplayName = registration.DisplayName,
            PasswordHash = registration.PasswordHash,
            CreatedAt = time.GetUtcNow(),
        };

        // The profile first, then the number: a number never points at a missing profile.
        await users.TryCreateAsync(account, ct);
        if (!await directory.TryClaimPhoneAsync(phone, account.UserId, ct))
        {
            await users.DeleteAsync(account.UserId, ct);
            throw ChatErrors.Conflict("The phone number belongs to a verified account.");
        }

        // The number's other registrations expire on their own; without the record none can be verified.
        await directory.DeleteRegistrationAsync(phone, registration.RegistrationId, ct);
        await directory.DeleteVerificationAsync(phone, ct);
        return UserViews.Self(account);
    }

    /// <summary>Cost: 2 point reads, 1 hash check and 1 create (session); an unknown number runs
    /// the same hash check against a dummy hash, so it answers no faster.</summary>
    public async Task<IssuedTokens> LoginAsync(LoginRequest request, string clientIp, CancellationToken ct)
    {
        var deviceName = UntrustedText.Clean(request.DeviceName);
        new Validator()
            .Required("phoneNumber", request.PhoneNumber)
            .When(request.PhoneNumber is { Length: > 0 } && !PhoneNumbers.IsE164(request.PhoneNumber), "phoneNumber", "must be an E.164 number.")
            .Required("password", request.Password)
            .Length("deviceName", deviceName, 1, 64, required: false)
            .ThrowIfInvalid();
        await limiter.AcquireAsync(Limits.AuthPerIp, clientIp, ct);
        var failureKey = request.PhoneNumber + "|" + clientIp;
        await limiter.ThrowIfExhaustedAsync(Limits.FailedLogins, failureKey, ct);

        var userId = await directory.FindUserIdByPhoneAsync(request.PhoneNumber!, ct);
        var user = userId is null ? null : await users.GetAsync(userId, ct);
        var check = user is null
            ? hasher.VerifyHashedPassword(HashSubject, DummyHash, request.Password!)
            : hasher.VerifyHashedPassword(user.Value, user.Value.PasswordHash, request.Password!);
        if (user is null || check == PasswordVerificationResult.Failed)
        {
            await limiter.RecordAsync(Limits.FailedLogins, failureKey, ct);
            throw ChatErrors.Unauthorized(WrongCredentials);
        }

        if (check == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.TryReplaceAsync(user.Value with { PasswordHash = hasher.HashPassword(user.Value, request.Password!) }, user.ETag, ct);
        }

        var now = time.GetUtcNow();
        var session = new SessionRecord
        {
            UserId = user.Value.UserId, SessionId = Ids.NewId(), Generation = 1, RotatedAt = now, CreatedAt = now, LastUsedAt = now, DeviceName = deviceName,
        };
        await users.CreateSessionAsync(session, ct);
        return tokens.Issue(session.UserId, session.SessionId, session.Generation, now);
    }

    /// <summary>Rotates the refresh token; a session past its refresh-token lifetime, or whose old token
    /// is used again after the retry window, is revoked. Cost: 1 point read and 1 replace.</summary>
    public async Task<IssuedTokens> RefreshAsync(RefreshRequest request, string clientIp, CancellationToken ct)
    {
        await limiter.AcquireAsync(Limits.AuthPerIp, clientIp, ct);
        new Validator().Required("refreshToken", request.RefreshToken).ThrowIfInvalid();
        var claims = tokens.ReadRefreshToken(request.RefreshToken!) ?? throw ChatErrors.Unauthorized("The refresh token is not valid.");

        for (var attempt = 0; attempt < 10; attempt++)
        {
            var stored = await users.GetSessionAsync(claims.UserId, claims.SessionId, ct);
            if (stored is null || stored.Value.Revoked)
            {
                if (stored is not null)
                {
                    await sessions.RevokedAsync(claims.UserId, claims.SessionId, ct);
                }

                throw ChatErrors.Unauthorized("The session has ended; log in again.");
            }

            var session = stored.Value;
            var now = time.GetUtcNow();

            // A retried request gets the pair it already got, even just past the lifetime: nothing new is granted.
            if (claims.Generation == session.Generation - 1 && now - session.RotatedAt <= RefreshRetryWindow)
            {
                return tokens.Issue(session.UserId, session.SessionId, session.Generation, session.RotatedAt);
            }

            var expired = session.RefreshExpired(now, tokens.RefreshTokenLifetime);
            if (claims.Generation == session.Generation && !expired)
            {
                var rotated = session with { Generation = session.Generation + 1, RotatedAt = now, LastUsedAt = now };
                if (await users.TryReplaceSessionAsync(rotated, stored.ETag, ct))
                {
                    return tokens.Issue(rotated.UserId, rotated.SessionId, rotated.Generation, now);
                }

                continue; // a concurrent retry rotated it first: re-read and take the retry path
            }

            // An old token used again may have been stolen, and an expired session is over: either way
            // the whole session ends (a concurrent rotation makes the write fail: re-read and revoke again).
            if (await TryRevokeAsync(stored, ct))
            {
                throw ChatErrors.Unauthorized(expired
                    ? "The session is older than the refresh-token lifetime; log in again."
                    : "The refresh token was already used; the session is revoked.");
            }
        }

        throw ChatErrors.Unavailable("session store", TimeSpan.FromSeconds(1));
    }

    /// <summary>Ends the caller's session and removes the named device's push registration.
    /// Cost: 1 point read and 1 replace, plus 1 hub call with an installation id.</summary>
    public async Task<SessionRecord?> LogoutAsync(string callerId, LogoutRequest request, CancellationToken ct)
    {
        new Validator().Required("refreshToken", request.RefreshToken)
            .When(request.InstallationId is not null && !Ids.IsWellFormed(request.InstallationId), "installationId", "must be 1..64 of A-Z a-z 0-9 - _.")
            .ThrowIfInvalid();
        var claims = tokens.ReadRefreshToken(request.RefreshToken!);
        if (claims is null || claims.UserId != callerId)
        {
            throw ChatErrors.Invalid("refreshToken", "is not a refresh token of this user.");
        }

        for (var attempt = 0; attempt < 10; attempt++)
        {
            var stored = await users.GetSessionAsync(claims.UserId, claims.SessionId, ct);
            if (stored is null || stored.Value.Revoked)
            {
                if (stored is not null)
                {
                    await sessions.RevokedAsync(claims.UserId, claims.SessionId, ct);
                }

                await RemoveDeviceAsync(callerId, request.InstallationId, ct);
                return null;
            }

            // A concurrent refresh may rotate the session between the read and the write: re-read and revoke again.
            if (await TryRevokeAsync(stored, ct))
            {
                await RemoveDeviceAsync(callerId, request.InstallationId, ct);
                return stored.Value with { Revoked = true };
            }
        }

        throw ChatErrors.Unavailable("session store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>The caller's live sessions, most recently used first (API v1.1). Cost by design (not in the benchmark): 1 single-partition query.</summary>
    public async Task<IReadOnlyList<SessionView>> ListSessionsAsync(string callerId, string currentSessionId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return (await users.ListSessionsAsync(callerId, ct))
            .Where(s => !s.RefreshExpired(now, tokens.RefreshTokenLifetime))
            .Select(s => new SessionView(s.SessionId, s.DeviceName, s.CreatedAt, s.LastUsedAt ?? s.RotatedAt, s.SessionId == currentSessionId))
            .OrderByDescending(s => s.LastUsedAt)
            .ToArray();
    }

    /// <summary>Ends one of the caller's sessions (API v1.1), as a logout does: its refresh token is refused from
    /// now on, its access tokens within the revocation cache's TTL on every instance, and negotiate refuses it.
    /// 404 for a session that is not the caller's or has ended. Cost by design (not in the benchmark): 1 point read, 1 replace, 1 Redis write.</summary>
    public async Task RevokeSessionAsync(string callerId, string sessionId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var stored = await users.GetSessionAsync(callerId, sessionId, ct);
            if (stored is null || stored.Value.Revoked)
            {
                throw ChatErrors.NotFound("session");
            }

            if (await TryRevokeAsync(stored, ct))
            {
                return;
            }
        }

        throw ChatErrors.Unavailable("session store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>Stores the revocation, makes it take effect on this instance at once and on the others within
    /// their cache TTL, and closes that session's connections (the user's other devices stay connected: each
    /// path here ends one session); false when the session changed since it was read.
    /// A retry after a 503 finds the session revoked and shares the revocation again.</summary>
    private async Task<bool> TryRevokeAsync(Versioned<SessionRecord> stored, CancellationToken ct)
    {
        var session = stored.Value;
        if (!await users.TryReplaceSessionAsync(session with { Revoked = true }, stored.ETag, ct))
        {
            return false;
        }

        await sessions.RevokedAsync(session.UserId, session.SessionId, ct);
        await realtime.CloseSessionAsync(new SessionClose(session.UserId, session.SessionId), ct);
        return true;
    }

    private async Task RemoveDeviceAsync(string userId, string? installationId, CancellationToken ct)
    {
        if (installationId is not null)
        {
            await devices.RemoveAsync(userId, installationId, ct);
        }
    }

    /// <summary>Returns the registration when its code is right. The tries are the number's, shared
    /// by all its registrations; every wrong guess is counted, even concurrent ones (each retries
    /// its increment on the number's record until it lands), so five tries are five.</summary>
    private async Task<PendingRegistration> CheckCodeAsync(string phone, string? registrationId, string code, CancellationToken ct)
    {
        PendingRegistration? registration = null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var now = time.GetUtcNow();
            var stored = await directory.GetVerificationAsync(phone, ct);
            var pending = stored?.Value.PendingAt(now) ?? [];
            var target = registrationId ?? pending.Count switch
            {
                0 => null,
                1 => pending[0].RegistrationId,
                _ => throw ChatErrors.Invalid("registrationId", "is required: more than one registration of this number is pending."),
            };
            if (stored is null || target is null || !pending.Any(p => p.RegistrationId == target))
            {
                throw ChatErrors.Invalid("code", "The code has expired or was never sent; register again.");
            }

            var verification = stored.Value;
            if (verification.TriesSpent(now, Limits))
            {
                throw ChatErrors.Invalid("code", "Too many wrong codes for this number; try again later.");
            }

            if (registration?.RegistrationId != target)
            {
                registration = await directory.GetRegistrationAsync(phone, target, ct);
            }

            if (registration is null || registration.ExpiresAt <= now)
            {
                throw ChatErrors.Invalid("code", "The code has expired or was never sent; register again.");
            }

            var expected = Encoding.ASCII.GetBytes(HashCode(phone, target, code));
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(registration.CodeHash)))
            {
                return registration;
            }

            if (await directory.TryReplaceVerificationAsync(verification.WithWrongTry(now, Limits), stored.ETag, ct))
            {
                throw ChatErrors.Invalid("code", "The code is wrong.");
            }
        }

        throw ChatErrors.Unavailable("registration store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>Bound to its registration: a code texted for one never verifies another.</summary>
    private static string HashCode(string phone, string registrationId, string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(phone + ":" + registrationId + ":" + code)));
}
