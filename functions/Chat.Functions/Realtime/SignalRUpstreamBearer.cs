namespace Chat.Functions.Realtime;

using Chat.Core.Errors;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>
/// Checks the bearer token of an upstream request when the upstream template uses managed-identity auth: an Entra
/// token of the configured tenant, for the configured audience, of the SignalR resource's identity (its <c>oid</c>).
/// The tenant's signing keys are read from its JWKS document and kept for <see cref="SignalRUpstreamOptions.SigningKeysLifetime"/>,
/// or read again when a token names a key they lack (Entra rotated its keys), at most once per <see cref="MinRefreshInterval"/>.
/// </summary>
public sealed class SignalRUpstreamBearer(IOptions<SignalRUpstreamOptions> options, HttpClient http, TimeProvider time)
{
    /// <summary>A token naming an unknown key makes the keys be read again no sooner than this (forged kids cost nothing).</summary>
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromMinutes(5);

    private static readonly JsonWebTokenHandler Handler = new();

    private readonly SemaphoreSlim refresh = new(1, 1);

    private (IList<SecurityKey> Keys, DateTimeOffset ReadAt)? signingKeys;

    private SignalRUpstreamOptions Settings => options.Value;

    public async Task<bool> IsValidAsync(string? authorization, CancellationToken ct)
    {
        if (!Settings.UsesManagedIdentity || authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = authorization["Bearer ".Length..].Trim();
        var result = await Handler.ValidateTokenAsync(token, Parameters(await KeysAsync(rotated: false, ct)));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            result = await Handler.ValidateTokenAsync(token, Parameters(await KeysAsync(rotated: true, ct)));
        }

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

    private async Task<IList<SecurityKey>> KeysAsync(bool rotated, CancellationToken ct)
    {
        if (Fresh(rotated) is { } cached)
        {
            return cached;
        }

        await refresh.WaitAsync(ct);
        try
        {
            if (Fresh(rotated) is { } again)
            {
                return again;
            }

            var url = new Uri(Settings.Authority, $"{Settings.TenantId}/discovery/v2.0/keys");
            var keys = new JsonWebKeySet(await http.GetStringAsync(url, ct)).GetSigningKeys();
            signingKeys = (keys, time.GetUtcNow());
            return keys;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or ArgumentException && !ct.IsCancellationRequested)
        {
            throw ChatErrors.Unavailable("Entra signing keys", TimeSpan.FromSeconds(5), e);
        }
        finally
        {
            refresh.Release();
        }
    }

    /// <summary>The kept keys while they are young enough: for a token naming an unknown key, younger than the refresh interval.</summary>
    private IList<SecurityKey>? Fresh(bool rotated)
    {
        var maxAge = rotated ? MinRefreshInterval : Settings.SigningKeysLifetime;
        return signingKeys is { } kept && time.GetUtcNow() - kept.ReadAt < maxAge ? kept.Keys : null;
    }
}
