namespace Chat.UnitTests.Sessions;

using System.ComponentModel.DataAnnotations;
using Chat.Core.Errors;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

/// <summary>The absolute lifetime of refresh tokens, and revocations taking effect on this instance at once.</summary>
public sealed class SessionLifetimeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly AccountHarness h = new();

    [Fact]
    public void RefreshTokenLifetime_DefaultsTo90Days()
    {
        Assert.Equal(TimeSpan.FromDays(90), new Chat.Functions.Auth.AuthOptions().RefreshTokenLifetime);
        Assert.Equal(TimeSpan.FromDays(90), h.Tokens.RefreshTokenLifetime);
    }

    [Fact]
    public async Task Refresh_JustBefore90DaysFromLogin_Rotates()
    {
        h.AddUser();
        var tokens = await h.LoginAsync();
        for (var day = 0; day < 89; day++)
        {
            h.Time.Advance(TimeSpan.FromDays(1));
            tokens = await h.RefreshAsync(tokens.RefreshToken);
        }

        h.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        var last = await h.RefreshAsync(tokens.RefreshToken);

        Assert.Equal(91, h.Tokens.ReadRefreshToken(last.RefreshToken)!.Generation);
        Assert.False(h.Session!.Value.Revoked);
    }

    [Fact]
    public async Task Refresh_90DaysAfterLogin_Is401_AndRevokesTheSession()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        h.Time.Advance(TimeSpan.FromDays(30));
        var rotated = await h.RefreshAsync(login.RefreshToken);
        h.Time.Advance(TimeSpan.FromDays(60));

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(rotated.RefreshToken));

        Assert.Equal(401, error.Status);
        Assert.True(h.Session!.Value.Revoked);
        h.Realtime.Verify(r => r.CloseSessionAsync(new SessionClose("user1", h.Session.Value.SessionId), It.IsAny<CancellationToken>()), Times.Once);
        var after = await Assert.ThrowsAsync<ChatException>(() => h.SessionCheck.EnsureActiveAsync("user1", h.Session.Value.SessionId, None).AsTask());
        Assert.Equal(401, after.Status);
    }

    [Fact]
    public async Task Refresh_LifetimeIsConfigurable()
    {
        h.AuthOptions.RefreshTokenLifetime = TimeSpan.FromHours(1);
        h.AddUser();
        var login = await h.LoginAsync();
        h.Time.Advance(TimeSpan.FromMinutes(59));
        var rotated = await h.RefreshAsync(login.RefreshToken);
        h.Time.Advance(TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(rotated.RefreshToken));

        Assert.Equal(401, error.Status);
        Assert.True(h.Session!.Value.Revoked);
    }

    [Fact]
    public async Task Refresh_RetriedWithin10s_JustPastTheLifetime_GetsTheSamePair()
    {
        h.AuthOptions.RefreshTokenLifetime = TimeSpan.FromHours(1);
        h.AddUser();
        var login = await h.LoginAsync();
        h.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(2));
        var rotated = await h.RefreshAsync(login.RefreshToken);
        h.Time.Advance(TimeSpan.FromSeconds(5));

        var retried = await h.RefreshAsync(login.RefreshToken);

        Assert.Equal(rotated.RefreshToken, retried.RefreshToken);
        Assert.Equal(rotated.AccessToken, retried.AccessToken);
        Assert.Equal(401, (await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(rotated.RefreshToken))).Status);
    }

    [Theory]
    [InlineData(15, false)]
    [InlineData(14, false)]
    [InlineData(16, true)]
    [InlineData(90 * 24 * 60, true)]
    public void AuthOptions_RefreshLifetimeMustOutliveAnAccessToken(int refreshMinutes, bool valid)
    {
        var options = TestAuth.Options();
        options.RefreshTokenLifetime = TimeSpan.FromMinutes(refreshMinutes);

        Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    [Fact]
    public async Task Refresh_ReuseAfterTheRetryWindow_RefusesTheAccessTokensOnThisInstanceAtOnce()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var sessionId = h.Session!.Value.SessionId;
        await h.SessionCheck.EnsureActiveAsync("user1", sessionId, None);
        await h.RefreshAsync(login.RefreshToken);
        h.Time.Advance(TimeSpan.FromSeconds(11));

        await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(login.RefreshToken));

        var error = await Assert.ThrowsAsync<ChatException>(() => h.SessionCheck.EnsureActiveAsync("user1", sessionId, None).AsTask());
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task Logout_RefusesTheAccessTokensOnThisInstanceAtOnce()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var sessionId = h.Session!.Value.SessionId;
        await h.SessionCheck.EnsureActiveAsync("user1", sessionId, None);
        var readsBefore = h.Users.Invocations.Count(i => i.Method.Name == "GetSessionAsync");

        await h.Service.LogoutAsync("user1", new Chat.Core.Accounts.LogoutRequest(login.RefreshToken, null), None);

        var error = await Assert.ThrowsAsync<ChatException>(() => h.SessionCheck.EnsureActiveAsync("user1", sessionId, None).AsTask());
        Assert.Equal(401, error.Status);
        Assert.Equal(readsBefore + 1, h.Users.Invocations.Count(i => i.Method.Name == "GetSessionAsync")); // the logout's own read only
    }

    [Fact]
    public async Task Logout_SharesTheRevocation_ForEveryInstance()
    {
        h.AddUser();
        var login = await h.LoginAsync();

        await h.Service.LogoutAsync("user1", new Chat.Core.Accounts.LogoutRequest(login.RefreshToken, null), None);

        Assert.True(h.Revocations.Contains(h.Session!.Value.SessionId));
    }

    [Fact]
    public async Task Logout_RevocationsDown_Is503_AndARetrySharesIt()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        h.Revocations.Failure = ChatErrors.Unavailable("session revocation store", TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.LogoutAsync("user1", new Chat.Core.Accounts.LogoutRequest(login.RefreshToken, null), None));
        h.Revocations.Failure = null;
        await h.Service.LogoutAsync("user1", new Chat.Core.Accounts.LogoutRequest(login.RefreshToken, null), None);

        Assert.Equal(503, error.Status);
        Assert.True(h.Session!.Value.Revoked);
        Assert.True(h.Revocations.Contains(h.Session.Value.SessionId));
    }
}
