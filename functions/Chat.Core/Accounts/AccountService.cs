namespace Chat.Core.Accounts;

using System.Security.Cryptography;
using System.Text;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Push;
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

    private LimitsOptions Limits => limits.Value;

    /// <summary>Starts a registration: stores it pending and texts a code. Cost: 1 point read, 1 upsert, 1 SMS.</summary>
    public async Task<RegisterAccepted> RegisterAsync(RegisterRequest request, string clientIp, CancellationToken ct)
    {
        limiter.Acquire(Limits.AuthPerIp, clientIp);
        var v = new Validator()
            .When(!PhoneNumbers.IsE164(request.PhoneNumber), "phoneNumber", "must be an E.164 number such as +14155550100.")
            .Length("displayName", DisplayNames.Normalize(request.DisplayName), 1, 64)
            .Length("password", request.Password, 8, 128);
        v.ThrowIfInvalid();
        var phone = request.PhoneNumber!;

        if (await directory.FindUserIdByPhoneAsync(phone, ct) is not null)
        {
            throw ChatErrors.Conflict("The phone number belongs to a verified account.");
        }

        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        await directory.UpsertRegistrationAsync(
            new PendingRegistration
            {
                PhoneNumber = phone,
                DisplayName = DisplayNames.Normalize(request.DisplayName)!,
                PasswordHash = hasher.HashPassword(HashSubject, request.Password!),
                CodeHash = HashCode(phone, code),
                ExpiresAt = time.GetUtcNow() + Limits.VerificationCodeLifetime,
            },
            ct);
        await sms.SendAsync(phone, $"Your Chat verification code is {code}. It expires in {(int)Limits.VerificationCodeLifetime.TotalMinutes} minutes.", ct);
        return new RegisterAccepted(phone, (int)Limits.VerificationCodeLifetime.TotalSeconds);
    }

    /// <summary>Checks the code and creates the account. Cost: 1 read + 1 replace on a wrong code;
    /// 1 read, 2 creates and 1 delete on success.</summary>
    public async Task<UserView> VerifyAsync(VerifyRequest request, string clientIp, CancellationToken ct)
    {
        limiter.Acquire(Limits.AuthPerIp, clientIp);
        new Validator()
            .When(!PhoneNumbers.IsE164(request.PhoneNumber), "phoneNumber", "must be an E.164 number.")
            .When(request.Code is null || request.Code.Length != 6 || !request.Code.All(char.IsAsciiDigit), "code", "must be 6 digits.")
            .ThrowIfInvalid();
        var phone = request.PhoneNumber!;

        var registration = await CheckCodeAsync(phone, request.Code!, ct);

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

        await directory.DeleteRegistrationAsync(phone, ct);
        return UserViews.Self(account);
    }

    /// <summary>Cost: 2 point reads and 1 create (session).</summary>
    public async Task<IssuedTokens> LoginAsync(LoginRequest request, string clientIp, CancellationToken ct)
    {
        limiter.Acquire(Limits.AuthPerIp, clientIp);
        new Validator()
            .Required("phoneNumber", request.PhoneNumber)
            .Required("password", request.Password)
            .ThrowIfInvalid();
        var failureKey = request.PhoneNumber + "|" + clientIp;
        limiter.ThrowIfExhausted(Limits.FailedLogins, failureKey);

        var userId = PhoneNumbers.IsE164(request.PhoneNumber) ? await directory.FindUserIdByPhoneAsync(request.PhoneNumber!, ct) : null;
        var user = userId is null ? null : await users.GetAsync(userId, ct);
        if (user is null)
        {
            limiter.Record(Limits.FailedLogins, failureKey);
            throw ChatErrors.Unauthorized("Wrong phone number or password, or the number is not verified yet.");
        }

        var check = hasher.VerifyHashedPassword(user.Value, user.Value.PasswordHash, request.Password!);
        if (check == PasswordVerificationResult.Failed)
        {
            limiter.Record(Limits.FailedLogins, failureKey);
            throw ChatErrors.Unauthorized("Wrong phone number or password, or the number is not verified yet.");
        }

        if (check == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.TryReplaceAsync(user.Value with { PasswordHash = hasher.HashPassword(user.Value, request.Password!) }, user.ETag, ct);
        }

        var now = time.GetUtcNow();
        var session = new SessionRecord { UserId = user.Value.UserId, SessionId = Ids.NewId(), Generation = 1, RotatedAt = now, CreatedAt = now };
        await users.CreateSessionAsync(session, ct);
        return tokens.Issue(session.UserId, session.SessionId, session.Generation, now);
    }

    /// <summary>Rotates the refresh token; a session past its refresh-token lifetime, or whose old token
    /// is used again after the retry window, is revoked. Cost: 1 point read and 1 replace.</summary>
    public async Task<IssuedTokens> RefreshAsync(RefreshRequest request, string clientIp, CancellationToken ct)
    {
        limiter.Acquire(Limits.AuthPerIp, clientIp);
        new Validator().Required("refreshToken", request.RefreshToken).ThrowIfInvalid();
        var claims = tokens.ReadRefreshToken(request.RefreshToken!) ?? throw ChatErrors.Unauthorized("The refresh token is not valid.");

        for (var attempt = 0; attempt < 10; attempt++)
        {
            var stored = await users.GetSessionAsync(claims.UserId, claims.SessionId, ct);
            if (stored is null || stored.Value.Revoked)
            {
                if (stored is not null)
                {
                    sessions.Revoked(claims.UserId, claims.SessionId);
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
                var rotated = session with { Generation = session.Generation + 1, RotatedAt = now };
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
                    sessions.Revoked(claims.UserId, claims.SessionId);
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

    /// <summary>Stores the revocation, makes it take effect on this instance at once, and closes the
    /// user's connections; false when the session changed since it was read.</summary>
    private async Task<bool> TryRevokeAsync(Versioned<SessionRecord> stored, CancellationToken ct)
    {
        var session = stored.Value;
        if (!await users.TryReplaceSessionAsync(session with { Revoked = true }, stored.ETag, ct))
        {
            return false;
        }

        sessions.Revoked(session.UserId, session.SessionId);
        await realtime.CloseConnectionsAsync(session.UserId, ct);
        return true;
    }

    private async Task RemoveDeviceAsync(string userId, string? installationId, CancellationToken ct)
    {
        if (installationId is not null)
        {
            await devices.RemoveAsync(userId, installationId, ct);
        }
    }

    /// <summary>Returns the registration when the code is right; counts every wrong guess, even
    /// concurrent ones (each retries its increment until it lands), so five tries are five.</summary>
    private async Task<PendingRegistration> CheckCodeAsync(string phone, string code, CancellationToken ct)
    {
        var expected = Encoding.ASCII.GetBytes(HashCode(phone, code));
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var pending = await directory.GetRegistrationAsync(phone, ct);
            if (pending is null || pending.Value.ExpiresAt <= time.GetUtcNow())
            {
                throw ChatErrors.Invalid("code", "The code has expired or was never sent; register again.");
            }

            var registration = pending.Value;
            if (registration.Attempts >= Limits.VerificationAttempts)
            {
                throw ChatErrors.Invalid("code", "Too many wrong codes; register again to get a new one.");
            }

            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(registration.CodeHash)))
            {
                return registration;
            }

            if (await directory.TryReplaceRegistrationAsync(registration with { Attempts = registration.Attempts + 1 }, pending.ETag, ct))
            {
                throw ChatErrors.Invalid("code", "The code is wrong.");
            }
        }

        throw ChatErrors.Unavailable("registration store (contention)", TimeSpan.FromSeconds(1));
    }

    private static string HashCode(string phone, string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(phone + ":" + code)));
}
