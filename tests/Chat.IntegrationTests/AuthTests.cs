namespace Chat.IntegrationTests;

using System.Net;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

[Collection(BackendCollection.Name)]
public sealed class AuthTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Register_Verify_Login_GivesTokensAndProfile()
    {
        var client = Host.NewClient();
        var phone = TestHost.NewPhoneNumber();

        var accepted = await client.RegisterAsync(phone, "Alice", "correct-horse-1");
        Assert.Equal(phone, accepted.PhoneNumber);
        Assert.Equal(600, accepted.ExpiresIn);

        var user = await client.VerifyAsync(phone, await TestHost.LastCodeAsync(client, phone));
        Assert.Equal(phone, user.PhoneNumber);
        Assert.Equal("Alice", user.DisplayName);

        var tokens = await client.LoginAsync(phone, "correct-horse-1");
        Assert.Equal(user.UserId, tokens.UserId);
        Assert.InRange(tokens.ExpiresIn, 800, 900);
        var me = await client.GetMeAsync();
        Assert.Equal(user.UserId, me.UserId);
        Assert.Equal(phone, me.PhoneNumber);
    }

    [Fact]
    public async Task Register_InvalidFields_Returns400WithEachField()
    {
        var client = Host.NewClient();
        var e = await Expect.Problem(400, () => client.RegisterAsync("12345", "", "short"));
        Assert.Contains("phoneNumber", e.Problem!.Errors!.Keys);
        Assert.Contains("displayName", e.Problem.Errors.Keys);
        Assert.Contains("password", e.Problem.Errors.Keys);
        await Expect.Validation("password", () => client.RegisterAsync(TestHost.NewPhoneNumber(), "A", new string('x', 129)));
        await Expect.Validation("displayName", () => client.RegisterAsync(TestHost.NewPhoneNumber(), new string('x', 65), "correct-horse-1"));
    }

    [Fact]
    public async Task Register_VerifiedNumber_Returns409()
    {
        var existing = await Host.NewUserAsync();
        var phone = (await existing.GetMeAsync()).PhoneNumber!;
        await Expect.Problem(409, () => Host.NewClient().RegisterAsync(phone, "Mallory", "correct-horse-1"));
    }

    [Fact]
    public async Task Verify_WrongCode_Returns400WithCodeError_AndFiveTriesEndIt()
    {
        var client = Host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        await client.RegisterAsync(phone, "Bob", "correct-horse-1");
        var code = await TestHost.LastCodeAsync(client, phone);
        var wrong = code == "000000" ? "111111" : "000000";

        for (var i = 0; i < 5; i++)
        {
            await Expect.Validation("code", () => client.VerifyAsync(phone, wrong));
        }

        // The right code no longer helps after five wrong ones.
        await Expect.Validation("code", () => client.VerifyAsync(phone, code));
        await Expect.Validation("code", () => client.VerifyAsync(phone, "12ab56"));
    }

    [Fact]
    public async Task Login_Unverified_Returns401()
    {
        var client = Host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        await client.RegisterAsync(phone, "Carol", "correct-horse-1");
        await Expect.Problem(401, () => client.LoginAsync(phone, "correct-horse-1"));
    }

    [Fact]
    public async Task Login_WrongPassword_Returns401_ThenAfterFiveFailures429WithRetryAfter()
    {
        var user = await Host.NewUserAsync(password: "correct-horse-1");
        var phone = (await user.GetMeAsync()).PhoneNumber!;
        var client = Host.NewClient();
        for (var i = 0; i < 5; i++)
        {
            await Expect.Problem(401, () => client.LoginAsync(phone, "wrong-password"));
        }

        var limited = await Expect.Problem(429, () => client.LoginAsync(phone, "correct-horse-1"));
        Assert.NotNull(limited.RetryAfter);
    }

    [Fact]
    public async Task Protected_Route_WithoutOrWithBadToken_Returns401()
    {
        var anonymous = Host.NewClient();
        await Expect.Problem(401, () => anonymous.GetMeAsync());
        var forged = Host.NewClient().WithTokens(new Tokens("u", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "r", 900));
        await Expect.Problem(401, () => forged.GetMeAsync());
        var garbage = Host.NewClient().WithTokens(new Tokens("u", "not-a-jwt", "r", 900));
        await Expect.Problem(401, () => garbage.ListChatsAsync());
    }

    [Fact]
    public async Task Refresh_Rotates_RetryWithin10sGetsSamePair_LaterReuseRevokesSession()
    {
        var user = await Host.NewUserAsync();
        var first = user.Tokens!;

        var rotated = await user.RefreshAsync(first.RefreshToken);
        Assert.NotEqual(first.RefreshToken, rotated.RefreshToken);

        // A retried request (the answer was lost) gets the very same new pair.
        var retried = await Host.NewClient().RefreshAsync(first.RefreshToken);
        Assert.Equal(rotated.RefreshToken, retried.RefreshToken);
        Assert.Equal(rotated.AccessToken, retried.AccessToken);

        var next = await user.RefreshAsync(rotated.RefreshToken);
        Assert.NotEqual(rotated.RefreshToken, next.RefreshToken);

        // The first token is two rotations old: reuse revokes the whole session.
        await Expect.Problem(401, () => Host.NewClient().RefreshAsync(first.RefreshToken));
        await Expect.Problem(401, () => Host.NewClient().RefreshAsync(next.RefreshToken));
    }

    [Fact]
    public async Task Logout_RevokesTheSession_AndNeedsAToken()
    {
        var user = await Host.NewUserAsync();
        var refresh = user.Tokens!.RefreshToken;
        await Expect.Problem(401, () => Host.NewClient().WithTokens(new Tokens("x", "bad", refresh, 1)).LogoutAsync());
        await user.LogoutAsync();
        await Expect.Problem(401, () => Host.NewClient().RefreshAsync(refresh));
    }

    [Fact]
    public async Task MalformedJson_Returns400Problem()
    {
        var client = Host.NewClient();
        using var response = await client.SendRawAsync(HttpMethod.Post, "api/auth/register", "{\"phoneNumber\": ");
        await Expect.Problem(400, response);
        using var wrongType = await client.SendRawAsync(HttpMethod.Post, "api/auth/login", "{\"phoneNumber\": 5, \"password\": \"x\"}");
        var e = await Expect.Problem(400, wrongType);
        Assert.Contains("phoneNumber", e.Problem!.Errors!.Keys);
    }

    [Fact]
    public async Task Health_IsHealthy_AndCorsAllowsLocalOrigins()
    {
        var client = Host.NewClient();
        var health = await client.HealthAsync();
        Assert.Equal("healthy", health.Status);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/chats");
        preflight.Headers.Add("Origin", "http://localhost:5173");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var response = await client.Http.SendAsync(preflight);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("http://localhost:5173", response.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var foreign = new HttpRequestMessage(HttpMethod.Options, "api/chats");
        foreign.Headers.Add("Origin", "https://evil.example");
        foreign.Headers.Add("Access-Control-Request-Method", "GET");
        using var refused = await client.Http.SendAsync(foreign);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Users_GetOther_HidesPhone_UpdateMe_Validates_Lookup_FindsRegistered()
    {
        var alice = await Host.NewUserAsync("Alice");
        var bob = await Host.NewUserAsync("Bob");
        var bobPhone = (await bob.GetMeAsync()).PhoneNumber!;

        var seen = await alice.GetUserAsync(bob.UserId);
        Assert.Null(seen.PhoneNumber);
        Assert.Equal("Bob", seen.DisplayName);
        await Expect.Problem(404, () => alice.GetUserAsync("no-such-user"));

        var updated = await bob.UpdateMeAsync(new ProfileUpdate(DisplayName: "Robert", About: "hi", LastSeenVisibility: "nobody"));
        Assert.Equal("Robert", updated.DisplayName);
        Assert.Equal("hi", updated.About);
        await Expect.Validation("lastSeenVisibility", () => bob.UpdateMeAsync(new ProfileUpdate(LastSeenVisibility: "friends")));
        await Expect.Validation("displayName", () => bob.UpdateMeAsync(new ProfileUpdate(DisplayName: new string('x', 65))));

        var found = await alice.LookupAsync([bobPhone, TestHost.NewPhoneNumber()]);
        var match = Assert.Single(found);
        Assert.Equal(bob.UserId, match.UserId);
        Assert.Equal(bobPhone, match.PhoneNumber);
        await Expect.Validation("phoneNumbers", () => alice.LookupAsync(["not-a-number"]));
        await Expect.Validation("phoneNumbers", () => alice.LookupAsync(Enumerable.Range(0, 1001).Select(_ => TestHost.NewPhoneNumber())));
    }

    [Fact]
    public async Task Options_Preflight_NeedsNoToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "api/users/me");
        request.Headers.Add("Origin", "http://127.0.0.1:3000");
        request.Headers.Add("Access-Control-Request-Method", "PATCH");
        using var response = await Host.NewClient().Http.SendAsync(request);
        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
