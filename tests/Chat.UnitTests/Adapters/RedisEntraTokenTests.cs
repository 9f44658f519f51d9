namespace Chat.UnitTests.Adapters;

using Azure.Core;
using Chat.Functions.Redis;
using Chat.UnitTests.TestData;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

/// <summary>The Entra ID token of Azure Managed Redis: renewed before it expires, handed to
/// StackExchange.Redis for every (re)connection, and re-sent on live connections.</summary>
public sealed class RedisEntraTokenTests : IDisposable
{
    private const string PrincipalId = "6f1c2a3b-0000-4000-8000-00000000abcd";
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(15);

    private readonly FakeTimeProvider time = TestClock.New();
    private readonly FakeCredential credential;
    private readonly RedisEntraToken token;

    public RedisEntraTokenTests()
    {
        credential = new FakeCredential(time, TimeSpan.FromHours(1));
        token = new RedisEntraToken(credential, PrincipalId, Margin, time, NullLogger.Instance);
    }

    public void Dispose() => token.Dispose();

    [Fact]
    public async Task First_GetsATokenForRedis()
    {
        Assert.True(await token.RefreshIfDueAsync(CancellationToken.None));

        Assert.Equal("token-1", token.Current);
        Assert.Equal(["https://redis.azure.com/.default"], Assert.Single(credential.Scopes));
    }

    [Fact]
    public async Task BeforeTheMargin_KeepsTheToken_WithoutAskingAgain()
    {
        await token.RefreshIfDueAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(44));

        Assert.False(await token.RefreshIfDueAsync(CancellationToken.None));
        Assert.Equal(("token-1", 1), (token.Current, credential.Calls));
    }

    [Fact]
    public async Task WithinTheMargin_GetsANewToken_BeforeTheOldOneExpires()
    {
        await token.RefreshIfDueAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(45));

        Assert.True(await token.RefreshIfDueAsync(CancellationToken.None));
        Assert.Equal("token-2", token.Current);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(1), token.ExpiresOn);
    }

    [Fact]
    public async Task ShortLivedToken_IsRenewedAtHalfItsLife()
    {
        credential.Lifetime = TimeSpan.FromMinutes(10);
        await token.RefreshIfDueAsync(CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(await token.RefreshIfDueAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await token.RefreshIfDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CredentialFails_KeepsTheCurrentToken_AndTriesAgainNextTime()
    {
        await token.RefreshIfDueAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(50));
        credential.Failure = new Azure.Identity.AuthenticationFailedException("IMDS unavailable");

        Assert.False(await token.RefreshIfDueAsync(CancellationToken.None));
        Assert.Equal("token-1", token.Current);

        credential.Failure = null;
        Assert.True(await token.RefreshIfDueAsync(CancellationToken.None));
        Assert.Equal("token-3", token.Current);
    }

    [Fact]
    public async Task Timer_RenewsBeforeExpiry_AndReauthenticatesWithTheNewToken()
    {
        await token.RefreshIfDueAsync(CancellationToken.None);
        var reauthenticated = new TaskCompletionSource<(string User, string Password)>(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Start((user, password) =>
        {
            reauthenticated.TrySetResult((user, password));
            return Task.CompletedTask;
        });

        time.Advance(TimeSpan.FromMinutes(44));
        Assert.False(reauthenticated.Task.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal((PrincipalId, "token-2"), await reauthenticated.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(time.GetUtcNow() < token.ExpiresOn - TimeSpan.FromMinutes(59));
    }

    [Fact]
    public async Task Defaults_GiveEveryNewConnectionTheCurrentToken_OverTls()
    {
        var configuration = new ConfigurationOptions { Defaults = new RedisEntraDefaults(token) };
        await token.RefreshIfDueAsync(CancellationToken.None);
        Assert.Equal((PrincipalId, "token-1"), (configuration.User, configuration.Password));

        time.Advance(TimeSpan.FromMinutes(46));
        await token.RefreshIfDueAsync(CancellationToken.None);

        Assert.Equal("token-2", configuration.Password);
        Assert.True(configuration.Ssl);
    }

    [Fact]
    public void Factory_Endpoint_IsTlsWithTheToken_FailsFast_AndNeverAbortsOnConnectFail()
    {
        var services = new ServiceCollection()
            .AddSingleton<TokenCredential>(credential)
            .BuildServiceProvider();
        using var factory = new RedisConnectionFactory(
            Options.Create(new RedisOptions { Endpoint = "chat.eastus.redis.azure.net:10000", PrincipalId = PrincipalId }),
            services,
            time,
            NullLoggerFactory.Instance);

        var configuration = factory.Configure();

        Assert.True(configuration.Ssl);
        Assert.Equal(PrincipalId, configuration.User);
        Assert.Equal("chat.eastus.redis.azure.net:10000", Assert.Single(configuration.EndPoints).ToString()?.Replace("Unspecified/", string.Empty, StringComparison.Ordinal));
        Assert.False(configuration.AbortOnConnectFail);
        Assert.Same(BacklogPolicy.FailFast, configuration.BacklogPolicy);
        Assert.Equal((2000, 1000, 1000), (configuration.ConnectTimeout, configuration.SyncTimeout, configuration.AsyncTimeout));
    }

    private sealed class FakeCredential(TimeProvider time, TimeSpan lifetime) : TokenCredential
    {
        public TimeSpan Lifetime { get; set; } = lifetime;

        public Exception? Failure { get; set; }

        public int Calls { get; private set; }

        public List<string[]> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => Next(requestContext);

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(Next(requestContext));

        private AccessToken Next(TokenRequestContext context)
        {
            Calls++;
            Scopes.Add(context.Scopes);
            return Failure is { } e ? throw e : new AccessToken("token-" + Calls, time.GetUtcNow() + Lifetime);
        }
    }
}
