namespace Chat.Functions.Redis;

using Azure.Core;
using Microsoft.Extensions.Logging;
using StackExchange.Redis.Configuration;

/// <summary>
/// The Entra ID token Azure Managed Redis accepts as password (user name: the identity's object id).
/// It is renewed <see cref="RedisOptions.TokenRefreshMargin"/> before it expires, checked once a minute;
/// after a renewal, live connections are re-authenticated (<c>AUTH user token</c>) and new ones use it.
/// </summary>
public sealed partial class RedisEntraToken(TokenCredential credential, string principalId, TimeSpan refreshMargin, TimeProvider time, ILogger logger) : IDisposable
{
    public static readonly TokenRequestContext Scope = new(["https://redis.azure.com/.default"]);

    public static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim gate = new(1, 1);
    private ITimer? timer;
    private DateTimeOffset acquiredAt;

    public string User => principalId;

    public string? Current { get; private set; }

    public DateTimeOffset ExpiresOn { get; private set; }

    /// <summary>No token yet, or less than the margin (at most half its life) left.</summary>
    public bool IsDue
    {
        get
        {
            if (Current is null)
            {
                return true;
            }

            var margin = TimeSpan.FromTicks(Math.Min(refreshMargin.Ticks, (ExpiresOn - acquiredAt).Ticks / 2));
            return time.GetUtcNow() >= ExpiresOn - margin;
        }
    }

    /// <summary>Gets a new token when one is due; true when it changed. A failure is logged and retried on the next check.</summary>
    public async Task<bool> RefreshIfDueAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (!IsDue)
            {
                return false;
            }

            var token = await credential.GetTokenAsync(Scope, ct);
            if (token.Token == Current)
            {
                return false;
            }

            (Current, ExpiresOn, acquiredAt) = (token.Token, token.ExpiresOn, time.GetUtcNow());
            LogRenewed(logger, token.ExpiresOn);
            return true;
        }
        catch (Exception e) when (e is Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException or Azure.RequestFailedException)
        {
            LogRenewalFailed(logger, e, ExpiresOn);
            return false;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Checks every <see cref="CheckInterval"/> and hands each new token to <paramref name="reauthenticate"/>.</summary>
    public void Start(Func<string, string, Task> reauthenticate)
    {
        timer ??= time.CreateTimer(_ => _ = CheckAsync(reauthenticate), null, CheckInterval, CheckInterval);
    }

    public void Dispose()
    {
        timer?.Dispose();
        gate.Dispose();
    }

    private async Task CheckAsync(Func<string, string, Task> reauthenticate)
    {
        if (await RefreshIfDueAsync(CancellationToken.None) && Current is { } token)
        {
            await reauthenticate(User, token);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis Entra ID token renewed; it expires at {ExpiresOn}")]
    private static partial void LogRenewed(ILogger logger, DateTimeOffset expiresOn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the Redis Entra ID token failed; the current one expires at {ExpiresOn}")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, DateTimeOffset expiresOn);
}

/// <summary>Hands StackExchange.Redis the current token whenever it (re)connects, and TLS by default.</summary>
public sealed class RedisEntraDefaults(RedisEntraToken token) : DefaultOptionsProvider
{
    public override string? User => token.User;

    public override string? Password => token.Current;

    public override bool GetDefaultSsl(StackExchange.Redis.EndPointCollection endPoints) => true;
}
