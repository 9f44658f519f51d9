namespace Chat.UnitTests.Adapters;

using Chat.Core.Errors;
using Chat.Functions.Auth;
using Chat.UnitTests.TestData;

public sealed class AccessTokenValidatorTests
{
    [Fact]
    public async Task Validate_ValidToken_ReturnsTheUserId()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time).Issue("user1", "session1", 1, time.GetUtcNow()).AccessToken;

        Assert.Equal("user1", (await TestAuth.Validator(time).ValidateAsync("Bearer " + token)).UserId);
    }

    [Fact]
    public async Task Validate_ValidToken_ReturnsItsExpiry()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time).Issue("user1", "session1", 1, time.GetUtcNow()).AccessToken;
        time.Advance(TimeSpan.FromMinutes(3));

        var (_, _, expires) = await TestAuth.Validator(time).ValidateAsync("Bearer " + token);

        Assert.Equal(TestClock.Start.AddMinutes(15), expires);
    }

    [Fact]
    public async Task Validate_ValidToken_ReturnsItsSessionId()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time).Issue("user1", "session1", 1, time.GetUtcNow()).AccessToken;

        Assert.Equal("session1", (await TestAuth.Validator(time).ValidateAsync("Bearer " + token)).SessionId);
    }

    [Fact]
    public async Task Validate_SignedTokenWithoutASessionId_Is401()
    {
        var time = TestClock.New();
        var options = TestAuth.Options();
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = time.GetUtcNow().UtcDateTime,
            NotBefore = time.GetUtcNow().UtcDateTime,
            Expires = time.GetUtcNow().AddMinutes(15).UtcDateTime,
            Claims = new Dictionary<string, object> { ["sub"] = "user1" },
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Convert.FromBase64String(options.SigningKeys[0].Key)) { KeyId = "k1" },
                Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });

        await AssertUnauthorized(TestAuth.Validator(time, options), "Bearer " + token);
    }

    [Fact]
    public async Task Validate_LowercaseScheme_IsAccepted()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time).Issue("user1", "session1", 1, time.GetUtcNow()).AccessToken;

        Assert.Equal("user1", (await TestAuth.Validator(time).ValidateAsync("bearer " + token)).UserId);
    }

    [Fact]
    public async Task Validate_AlmostExpiredToken_IsAccepted()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time).Issue("user1", "session1", 1, time.GetUtcNow()).AccessToken;
        time.Advance(TimeSpan.FromMinutes(14));

        Assert.Equal("user1", (await TestAuth.Validator(time).ValidateAsync("Bearer " + token)).UserId);
    }

    [Fact]
    public async Task Validate_ExpiredToken_Is401()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time).Issue("user1", "session1", 1, time.GetUtcNow()).AccessToken;
        time.Advance(TimeSpan.FromMinutes(16));

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + token);
    }

    [Fact]
    public async Task Validate_TokenFromTheFuture_Is401()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time).Issue("user1", "session1", 1, time.GetUtcNow().AddMinutes(5)).AccessToken;

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + token);
    }

    [Fact]
    public async Task Validate_WrongAudience_Is401()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time, TestAuth.Options(audience: "other-api")).Issue("user1", "s", 1, time.GetUtcNow()).AccessToken;

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + token);
    }

    [Fact]
    public async Task Validate_WrongIssuer_Is401()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time, TestAuth.Options(issuer: "someone-else")).Issue("user1", "s", 1, time.GetUtcNow()).AccessToken;

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + token);
    }

    [Fact]
    public async Task Validate_WrongKeyWithTheSameKid_Is401()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time, TestAuth.Options(keys: [("k1", TestAuth.Key(9))])).Issue("user1", "s", 1, time.GetUtcNow()).AccessToken;

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + token);
    }

    [Fact]
    public async Task Validate_TokenOfASecondConfiguredKey_IsAccepted()
    {
        var time = TestClock.New();
        var keys = new[] { ("k1", TestAuth.Key(1)), ("k2", TestAuth.Key(2)) };
        var token = TestAuth.Tokens(time, TestAuth.Options(activeKeyId: "k2", keys: keys)).Issue("user1", "s", 1, time.GetUtcNow()).AccessToken;

        var validator = TestAuth.Validator(time, TestAuth.Options(activeKeyId: "k1", keys: keys));

        Assert.Equal("user1", (await validator.ValidateAsync("Bearer " + token)).UserId);
    }

    [Fact]
    public async Task Validate_TokenOfARemovedKey_Is401()
    {
        var time = TestClock.New();
        var token = TestAuth.Tokens(time, TestAuth.Options(keys: [("old", TestAuth.Key(3))])).Issue("user1", "s", 1, time.GetUtcNow()).AccessToken;

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + token);
    }

    [Fact]
    public async Task Validate_UnsignedToken_Is401()
    {
        var time = TestClock.New();
        var parts = TestAuth.Tokens(time).Issue("user1", "s", 1, time.GetUtcNow()).AccessToken.Split('.');
        var unsigned = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + unsigned);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Basic x")]
    [InlineData("Bearer ")]
    [InlineData("Bearer not-a-jwt")]
    public async Task Validate_NoBearerToken_Is401(string header)
    {
        await AssertUnauthorized(TestAuth.Validator(TestClock.New()), header);
    }

    [Fact]
    public async Task Validate_RefreshTokenAsBearer_Is401()
    {
        var time = TestClock.New();
        var refresh = TestAuth.Tokens(time).Issue("user1", "s", 1, time.GetUtcNow()).RefreshToken;

        await AssertUnauthorized(TestAuth.Validator(time), "Bearer " + refresh);
    }

    private static async Task AssertUnauthorized(AccessTokenValidator validator, string header)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => validator.ValidateAsync(header));
        Assert.Equal(401, error.Status);
    }
}
