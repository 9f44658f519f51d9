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

    public static string Create(string accessKey, string audience, DateTimeOffset now, DateTimeOffset expires, string? userId = null) =>
        Handler.CreateToken(new SecurityTokenDescriptor
        {
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = userId is null ? null : new ClaimsIdentity([new Claim("nameid", userId)]),
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

    private static SymmetricSecurityKey Key(string accessKey) => new(Encoding.UTF8.GetBytes(accessKey));
}
