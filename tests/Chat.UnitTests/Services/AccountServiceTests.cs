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
    private const string Password = AccountHarness.Password;
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
        Assert.Empty(h.Registrations);
        Assert.Empty(h.Verifications);
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
        Assert.Empty(h.Registrations);
        Assert.Empty(h.Verifications);
        Assert.Empty(h.SentSms);
    }

    [Fact]
    public async Task Register_StoresPendingRegistration_AndTextsASixDigitCode()
    {
        var accepted = await h.Service.RegisterAsync(new RegisterRequest(Phone, "  Ann  ", "password1"), Ip, None);

        Assert.Equal(new RegisterAccepted(Phone, 600, accepted.RegistrationId), accepted);
        Assert.True(Ids.IsWellFormed(accepted.RegistrationId));
        var (to, text) = Assert.Single(h.SentSms);
        Assert.Equal(Phone, to);
        Assert.Matches(@"\b[0-9]{6}\b", text);

        var pending = Assert.Single(h.Registrations.Values);
        Assert.Equal(accepted.RegistrationId, pending.RegistrationId);
        Assert.Equal(Phone, pending.PhoneNumber);
        Assert.Equal("Ann", pending.DisplayName);
        Assert.Equal(TestClock.Start.AddMinutes(10), pending.ExpiresAt);
        Assert.DoesNotContain(h.LastCode, pending.CodeHash, StringComparison.Ordinal);
        Assert.NotEqual("password1", pending.PasswordHash);
        Assert.NotEqual(PasswordVerificationResult.Failed, h.Hasher.VerifyHashedPassword(null!, pending.PasswordHash, "password1"));

        var verification = h.Verification!;
        Assert.Equal([new PendingCode(accepted.RegistrationId, pending.ExpiresAt)], verification.Pending);
        Assert.Null(verification.WrongTries);
        Assert.Equal(new UseWindow(TestClock.Start, 1), verification.SmsHour);
        Assert.Equal(new UseWindow(TestClock.Start, 1), verification.SmsDay);
        Assert.Equal(TestClock.Start.AddDays(1), verification.KeepUntil);
    }

    [Fact]
    public async Task Register_Again_IsARegistrationOfItsOwn_AndLeavesTheEarlierOneUnchanged()
    {
        var (_, ownerId) = await h.RegisterAsync("Ann", Password);
        var owners = h.Registrations[ownerId];

        var (_, otherId) = await h.RegisterAsync("Mallory", "mallory's password");

        Assert.NotEqual(ownerId, otherId);
        Assert.Equal(owners, h.Registrations[ownerId]);
        Assert.Equal("Mallory", h.Registrations[otherId].DisplayName);
        Assert.NotEqual(owners.CodeHash, h.Registrations[otherId].CodeHash);
        Assert.Equal([ownerId, otherId], h.Verification!.Pending.Select(p => p.RegistrationId).ToArray());
    }

    [Fact]
    public async Task Verify_TakeoverSequence_TheAccountGetsTheOwnersNameAndPassword()
    {
        var (ownerCode, ownerId) = await h.RegisterAsync("Ann", Password);
        await h.RegisterAsync("Mallory", "mallory's password");

        var user = await h.VerifyAsync(ownerCode, ownerId);

        Assert.Equal("Ann", user.DisplayName);
        h.Users.Verify(u => u.TryCreateAsync(It.Is<UserAccount>(a => a.UserId == user.UserId && a.DisplayName == "Ann"), It.IsAny<CancellationToken>()), Times.Once);
        var created = (UserAccount)h.Users.Invocations.Single(i => i.Method.Name == nameof(h.Users.Object.TryCreateAsync)).Arguments[0]!;
        Assert.NotEqual(PasswordVerificationResult.Failed, h.Hasher.VerifyHashedPassword(created, created.PasswordHash, Password));
        Assert.Equal(PasswordVerificationResult.Failed, h.Hasher.VerifyHashedPassword(created, created.PasswordHash, "mallory's password"));
    }

    [Fact]
    public async Task Verify_TheCodeOfAnotherRegistration_IsWrong_AndCounted()
    {
        var (ownerCode, ownerId) = await h.RegisterAsync("Ann", Password);
        var (attackerCode, _) = await h.RegisterAsync("Mallory", "mallory's password");
        if (ownerCode == attackerCode)
        {
            return; // both got the same six digits (one in a million): nothing to tell apart
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(attackerCode, ownerId));

        Assert.True(error.Errors!.ContainsKey("code"));
        Assert.Equal(1, h.Verification!.WrongTries!.Count);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_WithoutRegistrationId_TwoPending_Is400OnRegistrationId_AndCountsNothing()
    {
        var (code, _) = await h.RegisterAsync("Ann", Password);
        await h.RegisterAsync("Mallory", "mallory's password");

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code));

        Assert.Equal(400, error.Status);
        Assert.Equal(["registrationId"], error.Errors!.Keys);
        Assert.Null(h.Verification!.WrongTries);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_WithoutRegistrationId_OnePending_VerifiesIt()
    {
        var (code, _) = await h.RegisterAsync("Ann", Password);

        var user = await h.VerifyAsync(code);

        Assert.Equal("Ann", user.DisplayName);
    }

    [Fact]
    public async Task Verify_WithoutRegistrationId_TheOtherOneExpired_VerifiesThePendingOne()
    {
        await h.RegisterAsync("Old", Password);
        h.Time.Advance(TimeSpan.FromMinutes(10));
        var (code, _) = await h.RegisterAsync("Ann", Password);

        var user = await h.VerifyAsync(code);

        Assert.Equal("Ann", user.DisplayName);
    }

    [Fact]
    public async Task Verify_UnknownRegistrationId_Is400OnCode()
    {
        var (code, _) = await h.RegisterAsync();

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code, Ids.NewId()));

        Assert.Equal(["code"], error.Errors!.Keys);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_RightCode_CreatesUser_ClaimsPhone_DeletesRegistrationAndTheNumbersRecord()
    {
        var (code, id) = await h.RegisterAsync();
        var passwordHash = h.Registrations[id].PasswordHash;

        var user = await h.VerifyAsync(code, id);

        Assert.Equal(Phone, user.PhoneNumber);
        Assert.Equal("Ann", user.DisplayName);
        h.Users.Verify(u => u.TryCreateAsync(
            It.Is<UserAccount>(a => a.UserId == user.UserId && a.PhoneNumber == Phone && a.PasswordHash == passwordHash), It.IsAny<CancellationToken>()), Times.Once);
        h.Directory.Verify(d => d.TryClaimPhoneAsync(Phone, user.UserId, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Empty(h.Registrations);
        Assert.Empty(h.Verifications);
    }

    [Fact]
    public async Task Verify_WrongCode_Is400OnCode_AndCountsTheTryOnTheNumber()
    {
        var (code, id) = await h.RegisterAsync();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        var etag = h.Verifications[Phone].ETag;

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));

        Assert.Equal(400, error.Status);
        Assert.Equal(["code"], error.Errors!.Keys);
        h.Directory.Verify(d => d.TryReplaceVerificationAsync(It.Is<PhoneVerification>(v => v.WrongTries!.Count == 1), etag, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(new UseWindow(h.Time.GetUtcNow(), 1), h.Verification!.WrongTries);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_ExpiredCode_Is400()
    {
        var (code, id) = await h.RegisterAsync();
        h.Time.Advance(TimeSpan.FromMinutes(10));

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code, id));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("code"));
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_JustBeforeExpiry_Succeeds()
    {
        var (code, id) = await h.RegisterAsync();
        h.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));

        var user = await h.VerifyAsync(code, id);

        Assert.Equal(Phone, user.PhoneNumber);
    }

    [Fact]
    public async Task Verify_AfterFiveWrongCodes_EvenTheRightCodeIs400()
    {
        var (code, id) = await h.RegisterAsync();
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code, id));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("code"));
        Assert.Equal(5, h.Verification!.WrongTries!.Count);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_FourWrongCodes_ThenTheRightCode_Succeeds()
    {
        var (code, id) = await h.RegisterAsync();
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));
        }

        var user = await h.VerifyAsync(code, id);

        Assert.Equal(Phone, user.PhoneNumber);
    }

    [Fact]
    public async Task Verify_TriesCountAcrossReRegisters_ANewRegistrationDoesNotResetThem()
    {
        var (firstCode, firstId) = await h.RegisterAsync();
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(firstCode), firstId));
        }

        var (code, id) = await h.RegisterAsync();
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code, id));

        Assert.Equal(["code"], error.Errors!.Keys);
        Assert.Equal(5, h.Verification!.WrongTries!.Count);
        h.Users.Verify(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Verify_TriesStartAgainTenMinutesAfterTheFirstWrongTry()
    {
        h.Limits.VerificationCodeLifetime = TimeSpan.FromMinutes(30);
        var (code, id) = await h.RegisterAsync();
        await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));
        h.Time.Advance(TimeSpan.FromMinutes(5));
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));
        }

        h.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var spent = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code, id));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var user = await h.VerifyAsync(code, id);

        Assert.Equal(["code"], spent.Errors!.Keys);
        Assert.Equal(Phone, user.PhoneNumber);
    }

    [Fact]
    public async Task Verify_ConcurrentWrongCodes_AreEachCounted()
    {
        var (code, id) = await h.RegisterAsync();
        var stale = h.Verifications[Phone];
        var reads = new Queue<Versioned<PhoneVerification>>([stale, stale]);
        h.Directory.Setup(d => d.GetVerificationAsync(Phone, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => reads.Count > 0 ? reads.Dequeue() : h.Verifications[Phone]);

        await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));
        await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id));

        Assert.Equal(2, h.Verification!.WrongTries!.Count);
    }

    [Fact]
    public async Task Verify_ManyWrongCodesAtOnce_CountEveryOne()
    {
        var (code, id) = await h.RegisterAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(WrongCode(code), id)))));

        Assert.Equal(4, h.Verification!.WrongTries!.Count);
    }

    [Fact]
    public async Task Verify_NothingPending_Is400()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync("123456"));

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
        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code!));

        Assert.True(error.Errors!.ContainsKey("code"));
        Assert.Empty(h.Directory.Invocations);
    }

    [Fact]
    public async Task Verify_MalformedRegistrationId_Is400WithoutTouchingTheStore()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync("123456", "../reg:+1"));

        Assert.Equal(["registrationId"], error.Errors!.Keys);
        Assert.Empty(h.Directory.Invocations);
    }

    [Fact]
    public async Task Verify_PhoneClaimLost_DeletesTheCreatedUser_And409()
    {
        var (code, id) = await h.RegisterAsync();
        h.Directory.Setup(d => d.TryClaimPhoneAsync(Phone, It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        string? createdId = null;
        h.Users.Setup(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>()))
            .Callback((UserAccount a, CancellationToken _) => createdId = a.UserId)
            .ReturnsAsync(true);

        var error = await Assert.ThrowsAsync<ChatException>(() => h.VerifyAsync(code, id));

        Assert.Equal(409, error.Status);
        Assert.NotNull(createdId);
        h.Users.Verify(u => u.DeleteAsync(createdId, It.IsAny<CancellationToken>()), Times.Once);
    }

    // ------------------------------------------------------------------ verification SMS per number

    [Fact]
    public async Task Register_SixthSmsInAnHour_Is429WithRetryAfter_SendsAndStoresNothing()
    {
        for (var i = 0; i < 5; i++)
        {
            await h.RegisterAsync();
            h.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var before = h.Verifications[Phone];

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RegisterAsync());

        Assert.Equal(429, error.Status);
        Assert.Equal(TimeSpan.FromMinutes(55), error.RetryAfter);
        Assert.Equal(5, h.SentSms.Count);
        Assert.Equal(5, h.Registrations.Count);
        Assert.Same(before, h.Verifications[Phone]);
        h.HasherMock.Verify(x => x.HashPassword(It.IsAny<UserAccount>(), It.IsAny<string>()), Times.Exactly(5));

        h.Time.Advance(TimeSpan.FromMinutes(55));
        await h.RegisterAsync();
        Assert.Equal(6, h.SentSms.Count);
    }

    [Fact]
    public async Task Register_EleventhSmsInADay_Is429WithRetryAfter_SendsAndStoresNothing()
    {
        for (var hour = 0; hour < 2; hour++)
        {
            for (var i = 0; i < 5; i++)
            {
                await h.RegisterAsync();
            }

            h.Time.Advance(TimeSpan.FromHours(1));
        }

        var before = h.Verifications[Phone];
        var registrations = h.Registrations.Count;

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RegisterAsync());

        Assert.Equal(429, error.Status);
        Assert.Equal(TimeSpan.FromHours(22), error.RetryAfter);
        Assert.Equal(10, h.SentSms.Count);
        Assert.Equal(registrations, h.Registrations.Count);
        Assert.Same(before, h.Verifications[Phone]);

        h.Time.Advance(TimeSpan.FromHours(22));
        await h.RegisterAsync();
        Assert.Equal(11, h.SentSms.Count);
    }

    [Fact]
    public async Task Register_SmsCapOfOneNumber_LeavesAnotherNumberAlone()
    {
        for (var i = 0; i < 5; i++)
        {
            await h.RegisterAsync();
        }

        await h.Service.RegisterAsync(new RegisterRequest("+14155550199", "Bo", Password), Ip, None);

        Assert.Equal("+14155550199", h.SentSms[^1].Phone);
    }

    // ------------------------------------------------------------------ numbers that are not E.164

    public static TheoryData<string> NotE164 => new()
    {
        new string('9', 10_000),
        "+" + new string('1', 10_000),
        "+1234567890123456",
        "+14155550100\n",
        "+1415555010a",
    };

    [Theory]
    [MemberData(nameof(NotE164))]
    public async Task Register_NumberNotE164_Is400BeforeAnythingIsCountedOrStored(string phone)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.RegisterAsync(new RegisterRequest(phone, "Ann", Password), Ip, None));

        Assert.Equal(["phoneNumber"], error.Errors!.Keys);
        Assert.Empty(h.Limiter.Invocations);
        Assert.Empty(h.Directory.Invocations);
        Assert.Empty(h.SentSms);
    }

    [Theory]
    [MemberData(nameof(NotE164))]
    public async Task Verify_NumberNotE164_Is400BeforeAnythingIsCountedOrStored(string phone)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.VerifyAsync(new VerifyRequest(phone, "123456", null), Ip, None));

        Assert.Equal(["phoneNumber"], error.Errors!.Keys);
        Assert.Empty(h.Limiter.Invocations);
        Assert.Empty(h.Directory.Invocations);
    }

    [Theory]
    [MemberData(nameof(NotE164))]
    public async Task Login_NumberNotE164_Is400BeforeAnythingIsCounted(string phone)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.LoginAsync(new LoginRequest(phone, Password), Ip, None));

        Assert.Equal(400, error.Status);
        Assert.Equal(["phoneNumber"], error.Errors!.Keys);
        Assert.Empty(h.Limiter.Invocations);
        Assert.Empty(h.Directory.Invocations);
        Assert.Empty(h.Users.Invocations);
    }

    [Fact]
    public async Task Login_FailedLoginKey_IsTheValidatedNumberAndTheIp()
    {
        await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync("wrong password"));

        h.Limiter.Verify(l => l.RecordAsync(It.Is<RateLimit>(r => r.Name == h.Limits.FailedLogins.Name), Phone + "|" + Ip, It.IsAny<CancellationToken>()), Times.Once);
        Assert.All(h.Limiter.Invocations, i => Assert.True(((string)i.Arguments[1]!).Length <= PhoneNumbers.MaxLength + 1 + Ip.Length));
    }

    [Fact]
    public async Task Login_UnknownNumber_Is401()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync());

        Assert.Equal(401, error.Status);
        h.Users.Verify(u => u.CreateSessionAsync(It.IsAny<SessionRecord>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Login_UnknownNumber_RunsTheSameHashCheck_AsAKnownOne()
    {
        await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync());
        h.AddUser();
        await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync("wrong password"));

        var checks = h.HasherMock.Invocations.Where(i => i.Method.Name == nameof(PasswordHasher<UserAccount>.VerifyHashedPassword)).ToArray();
        Assert.Equal(2, checks.Length);
        var (dummy, real) = ((string)checks[0].Arguments[1]!, (string)checks[1].Arguments[1]!);

        // Same format and length: the same PBKDF2 work runs for both.
        Assert.Equal(Convert.FromBase64String(real).Length, Convert.FromBase64String(dummy).Length);
        Assert.Equal(Convert.FromBase64String(real)[..13], Convert.FromBase64String(dummy)[..13]);
    }

    [Fact]
    public async Task Login_UnverifiedNumber_Is401_AndRunsTheHasher()
    {
        await h.RegisterAsync();

        var error = await Assert.ThrowsAsync<ChatException>(() => h.LoginAsync());

        Assert.Equal(401, error.Status);
        h.HasherMock.Verify(x => x.VerifyHashedPassword(It.IsAny<UserAccount>(), It.Is<string>(s => s.Length > 0), Password), Times.Once);
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
    public async Task Login_KeepsTheDeviceName_AndRefresh_MovesLastUsedAt()
    {
        h.AddUser();
        var login = await h.Service.LoginAsync(new LoginRequest(Phone, Password, "Pixel\u202E 9"), Ip, None);
        var createdAt = h.Session!.Value.CreatedAt;
        h.Time.Advance(TimeSpan.FromMinutes(5));

        await h.RefreshAsync(login.RefreshToken);

        Assert.Equal("Pixel 9", h.Session!.Value.DeviceName); // cleaned as any untrusted text
        Assert.Equal(createdAt.AddMinutes(5), h.Session.Value.LastUsedAt);
        await Assert.ThrowsAsync<ChatException>(() => h.Service.LoginAsync(new LoginRequest(Phone, Password, new string('x', 65)), Ip, None));
    }

    [Fact]
    public async Task RevokeSession_EndsIt_ThenIs404_AndAnotherUsersIs404()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        var sessionId = h.Session!.Value.SessionId;

        await Assert.ThrowsAsync<ChatException>(() => h.Service.RevokeSessionAsync("user2", sessionId, None));
        Assert.False(h.Session!.Value.Revoked);
        await h.Service.RevokeSessionAsync("user1", sessionId, None);

        Assert.True(h.Session!.Value.Revoked);
        await Assert.ThrowsAsync<ChatException>(() => h.RefreshAsync(login.RefreshToken));
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => h.Service.RevokeSessionAsync("user1", sessionId, None))).Status);
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
