namespace Chat.Functions.Auth;

using Chat.Core.Errors;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>Validates bearer tokens strictly: signature against any configured key (by kid),
/// issuer, audience, lifetime and algorithm.</summary>
public sealed class AccessTokenValidator(IOptions<AuthOptions> options, TimeProvider time)
{
    /// <summary>How far past its expiry a token is still accepted (clocks of issuer and validator differ).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler handler = new();

    /// <summary>Built once (the options are read at start-up): the same key objects on every request let the
    /// handler reuse its cached signature providers instead of decoding the keys and hashing their ids each time.</summary>
    private readonly Lazy<TokenValidationParameters> parameters = new(() => Build(options.Value, time));

    public TokenValidationParameters Parameters => parameters.Value;

    /// <summary>Returns the user id, session id (<c>sid</c>) and expiry of a valid <c>Bearer</c> header; 401 otherwise.</summary>
    public async Task<(string UserId, string SessionId, DateTimeOffset Expires)> ValidateAsync(string authorizationHeader)
    {
        const string prefix = "Bearer ";
        if (!authorizationHeader.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            throw ChatErrors.Unauthorized();
        }

        var result = await handler.ValidateTokenAsync(authorizationHeader[prefix.Length..].Trim(), Parameters);
        return result.IsValid
            && result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value is { Length: > 0 } userId
            && result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sid)?.Value is { Length: > 0 } sessionId
            ? (userId, sessionId, new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero))
            : throw ChatErrors.Unauthorized("The access token is invalid or expired.");
    }

    private static TokenValidationParameters Build(AuthOptions auth, TimeProvider time) => new()
    {
        ValidIssuer = auth.Issuer,
        ValidAudience = auth.Audience,
        IssuerSigningKeys = auth.SigningKeys.Select(k => new SymmetricSecurityKey(Convert.FromBase64String(k.Key)) { KeyId = k.Id }).ToArray(),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = ClockSkew,
        LifetimeValidator = TokenLifetime.Validator(time),
    };
}
