namespace Chat.UnitTests.Adapters;

using Chat.Core.Accounts;
using Chat.UnitTests.TestData;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

public sealed class TokenServiceTests
{
    [Fact]
    public void Issue_EqualInputs_GiveEqualTokens()
    {
        var time = TestClock.New();
        var first = TestAuth.Tokens(time).Issue("user1", "session1", 3, TestClock.Start);

        var again = TestAuth.Tokens(time).Issue("user1", "session1", 3, TestClock.Start);

        Assert.Equal(first, again);
    }

    [Fact]
    public void Issue_DifferentGeneration_GivesDifferentTokens()
    {
        var tokens = TestAuth.Tokens(TestClock.New());

        var a = tokens.Issue("user1", "session1", 1, TestClock.Start);
        var b = tokens.Issue("user1", "session1", 2, TestClock.Start);

        Assert.NotEqual(a.AccessToken, b.AccessToken);
        Assert.NotEqual(a.RefreshToken, b.RefreshToken);
    }

    [Fact]
    public void Issue_AccessToken_CarriesSubjectAudienceIssuerKidAndLifetime()
    {
        var issued = TestAuth.Tokens(TestClock.New()).Issue("user1", "session1", 1, TestClock.Start);

        var jwt = new JsonWebToken(issued.AccessToken);

        Assert.Equal("user1", jwt.Subject);
        Assert.Equal("chat", jwt.Issuer);
        Assert.Equal(["chat-api"], jwt.Audiences);
        Assert.Equal("k1", jwt.Kid);
        Assert.Equal(SecurityAlgorithms.HmacSha256, jwt.Alg);
        Assert.Equal(TestClock.Start.AddMinutes(15).UtcDateTime, jwt.ValidTo);
        Assert.Equal(900, issued.ExpiresIn);
        Assert.Equal("user1", issued.UserId);
    }

    [Fact]
    public void Issue_ExpiresIn_CountsFromNow()
    {
        var time = TestClock.New();
        time.Advance(TimeSpan.FromMinutes(5));

        var issued = TestAuth.Tokens(time).Issue("user1", "session1", 1, TestClock.Start);

        Assert.Equal(600, issued.ExpiresIn);
    }

    [Fact]
    public void Issue_SignsWithTheActiveKey()
    {
        var options = TestAuth.Options(activeKeyId: "k2", keys: [("k1", TestAuth.Key(1)), ("k2", TestAuth.Key(2))]);

        var issued = TestAuth.Tokens(TestClock.New(), options).Issue("user1", "session1", 1, TestClock.Start);

        Assert.Equal("k2", new JsonWebToken(issued.AccessToken).Kid);
    }

    [Fact]
    public void ReadRefreshToken_RoundTrips()
    {
        var tokens = TestAuth.Tokens(TestClock.New());

        var claims = tokens.ReadRefreshToken(tokens.Issue("user1", "session1", 42, TestClock.Start).RefreshToken);

        Assert.Equal(new RefreshTokenClaims("user1", "session1", 42), claims);
    }

    [Fact]
    public void ReadRefreshToken_TamperedPayload_IsRejected()
    {
        var tokens = TestAuth.Tokens(TestClock.New());
        var mac = tokens.Issue("user1", "session1", 1, TestClock.Start).RefreshToken.Split('.')[1];

        var forged = Base64UrlEncoder.Encode("user1.session1.2") + "." + mac;

        Assert.Null(tokens.ReadRefreshToken(forged));
    }

    [Fact]
    public void ReadRefreshToken_TamperedSignature_IsRejected()
    {
        var tokens = TestAuth.Tokens(TestClock.New());
        var parts = tokens.Issue("user1", "session1", 1, TestClock.Start).RefreshToken.Split('.');
        var flipped = (parts[1][0] == 'A' ? 'B' : 'A') + parts[1][1..];

        Assert.Null(tokens.ReadRefreshToken(parts[0] + "." + flipped));
    }

    [Fact]
    public void ReadRefreshToken_SignedWithAnotherKey_IsRejected()
    {
        var other = TestAuth.Options();
        other.RefreshTokenKey = TestAuth.Key(55);
        var foreign = TestAuth.Tokens(TestClock.New(), other).Issue("user1", "session1", 1, TestClock.Start).RefreshToken;

        Assert.Null(TestAuth.Tokens(TestClock.New()).ReadRefreshToken(foreign));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nodot")]
    [InlineData("a.b.c")]
    [InlineData("dXNlcjEuc2Vzc2lvbjEuMQ.%%%")]
    public void ReadRefreshToken_Garbage_IsRejected(string token)
    {
        Assert.Null(TestAuth.Tokens(TestClock.New()).ReadRefreshToken(token));
    }

    [Fact]
    public void ReadRefreshToken_AccessToken_IsRejected()
    {
        var tokens = TestAuth.Tokens(TestClock.New());

        Assert.Null(tokens.ReadRefreshToken(tokens.Issue("user1", "session1", 1, TestClock.Start).AccessToken));
    }
}
