namespace Chat.Functions.Realtime;

using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>The access-key tokens of Azure SignalR Service: HS256 with the access key, audience =
/// the URL being called (REST) or the client URL (connections). Shared with the local service.</summary>
public static class SignalRTokens
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static string ClientUrl(string endpoint, string hub) => $"{endpoint}/client/?hub={hub}";

    /// <summary>The claim that carries the login session of a client token; Azure SignalR forwards the token's
    /// claims to the upstream (<c>X-ASRS-User-Claims</c>), so the app learns which session a connection belongs to.</summary>
    public const string SessionClaim = "sid";

    public static string Create(string accessKey, string audience, DateTimeOffset now, DateTimeOffset expires, string? userId = null, string? sessionId = null) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = userId is null ? null : new ClaimsIdentity(Claims(userId, sessionId)),
            SigningCredentials = new SigningCredentials(Key(accessKey), SecurityAlgorithms.HmacSha256),
        });

    public static TokenValidationParameters Validation(string accessKey, string audience, TimeProvider time) => new()
    {
        ValidateIssuer = false,
        ValidAudience = audience,
        IssuerSigningKey = Key(accessKey),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        LifetimeValidator = Auth.TokenLifetime.Validator(time),
    };

    private static Claim[] Claims(string userId, string? sessionId) =>
        sessionId is null ? [new Claim("nameid", userId)] : [new Claim("nameid", userId), new Claim(SessionClaim, sessionId)];

    /// <summary>The key object of the access key last used, kept: the token handlers cache their signature providers
    /// by key, so a new object per token would encode the key and hash its id again each time.</summary>
    private static SigningKey? lastKey;

    private static SymmetricSecurityKey Key(string accessKey)
    {
        if (lastKey is { } known && string.Equals(known.AccessKey, accessKey, StringComparison.Ordinal))
        {
            return known.Key;
        }

        var key = new SigningKey(accessKey, new SymmetricSecurityKey(Encoding.UTF8.GetBytes(accessKey)));
        lastKey = key;
        return key.Key;
    }

    private sealed record SigningKey(string AccessKey, SymmetricSecurityKey Key);
}
