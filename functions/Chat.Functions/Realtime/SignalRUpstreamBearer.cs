namespace Chat.Functions.Realtime;

using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// Checks the bearer token of an upstream request when the upstream template uses managed-identity auth: an Entra
/// token of the configured tenant, for the configured audience, of the SignalR resource's identity (its <c>oid</c>).
/// The tenant's signing keys are read from its JWKS document and kept for <see cref="SignalRUpstreamOptions.SigningKeysLifetime"/>.
/// </summary>
public sealed class SignalRUpstreamBearer(IOptions<SignalRUpstreamOptions> options, HttpClient http, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new();

    private readonly SemaphoreSlim refresh = new(1, 1);

    private (IList<SecurityKey> Keys, DateTimeOffset Until)? signingKeys;

    private SignalRUpstreamOptions Settings => options.Value;

    public async Task<bool> IsValidAsync(string? authorization, CancellationToken ct)
    {
        if (!Settings.UsesManagedIdentity || authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var result = await Handler.ValidateTokenAsync(authorization["Bearer ".Length..].Trim(), Parameters(await KeysAsync(ct)));
        return result.IsValid && result.Claims.TryGetValue("oid", out var oid) && string.Equals(oid as string, Settings.PrincipalId, StringComparison.OrdinalIgnoreCase);
    }

    private TokenValidationParameters Parameters(IList<SecurityKey> keys) => new()
    {
        ValidAudience = Settings.Audience,
        ValidIssuers = [$"https://sts.windows.net/{Settings.TenantId}/", $"{Settings.Authority.ToString().TrimEnd('/')}/{Settings.TenantId}/v2.0"],
        IssuerSigningKeys = keys,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromMinutes(2),
        LifetimeValidator = Auth.TokenLifetime.Validator(time),
    };

    private async Task<IList<SecurityKey>> KeysAsync(CancellationToken ct)
    {
        if (signingKeys is { } cached && cached.Until > time.GetUtcNow())
        {
            return cached.Keys;
        }

        await refresh.WaitAsync(ct);
        try
        {
            if (signingKeys is { } again && again.Until > time.GetUtcNow())
            {
                return again.Keys;
            }

            var url = new Uri(Settings.Authority, $"{Settings.TenantId}/discovery/v2.0/keys");
            var keys = new JsonWebKeySet(await http.GetStringAsync(url, ct)).GetSigningKeys();
            signingKeys = (keys, time.GetUtcNow() + Settings.SigningKeysLifetime);
            return keys;
        }
        finally
        {
            refresh.Release();
        }
    }
}
