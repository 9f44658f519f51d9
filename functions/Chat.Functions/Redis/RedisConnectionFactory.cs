namespace Chat.Functions.Redis;

using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

/// <summary>
/// Builds the one <see cref="IConnectionMultiplexer"/> of the app. It never fails the app: the
/// multiplexer connects in the background (<c>AbortOnConnectFail=false</c>), commands fail at once
/// while it is disconnected (<see cref="BacklogPolicy.FailFast"/>) and otherwise within the
/// operation time-out, so a lost Redis costs a route milliseconds to ~1 s, never a 5xx.
/// </summary>
public sealed partial class RedisConnectionFactory(IOptions<RedisOptions> options, IServiceProvider services, TimeProvider time, ILoggerFactory loggers) : IDisposable
{
    private RedisEntraToken? token;

    public ConfigurationOptions Configure()
    {
        var o = options.Value;
        ConfigurationOptions configuration;
        if (!string.IsNullOrEmpty(o.ConnectionString))
        {
            configuration = ConfigurationOptions.Parse(o.ConnectionString);
        }
        else
        {
            token ??= new RedisEntraToken(
                (TokenCredential)services.GetService(typeof(TokenCredential))! ?? throw new InvalidOperationException("Redis:Endpoint needs a managed identity."),
                o.PrincipalId!,
                o.TokenRefreshMargin,
                time,
                loggers.CreateLogger<RedisEntraToken>());
            configuration = new ConfigurationOptions { Defaults = new RedisEntraDefaults(token), Ssl = true };
            configuration.EndPoints.Add(o.Endpoint!);
        }

        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = (int)o.ConnectTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)o.OperationTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)o.OperationTimeout.TotalMilliseconds;
        configuration.ConnectRetry = 1;

        // Back within ~1-5 s of Redis returning, instead of the default's growing waits.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(500, 5000);
        configuration.ClientName = "chat-functions";
        return configuration;
    }

    public IConnectionMultiplexer Connect()
    {
        var configuration = Configure();
        if (token is not null)
        {
            // First token before the first connection; a failure leaves it to the timer (connections fail meanwhile).
            token.RefreshIfDueAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        var multiplexer = ConnectionMultiplexer.Connect(configuration);
        token?.Start((user, password) => ReauthenticateAsync(multiplexer, user, password));
        return multiplexer;
    }

    /// <summary>Re-authenticates every live connection with the new token (the server closes one whose token expired).</summary>
    public async Task ReauthenticateAsync(IConnectionMultiplexer multiplexer, string user, string password)
    {
        foreach (var server in multiplexer.GetServers().Where(s => s.IsConnected))
        {
            try
            {
                await server.ExecuteAsync("AUTH", user, password);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Its reconnection authenticates with the new token anyway.
                LogReauthenticationFailed(loggers.CreateLogger<RedisConnectionFactory>(), e, server.EndPoint.ToString() ?? "?");
            }
        }
    }

    public void Dispose() => token?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-authenticating the Redis connection to {Endpoint} failed")]
    private static partial void LogReauthenticationFailed(ILogger logger, Exception exception, string endpoint);
}
