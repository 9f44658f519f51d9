namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.Core.Accounts;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>
/// API v1.1: a revoked session's access tokens are refused (401) within 60 s on every instance. Two
/// hosts on one database stand for two instances; they share a fake clock, so "within 60 s" is
/// a clock advance past the cache TTL rather than a wait.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class SessionRevocationTests(BackendFixture backend)
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Logout_OldAccessToken_Is401AtOnceHere_AndOnASecondInstanceOnceItsCacheTtlPasses()
    {
        await using var here = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        await using var elsewhere = await backend.StartHostOnDatabaseAsync(here.DatabaseName, time: clock);
        var alice = await here.NewUserAsync();
        var tokens = alice.Tokens!;
        var onSecond = elsewhere.NewClient().WithTokens(tokens);
        Assert.Equal(alice.UserId, (await onSecond.GetMeAsync()).UserId);

        await alice.LogoutAsync();

        var stale = here.NewClient().WithTokens(tokens);
        await Expect.Problem(401, () => stale.GetMeAsync());
        await Expect.Problem(401, () => stale.ListChatsAsync());

        // The second instance answers from its cache until the TTL (the documented window under 60 s)...
        Assert.Equal(alice.UserId, (await onSecond.GetMeAsync()).UserId);
        Assert.True(CacheTtl(elsewhere) < TimeSpan.FromSeconds(60));
        clock.Advance(CacheTtl(elsewhere));

        // ...then it reads the session again and refuses it.
        await Expect.Problem(401, () => onSecond.GetMeAsync());
        await Expect.Problem(401, () => onSecond.ListChatsAsync());
    }

    [Fact]
    public async Task RevokingAnotherDevicesSession_OnHostA_RefusesItsAccessTokenOnHostB_Within60s_TheCallersStays()
    {
        await using var a = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        await using var b = await backend.StartHostOnDatabaseAsync(a.DatabaseName, time: clock);
        var laptop = await a.NewUserAsync();
        var phone = a.NewClient();
        await phone.LoginAsync((await laptop.GetMeAsync()).PhoneNumber!, "correct-horse-1", "Phone");
        var phoneOnB = b.NewClient().WithTokens(phone.Tokens);
        var laptopOnB = b.NewClient().WithTokens(laptop.Tokens);
        await phoneOnB.GetMeAsync();

        await laptop.RevokeSessionAsync((await laptop.ListSessionsAsync()).Single(s => s.DeviceName == "Phone").SessionId);
        clock.Advance(CacheTtl(b));

        Assert.True(CacheTtl(b) < TimeSpan.FromSeconds(60));
        await Expect.Problem(401, () => phoneOnB.GetMeAsync());
        Assert.Equal(laptop.UserId, (await laptopOnB.GetMeAsync()).UserId);
    }

    [Fact]
    public async Task Logout_OnHostA_RefusesTheAccessTokenOnHostB_PastItsCacheTtl_WithoutACosmosRequestOnB()
    {
        var cosmosRequestsOnB = new CountingHandler();
        await using var a = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        await using var b = await TestHost.StartAsync(
            backend.Cosmos.ConnectionString, backend.Storage.ConnectionString, time: clock, databaseName: a.DatabaseName,
            configureServices: s => s.AddSingleton<RequestHandler>(cosmosRequestsOnB));
        var alice = await a.NewUserAsync();
        var onB = b.NewClient().WithTokens(alice.Tokens);
        await onB.GetMeAsync();
        Assert.True(cosmosRequestsOnB.Count > 0, "the handler must see B's profile read");

        await alice.LogoutAsync();
        clock.Advance(TimeSpan.FromSeconds(31));
        var before = cosmosRequestsOnB.Count;

        await Expect.Problem(401, () => onB.GetMeAsync());
        await Expect.Problem(401, () => onB.ListChatsAsync());

        Assert.Equal(TimeSpan.FromSeconds(30), CacheTtl(b));
        Assert.Equal(0, cosmosRequestsOnB.Count - before); // the revocation came from Redis
    }

    [Fact]
    public async Task ReusedRotatedRefreshToken_AfterTheRetryWindow_RevokesTheSession_ItsAccessTokensRefusedLikewise()
    {
        await using var here = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        await using var elsewhere = await backend.StartHostOnDatabaseAsync(here.DatabaseName, time: clock);
        var alice = await here.NewUserAsync();
        var first = alice.Tokens!;
        var rotated = await alice.RefreshAsync();
        clock.Advance(TimeSpan.FromSeconds(11));
        var onSecond = elsewhere.NewClient().WithTokens(rotated);
        await onSecond.GetMeAsync();

        await Expect.Problem(401, () => here.NewClient().RefreshAsync(first.RefreshToken));

        await Expect.Problem(401, () => alice.GetMeAsync());
        await Expect.Problem(401, () => here.NewClient().WithTokens(first).GetMeAsync());
        await Expect.Problem(401, () => here.NewClient().RefreshAsync(rotated.RefreshToken));
        clock.Advance(CacheTtl(elsewhere));
        await Expect.Problem(401, () => onSecond.GetMeAsync());
        await Expect.Problem(401, () => elsewhere.NewClient().WithTokens(first).GetMeAsync());
    }

    [Fact]
    public async Task Negotiate_RevokedSession_Is401AtOnceOnASecondInstance_EvenWhileItsCacheSaysActive()
    {
        await using var here = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        await using var elsewhere = await backend.StartHostOnDatabaseAsync(here.DatabaseName, time: clock);
        var alice = await here.NewUserAsync();
        var onSecond = elsewhere.NewClient().WithTokens(alice.Tokens);
        Assert.False(string.IsNullOrEmpty((await onSecond.NegotiateAsync()).AccessToken));

        await alice.LogoutAsync();

        Assert.Equal(alice.UserId, (await onSecond.GetMeAsync()).UserId); // its cache still says active
        await Expect.Problem(401, () => onSecond.NegotiateAsync());
    }

    [Fact]
    public async Task Refresh_90DaysAfterLogin_Is401_AndEndsTheSession()
    {
        await using var here = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);
        var alice = await here.NewUserAsync();
        clock.Advance(TimeSpan.FromDays(90) - TimeSpan.FromMinutes(1));
        var last = await alice.RefreshAsync();
        clock.Advance(TimeSpan.FromMinutes(2));

        await Expect.Problem(401, () => here.NewClient().RefreshAsync(last.RefreshToken));

        // The session is revoked: the access token of the last refresh, not yet expired, is refused too.
        await Expect.Problem(401, () => alice.GetMeAsync());
    }

    [Fact]
    public async Task Refresh_PastAConfiguredShorterLifetime_Is401()
    {
        await using var here = await backend.StartHostAsync(new Dictionary<string, string?> { ["Auth:RefreshTokenLifetime"] = "02:00:00" }, clock);
        var alice = await here.NewUserAsync();
        clock.Advance(TimeSpan.FromHours(1));
        var rotated = await alice.RefreshAsync();
        clock.Advance(TimeSpan.FromHours(1));

        await Expect.Problem(401, () => here.NewClient().RefreshAsync(rotated.RefreshToken));
    }

    /// <summary>Counts every request the Cosmos SDK sends.</summary>
    private sealed class CountingHandler : RequestHandler
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref count);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static TimeSpan CacheTtl(TestHost host) => host.Services.GetRequiredService<IOptions<SessionCacheOptions>>().Value.Ttl;
}
