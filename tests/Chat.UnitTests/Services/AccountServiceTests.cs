namespace Chat.UnitTests.Services;

using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.UnitTests.TestData;
using Microsoft.AspNetCore.Identity;
using Moq;

public sealed class AccountServiceTests
{
    private const string Phone = AccountHarness.Phone;
    private const string Ip = AccountHarness.Ip;
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly AccountHarness h = new();

    public static TheoryData<string?, string?, string?, string> InvalidRegistrations => new()
    {
        { "4155550100", "Ann", "password1", "phoneNumber" },
        { null, "Ann", "password1", "phoneNumber" },
        { Phone, null, "password1", "displayName" },
        { Phone, "   ", "password1", "displayName" },
        { Phone, new string('x', 65), "password1", "displayName" },
        { Phone, "Ann", null, "password" },
        { Phone, "Ann", "1234567", "password" },
        { Phone, "Ann", new string('p', 129), "password" },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task Register_InvalidField_Is400NamingTheField_AndSendsNothing(string? phone, string? name, string? password, string field)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.RegisterAsync(new RegisterRequest(phone, name, password), Ip, None));

        Assert.Equal(400, error.Status);
        Assert.Equal([field], error.Errors!.Keys);
        Assert.Null(h.Registration);
        Assert.Empty(h.SentSms);
    }

    [Fact]
    public async Task Register_EverythingMissing_ReportsEveryField()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.RegisterAsync(new RegisterRequest(null, null, null), Ip, None));

        Assert.Equal(["displayName", "password", "phoneNumber"], error.Errors!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Register_PhoneOfVerifiedAccount_Is409()
    {
        h.Directory.Setup(d => d.FindUserIdByPhoneAsync(Phone, It.IsAny<CancellationToken>())).ReturnsAsync("someone");

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.RegisterAsync(new RegisterRequest(Phone, "Ann", "password1"), Ip, None));

        Assert.Equal(409, error.Status);
        Assert.Null(h.Registration);
        Assert.Empty(h.SentSms);
    }

    [Fact]
    public async Task Register_StoresPendingRegistration_AndTextsASixDigitCode()
    {
        var accepted = await h.Service.RegisterAsync(new RegisterRequest(Phone, "  Ann  ", "password1"), Ip, None);

        Assert.Equal(new RegisterAccepted(Phone, 600), accepted);
        var (to, text) = Assert.Single(h.SentSms);
        Assert.Equal(Phone, to);
        Assert.Matches(@"\b[0-9]{6}\b", text);

        var pending = h.Registration!.Value;
        Assert.Equal(Phone, pending.PhoneNumber);
        Assert.Equal("Ann", pending.DisplayName);
        Assert.Equal(TestClock.Start.AddMinutes(10), pending.ExpiresAt);
        Assert.Equal(0, pending.Attempts);
        Assert.DoesNotContain(h.LastCode, pending.CodeHash, StringComparison.Ordinal);
        Assert.NotEqual("password1", pending.PasswordHash);
        Assert.NotEqual(PasswordVerificationResult.Failed, h.Hasher.VerifyHashedPassword(null!, pending.PasswordHash, "password1"));
    }

    [Fact]
    public async Task Verify_RightCode_CreatesUser_ClaimsPhone_DeletesRegistration()
    {
        var code = await h.RegisterAsync();
        var passwordHash = h.Registration!.Value.PasswordHash;

        var user = await h.Service.VerifyAsync(new VerifyRequest(Phone, code), Ip, None);

        Assert.Equal(Phone, user.PhoneNumber);
        Assert.Equal("Ann", user.DisplayName);
        h.Users.Verify(u => u.TryCreateAsync(
            It.Is<UserAccount>(a => a.UserId == user.UserId && a.PhoneNumber == Phone && a.PasswordHash == passwordHash), It.IsAny<CancellationToken>()), Times.Once);
        h.Directory.Verify(d => d.TryClaimPhoneAsync(Phone, user.UserId, It.IsAny<CancellationToken>()), Times.Once);
        h.Directory.Verify(d => d.DeleteRegistrationAsync(Phone, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Null(h.Registration);
    }

    [Fact]
    public async Task Verify_WrongCode_Is400OnCode_AndCountsTheAttempt()
    {
        var code = await h.RegisterAsync();
        var etag = h.Registration!.ETag;

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, WrongCode(code)), Ip, None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("code"));
        h.Directory.Verify(d => d.TryReplaceRegistrationAsync(It.Is<PendingRegistration>(r => r.Attempts == 1), etag, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(1, h.Registration!.Value.Attempts);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_ExpiredCode_Is400()
    {
        var code = await h.RegisterAsync();
        h.Time.Advance(TimeSpan.FromMinutes(10));

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, code), Ip, None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("code"));
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_JustBeforeExpiry_Succeeds()
    {
        var code = await h.RegisterAsync();
        h.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));

        var user = await h.Service.VerifyAsync(new VerifyRequest(Phone, code), Ip, None);

        Assert.Equal(Phone, user.PhoneNumber);
    }

    [Fact]
    public async Task Verify_AfterFiveWrongCodes_EvenTheRightCodeIs400()
    {
        var code = await h.RegisterAsync();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, WrongCode(code)), Ip, None));
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, code), Ip, None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("code"));
        Assert.Equal(5, h.Registration!.Value.Attempts);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_FourWrongCodes_ThenTheRightCode_Succeeds()
    {
        var code = await h.RegisterAsync();
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, WrongCode(code)), Ip, None));
        }

        var user = await h.Service.VerifyAsync(new VerifyRequest(Phone, code), Ip, None);

        Assert.Equal(Phone, user.PhoneNumber);
    }

    [Fact]
    public async Task Verify_ConcurrentWrongCodes_AreEachCounted()
    {
        var code = await h.RegisterAsync();
        var stale = h.Registration!;
        var reads = new Queue<Versioned<PendingRegistration>>([stale, stale]);
        h.Directory.Setup(d => d.GetRegistrationAsync(Phone, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => reads.Count > 0 ? reads.Dequeue() : h.Registration);

        await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, WrongCode(code)), Ip, None));
        await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, WrongCode(code)), Ip, None));

        Assert.Equal(2, h.Registration!.Value.Attempts);
    }

    [Fact]
    public async Task Verify_NothingPending_Is400()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, "123456"), Ip, None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("code"));
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData(null)]
    public async Task Verify_CodeNotSixDigits_Is400WithoutTouchingTheStore(string? code)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, code), Ip, None));

        Assert.True(error.Errors!.ContainsKey("code"));
        h.Directory.Verify(d => d.GetRegistrationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_PhoneClaimLost_DeletesTheCreatedUser_And409()
    {
        var code = await h.RegisterAsync();
        h.Directory.Setup(d => d.TryClaimPhoneAsync(Phone, It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        string? createdId = null;
        h.Users.Setup(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()))
            .Callback((UserAccount a, CancellationToken _) => createdId = a.UserId)
            .ReturnsAsync(true);

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(Phone, code), Ip, None));

        Assert.Equal(409, error.Status);
        Assert.NotNull(createdId);
        h.Users.Verify(u => u.DeleteAsync(createdId, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Login_UnknownNumber_Is401()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync());

        Assert.Equal(401, error.Status);
        h.Users.Verify(u => u.CreateSessionAsync(It.IsAny<SessionRecord>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Login_WrongPassword_Is401()
    {
        h.AddUser();

        var error = await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync("wrong password"));

        Assert.Equal(401, error.Status);
        Assert.Null(h.Session);
    }

    [Fact]
    public async Task Login_MissingFields_Is400()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.LoginAsync(new LoginRequest(null, null), Ip, None));

        Assert.Equal(["password", "phoneNumber"], error.Errors!.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Login_RightPassword_StartsASessionAndIssuesItsTokens()
    {
        var account = h.AddUser();

        var tokens = await h.LoginAsync();

        var session = h.Session!.Value;
        Assert.Equal(account.UserId, session.UserId);
        Assert.Equal(1, session.Generation);
        Assert.False(session.Revoked);
        Assert.Equal(account.UserId, tokens.UserId);
        Assert.Equal(900, tokens.ExpiresIn);
        Assert.Equal(new RefreshTokenClaims(account.UserId, session.SessionId, 1), h.Tokens.ReadRefreshToken(tokens.RefreshToken));
    }

    [Fact]
    public async Task Login_AfterFiveFailuresFromOneIp_IsRateLimitedEvenWithTheRightPassword()
    {
        h.AddUser();
        for (var i = 0; i < 5; i++)
        {
            var failed = await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync("wrong password"));
            Assert.Equal(401, failed.Status);
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync());

        Assert.Equal(429, error.Status);
        Assert.NotNull(error.RetryAfter);
        Assert.Null(h.Session);
    }

    [Fact]
    public async Task Login_FailuresFromOneIp_DoNotBlockAnotherIp()
    {
        h.AddUser();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync("wrong password"));
        }

        var tokens = await h.LoginAsync(ip: "198.51.100.1");

        Assert.Equal("user1", tokens.UserId);
    }

    [Fact]
    public async Task Login_FailureWindowOver_IsAllowedAgain()
    {
        h.AddUser();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync("wrong password"));
        }

        h.Time.Advance(TimeSpan.FromMinutes(15));

        Assert.Equal("user1", (await h.LoginAsync()).UserId);
    }

    [Fact]
    public async Task Refresh_CurrentGeneration_RotatesTheSession()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var etag = h.Session!.ETag;
        h.Time.Advance(TimeSpan.FromMinutes(5));

        var refreshed = await h.RefreshAsync(login.RefreshToken);

        h.Users.Verify(
            u => u.TryReplaceSessionAsync(It.Is<SessionRecord>(s => s.Generation == 2 && s.RotatedAt == h.Time.GetUtcNow() && !s.Revoked), etag, It.IsAny<CancellationToken>()),
            Times.Once);
        Assert.NotEqual(login.RefreshToken, refreshed.RefreshToken);
        Assert.NotEqual(login.AccessToken, refreshed.AccessToken);
        Assert.Equal(2, h.Tokens.ReadRefreshToken(refreshed.RefreshToken)!.Generation);
        Assert.Equal(900, refreshed.ExpiresIn);
    }

    [Fact]
    public async Task Refresh_PreviousGenerationWithin10s_ReturnsTheSameTokens()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var rotated = await h.RefreshAsync(login.RefreshToken);
        h.Time.Advance(TimeSpan.FromSeconds(10));

        var retried = await h.RefreshAsync(login.RefreshToken);

        Assert.Equal(rotated.AccessToken, retried.AccessToken);
        Assert.Equal(rotated.RefreshToken, retried.RefreshToken);
        Assert.Equal(2, h.Session!.Value.Generation);
        Assert.False(h.Session.Value.Revoked);
    }

    [Fact]
    public async Task Refresh_PreviousGenerationAfter10s_RevokesTheSession_And401()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var rotated = await h.RefreshAsync(login.RefreshToken);
        h.Time.Advance(TimeSpan.FromSeconds(11));

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(login.RefreshToken));

        Assert.Equal(401, error.Status);
        Assert.True(h.Session!.Value.Revoked);
        var after = await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(rotated.RefreshToken));
        Assert.Equal(401, after.Status);
    }

    [Fact]
    public async Task Refresh_OlderGenerationThanThePrevious_RevokesTheSession()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var second = await h.RefreshAsync(login.RefreshToken);
        await h.RefreshAsync(second.RefreshToken);

        await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(login.RefreshToken));

        Assert.True(h.Session!.Value.Revoked);
    }

    [Fact]
    public async Task Refresh_ReusedTokenWhileTheSessionRotates_StillRevokesTheSession()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var second = await h.RefreshAsync(login.RefreshToken);
        await h.RefreshAsync(second.RefreshToken);
        var raced = false;
        h.Users.Setup(u => u.TryReplaceSessionAsync(It.IsAny<SessionRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SessionRecord s, string tag, CancellationToken _) =>
            {
                if (!raced)
                {
                    // The legitimate client rotates between the thief's read and write.
                    raced = true;
                    h.Session = new(h.Session!.Value with { Generation = h.Session.Value.Generation + 1, RotatedAt = h.Time.GetUtcNow() }, "concurrent");
                    return false;
                }

                if (h.Session?.ETag != tag)
                {
                    return false;
                }

                h.Session = new(s, "after");
                return true;
            });

        await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(login.RefreshToken));

        Assert.True(h.Session!.Value.Revoked);
    }

    [Fact]
    public async Task Refresh_RevokedSession_Is401()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        h.Session = h.Session! with { Value = h.Session.Value with { Revoked = true } };

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(login.RefreshToken));

        Assert.Equal(401, error.Status);
        h.Users.Verify(u => u.TryReplaceSessionAsync(It.IsAny<SessionRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Refresh_UnknownSession_Is401()
    {
        var token = h.Tokens.Issue("user1", "nosuchsession", 1, TestClock.Start).RefreshToken;

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(token));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task Refresh_TamperedToken_Is401()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var forged = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode($"user1.{h.Session!.Value.SessionId}.7") + login.RefreshToken[login.RefreshToken.IndexOf('.', StringComparison.Ordinal)..];

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(forged));

        Assert.Equal(401, error.Status);
        Assert.False(h.Session.Value.Revoked);
    }

    [Fact]
    public async Task Logout_RevokesTheSession()
    {
        h.AddUser();
        var login = await h.LoginAsync();

        var revoked = await h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, null), None);

        Assert.True(revoked!.Revoked);
        Assert.True(h.Session!.Value.Revoked);
        await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(login.RefreshToken));
    }

    [Fact]
    public async Task Logout_AnotherUsersToken_Is400()
    {
        h.AddUser();
        var login = await h.LoginAsync();

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.LogoutAsync("user2", new LogoutRequest(login.RefreshToken, null), None));

        Assert.Equal(400, error.Status);
        Assert.False(h.Session!.Value.Revoked);
    }

    [Fact]
    public async Task Logout_WhileTheSessionRotatesConcurrently_StillRevokesIt()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var raced = false;
        h.Users.Setup(u => u.GetSessionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string userId, string sessionId, CancellationToken _) =>
            {
                var read = h.Session;
                if (!raced)
                {
                    // A refresh from another device rotates the session right after logout read it.
                    raced = true;
                    h.Session = new(read!.Value with { Generation = read.Value.Generation + 1 }, "rotated-concurrently");
                }

                return read;
            });

        await h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, null), None);

        Assert.True(h.Session!.Value.Revoked);
    }

    private static string WrongCode(string code) => code == "000000" ? "000001" : "000000";
}
