namespace Chat.Functions.Auth;

using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Chat.Core.Accounts;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// HS256 access tokens with a <c>kid</c>, and HMAC-authenticated refresh tokens
/// <c>base64url(userId.sessionId.generation).base64url(mac)</c>. Both are pure functions of their
/// inputs, so a retried refresh can be answered with the very same pair without storing tokens.
/// </summary>
public sealed class TokenService(IOptions<AuthOptions> options, TimeProvider time) : ITokenService
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TimeSpan RefreshTokenLifetime => options.Value.RefreshTokenLifetime;

    public IssuedTokens Issue(string userId, string sessionId, long generation, DateTimeOffset issuedAt)
    {
        var auth = options.Value;
        var signing = auth.SigningKeys.First(k => auth.ActiveKeyId is null || k.Id == auth.ActiveKeyId);
        var expires = issuedAt + auth.AccessTokenLifetime;
        var access = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId),
                new Claim(JwtRegisteredClaimNames.Sid, sessionId),
                new Claim(JwtRegisteredClaimNames.Jti, sessionId + "." + generation.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Convert.FromBase64String(signing.Key)) { KeyId = signing.Id },
                SecurityAlgorithms.HmacSha256),
        });

        var payload = Base64UrlEncoder.Encode($"{userId}.{sessionId}.{generation}");
        var refresh = payload + "." + Base64UrlEncoder.Encode(Mac(payload));
        var expiresIn = (int)Math.Max(0, (expires - time.GetUtcNow()).TotalSeconds);
        return new IssuedTokens(userId, access, refresh, expiresIn);
    }

    public RefreshTokenClaims? ReadRefreshToken(string refreshToken)
    {
        var parts = refreshToken.Split('.');
        if (parts.Length != 2 || parts[0].Length > 512)
        {
            return null;
        }

        byte[] mac;
        try
        {
            mac = Base64UrlEncoder.DecodeBytes(parts[1]);
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(parts[0])))
        {
            return null;
        }

        var fields = Base64UrlEncoder.Decode(parts[0]).Split('.');
        return fields.Length == 3 && long.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var generation)
            ? new RefreshTokenClaims(fields[0], fields[1], generation)
            : null;
    }

    private byte[] Mac(string payload) =>
        HMACSHA256.HashData(Convert.FromBase64String(options.Value.RefreshTokenKey), Encoding.UTF8.GetBytes(payload));
}
