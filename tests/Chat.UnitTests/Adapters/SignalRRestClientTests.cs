namespace Chat.UnitTests.Adapters;

using System.Net;
using System.Text;
using System.Text.Json;
using Chat.Core.Realtime;
using Chat.Functions.Realtime;
using Chat.UnitTests.TestData;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Moq;

/// <summary>The request shapes of Azure SignalR Service's data-plane REST API, on a recording handler.</summary>
public sealed class SignalRRestClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task SendToGroup_PostsTargetAndArgumentsToTheChatsGroup()
    {
        var h = SignalRHarness.WithAccessKey();

        await h.Client.SendToGroupAsync("g_chat1", ClientMethods.Message, new TypingEvent("g_chat1", "alice"), None);

        var (request, body) = h.Single();
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal($"{SignalRHarness.Hub}/groups/g_chat1/:send?{SignalRHarness.ApiVersion}", request.RequestUri!.AbsoluteUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("message", json.RootElement.GetProperty("target").GetString());
        var argument = Assert.Single(json.RootElement.GetProperty("arguments").EnumerateArray());
        Assert.Equal("g_chat1", argument.GetProperty("chatId").GetString());
        Assert.Equal("alice", argument.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task SendToGroupExcept_NamesEachSkippedConnection_InOneRequest()
    {
        var h = SignalRHarness.WithAccessKey();

        await h.Client.SendToGroupExceptAsync("g_chat1", ["conn1", "conn 2"], ClientMethods.Typing, new TypingEvent("g_chat1", "alice"), None);

        var (request, _) = h.Single();
        Assert.Equal($"{SignalRHarness.Hub}/groups/g_chat1/:send?excluded=conn1&excluded=conn%202&{SignalRHarness.ApiVersion}", request.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task SendToUsers_PostsOnceToEachUser()
    {
        var h = SignalRHarness.WithAccessKey();

        await h.Client.SendToUsersAsync(["bob", "carol"], ClientMethods.Typing, new TypingEvent("g_chat1", "alice"), None);

        Assert.Equal(
            [$"{SignalRHarness.Hub}/users/bob/:send?{SignalRHarness.ApiVersion}", $"{SignalRHarness.Hub}/users/carol/:send?{SignalRHarness.ApiVersion}"],
            h.Handler.Requests.Select(r => r.Request.RequestUri!.AbsoluteUri).Order(StringComparer.Ordinal));
        Assert.All(h.Handler.Requests, r =>
        {
            Assert.Equal(HttpMethod.Post, r.Request.Method);
            using var json = JsonDocument.Parse(r.Body);
            Assert.Equal("typing", json.RootElement.GetProperty("target").GetString());
            Assert.Equal(1, json.RootElement.GetProperty("arguments").GetArrayLength());
        });
    }

    [Fact]
    public async Task Apply_APresenceChange_ChangesTheNamedGroup_NotTheChats()
    {
        var h = SignalRHarness.WithAccessKey();

        await h.Client.ApplyAsync([new GroupChange("d_chat1", "bob", Add: false, Group: PresenceGroups.Of("alice"))], None);

        Assert.Equal(
            [(HttpMethod.Delete, $"{SignalRHarness.Hub}/users/bob/groups/presence-alice?{SignalRHarness.ApiVersion}")],
            h.Handler.Requests.Select(r => (r.Request.Method, r.Request.RequestUri!.AbsoluteUri)));
    }

    [Fact]
    public async Task Apply_AddIsPut_RemoveIsDelete_OfTheUserInTheChatsGroup()
    {
        var h = SignalRHarness.WithAccessKey();

        await h.Client.ApplyAsync([new GroupChange("g_chat1", "bob", Add: true)], None);
        await h.Client.ApplyAsync([new GroupChange("g_chat1", "carol", Add: false)], None);

        Assert.Equal(
            [
                (HttpMethod.Put, $"{SignalRHarness.Hub}/users/bob/groups/g_chat1?{SignalRHarness.ApiVersion}"),
                (HttpMethod.Delete, $"{SignalRHarness.Hub}/users/carol/groups/g_chat1?{SignalRHarness.ApiVersion}"),
            ],
            h.Handler.Requests.Select(r => (r.Request.Method, r.Request.RequestUri!.AbsoluteUri)));
        Assert.All(h.Handler.Requests, r => Assert.Empty(r.Body));
    }

    [Fact]
    public async Task ApplyNow_Refused_Throws_SoTheQueueRetriesIt()
    {
        var h = SignalRHarness.WithAccessKey(HttpStatusCode.Forbidden);

        await Assert.ThrowsAsync<RealtimeException>(() => h.Client.ApplyNowAsync(new GroupChange("g_chat1", "bob", Add: true), None));

        Assert.Single(h.Handler.Requests); // a 4xx is not transient: no retry
    }

    [Fact]
    public async Task CloseSession_ClosesTheSessionsGroup_NotTheUser()
    {
        var h = SignalRHarness.WithAccessKey();

        await h.Client.CloseSessionAsync(new SessionClose("alice", "s1"), None);

        Assert.Equal(
            [$"{SignalRHarness.Hub}/groups/session-s1/:closeConnections?reason=session-revoked&{SignalRHarness.ApiVersion}"],
            h.Handler.Requests.Select(r => r.Request.RequestUri!.AbsoluteUri));
        Assert.All(h.Handler.Requests, r => Assert.Equal(HttpMethod.Post, r.Request.Method));
    }

    [Fact]
    public async Task AddConnectionToGroup_PutsTheConnectionInTheGroup()
    {
        var h = SignalRHarness.WithAccessKey(HttpStatusCode.OK);

        Assert.True(await h.Client.AddConnectionToGroupAsync("conn 1", "session-s1", None));

        var (request, body) = h.Single();
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal($"{SignalRHarness.Hub}/groups/session-s1/connections/conn%201?{SignalRHarness.ApiVersion}", request.RequestUri!.AbsoluteUri);
        Assert.Empty(body);
    }

    [Fact]
    public async Task AddConnectionToGroup_Refused_IsFalse_AfterOneTry()
    {
        var h = SignalRHarness.WithAccessKey(HttpStatusCode.NotFound);

        Assert.False(await h.Client.AddConnectionToGroupAsync("conn1", "session-s1", None));

        Assert.Single(h.Handler.Requests);
    }

    [Fact]
    public async Task CloseConnection_DeletesTheConnection_WithTheReason()
    {
        var h = SignalRHarness.WithAccessKey(HttpStatusCode.OK);

        await h.Client.CloseConnectionAsync("conn1", "session-revoked", None);

        var (request, _) = h.Single();
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal($"{SignalRHarness.Hub}/connections/conn1?reason=session-revoked&{SignalRHarness.ApiVersion}", request.RequestUri!.AbsoluteUri);
    }

    [Theory]
    [InlineData("send")]
    [InlineData("close")]
    [InlineData("apply")]
    public async Task AccessKeyMode_BearerIsAnHs256JwtOfTheAccessKey_ForTheUrlWithoutQuery(string operation)
    {
        var h = SignalRHarness.WithAccessKey();
        await (operation switch
        {
            "send" => h.Client.SendToGroupAsync("g_chat1", ClientMethods.Chat, new { }, None),
            "close" => h.Client.CloseConnectionAsync("conn1", "session-revoked", None),
            _ => h.Client.ApplyAsync([new GroupChange("g_chat1", "bob", Add: true)], None),
        });

        var (request, _) = h.Single();
        Assert.Equal("Bearer", request.Headers.Authorization!.Scheme);
        var audience = request.RequestUri!.GetLeftPart(UriPartial.Path);
        var token = await ValidateAsync(request.Headers.Authorization.Parameter!, audience);
        Assert.Equal(SecurityAlgorithms.HmacSha256, token.Alg);
        Assert.Equal([audience], token.Audiences);
        Assert.True(token.ValidTo > h.Time.GetUtcNow().UtcDateTime);
        Assert.True(token.ValidTo <= h.Time.GetUtcNow().UtcDateTime.AddHours(1));
    }

    [Fact]
    public async Task AccessKeyMode_TokenSignedWithAnotherKey_DoesNotValidate()
    {
        var h = SignalRHarness.WithAccessKey();
        await h.Client.SendToGroupAsync("g_chat1", ClientMethods.Chat, new { }, None);

        var (request, _) = h.Single();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(
            request.Headers.Authorization!.Parameter!,
            Parameters("another-access-key-of-32-characters-or-more", request.RequestUri!.GetLeftPart(UriPartial.Path)));

        Assert.False(result.IsValid); // guards the positive test: validation really checks the key
    }

    [Fact]
    public async Task Send_Transient500_IsRetried_AndSucceedsOnTheThirdTry()
    {
        var h = SignalRHarness.WithAccessKey();
        h.Handler.Script.Enqueue((HttpStatusCode.InternalServerError, string.Empty));
        h.Handler.Script.Enqueue((HttpStatusCode.ServiceUnavailable, string.Empty));

        await h.Client.SendToGroupAsync("g_chat1", ClientMethods.Message, new { }, None);

        Assert.Equal(3, h.Handler.Requests.Count);
        Assert.Empty(h.Handler.Script);
        Assert.All(h.Handler.Requests, r => Assert.Equal($"{SignalRHarness.Hub}/groups/g_chat1/:send?{SignalRHarness.ApiVersion}", r.Request.RequestUri!.AbsoluteUri));
    }

    [Fact]
    public async Task Send_FailingEveryTime_TriesRetriesPlusOne_AndDoesNotThrow()
    {
        var h = SignalRHarness.WithAccessKey(HttpStatusCode.InternalServerError);

        await h.Client.SendToGroupAsync("g_chat1", ClientMethods.Message, new { }, None);

        Assert.Equal(h.Options.Retries + 1, h.Handler.Requests.Count);
    }

    [Fact]
    public async Task Send_ConnectionFailures_DoNotThrow()
    {
        var h = SignalRHarness.WithAccessKey();
        for (var i = 0; i < 3; i++)
        {
            h.Handler.Script.Enqueue((null, string.Empty));
        }

        await h.Client.SendToGroupAsync("g_chat1", ClientMethods.Message, new { }, None);

        Assert.Equal(3, h.Handler.Requests.Count);
    }

    [Fact]
    public async Task SendToUsers_AndCloses_Failing_DoNotThrow()
    {
        var h = SignalRHarness.WithAccessKey(HttpStatusCode.BadRequest);

        await h.Client.SendToUsersAsync(["bob", "carol"], ClientMethods.Presence, new { }, None);
        await h.Client.CloseSessionAsync(new SessionClose("alice", "s1"), None);
        await h.Client.CloseConnectionAsync("conn1", "session-revoked", None);

        Assert.Equal(4, h.Handler.Requests.Count); // 4xx: one try each
    }

    [Fact]
    public async Task ManagedIdentityMode_RequestsCarryTheEntraToken()
    {
        var h = SignalRHarness.ManagedIdentity();

        await h.Client.SendToGroupAsync("g_chat1", ClientMethods.Message, new { }, None);

        var (request, _) = h.Single();
        Assert.Equal($"{SignalRHarness.Hub}/groups/g_chat1/:send?{SignalRHarness.ApiVersion}", request.RequestUri!.AbsoluteUri);
        Assert.Equal("Bearer", request.Headers.Authorization!.Scheme);
        Assert.Equal(SignalRHarness.EntraToken, request.Headers.Authorization.Parameter);
        h.Credential.Verify(
            c => c.GetTokenAsync(It.Is<Azure.Core.TokenRequestContext>(r => r.Scopes.SequenceEqual(new[] { SignalRHarness.EntraScope })), It.IsAny<CancellationToken>()),
            Times.Once);
    }

    [Fact]
    public async Task ManagedIdentityMode_Negotiate_AsksTheServiceForAClientToken()
    {
        var h = SignalRHarness.ManagedIdentity(HttpStatusCode.OK, """{"token":"service-issued-client-token"}""");

        var result = await h.Client.NegotiateAsync("alice", "s1", h.Time.GetUtcNow().AddMinutes(15), None);

        // The service's token takes no sid claim: the URL carries the session, bound to the user (SignalRSessionBinding).
        Assert.StartsWith("https://example.service.signalr.net/client/?hub=chat&sid=s1&sidmac=", result.Url, StringComparison.Ordinal);
        var query = new Uri(result.Url).Query;
        Assert.Equal("s1", h.Binding.SessionOf("alice", query));
        Assert.Null(h.Binding.SessionOf("bob", query)); // another user cannot present it
        Assert.Null(h.Binding.SessionOf("alice", query.Replace("sid=s1", "sid=s2", StringComparison.Ordinal)));
        Assert.Equal("service-issued-client-token", result.AccessToken);
        var (request, _) = h.Single();
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(
            $"{SignalRHarness.Hub}/:generateToken?userId=alice&minutesToExpire=15&{SignalRHarness.ApiVersion}",
            request.RequestUri!.AbsoluteUri);
        Assert.Equal(SignalRHarness.EntraToken, request.Headers.Authorization!.Parameter);
    }

    [Fact]
    public async Task ManagedIdentityMode_Negotiate_MinutesNeverOutliveTheClientTokenLifetime()
    {
        var h = SignalRHarness.ManagedIdentity(HttpStatusCode.OK, """{"token":"t"}""");

        await h.Client.NegotiateAsync("alice", "s1", h.Time.GetUtcNow().AddHours(5), None);

        Assert.Contains("minutesToExpire=60&", h.Single().Request.RequestUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessKeyMode_Negotiate_SignsAClientTokenForTheClientUrl_WithoutCallingTheService()
    {
        var h = SignalRHarness.WithAccessKey();
        var accessTokenExpires = h.Time.GetUtcNow().AddMinutes(15);

        var result = await h.Client.NegotiateAsync("alice", "s1", accessTokenExpires, None);

        Assert.Equal("https://example.service.signalr.net/client/?hub=chat", result.Url);
        var token = await ValidateAsync(result.AccessToken, result.Url);
        Assert.Equal("alice", token.GetClaim("nameid").Value);
        Assert.Equal("s1", token.GetClaim(SignalRTokens.SessionClaim).Value); // reaches the upstream in X-ASRS-User-Claims
        Assert.Equal(accessTokenExpires.UtcDateTime, token.ValidTo);
        Assert.Empty(h.Handler.Requests);
    }

    [Fact]
    public async Task AccessKeyMode_Negotiate_ExpiryIsCappedAtTheClientTokenLifetime()
    {
        var h = SignalRHarness.WithAccessKey();

        var result = await h.Client.NegotiateAsync("alice", "s1", h.Time.GetUtcNow().AddDays(1), None);

        var token = await ValidateAsync(result.AccessToken, result.Url);
        Assert.Equal((h.Time.GetUtcNow() + h.Options.ClientTokenLifetime).UtcDateTime, token.ValidTo);
    }

    /// <summary>Validates like the service does: HS256 with the access key's UTF-8 bytes, audience = the URL.</summary>
    private static async Task<JsonWebToken> ValidateAsync(string jwt, string audience)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(jwt, Parameters(SignalRHarness.AccessKey, audience));
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    private static TokenValidationParameters Parameters(string key, string audience) => new()
    {
        ValidateIssuer = false,
        ValidAudience = audience,
        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = false, // the tokens are minted at TestClock.Start; their times are asserted on their own
    };
}
