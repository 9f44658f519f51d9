namespace Chat.UnitTests.Adapters;

using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Chat.Core.Errors;
using Chat.Functions.Realtime;
using Chat.UnitTests.TestData;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

/// <summary>Recognising the upstream requests of Azure SignalR Service: its signature, its managed identity's token, its headers.</summary>
public sealed class SignalRUpstreamTests
{
    private const string Key = SignalRHarness.AccessKey;
    private const string Tenant = "11111111-1111-1111-1111-111111111111";
    private const string SignalRPrincipal = "22222222-2222-2222-2222-222222222222";
    private const string Audience = "api://chat-upstream";

    [Fact]
    public void Signature_IsTheHexHmacSha256OfTheConnectionId_KeyedWithTheKeysUtf8Bytes()
    {
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes("conn1")));

        Assert.Equal(expected, SignalRUpstreamSignature.Sign(Key, "conn1"));
        Assert.True(SignalRUpstreamSignature.IsValid(expected, "conn1", [Key]));
        Assert.True(SignalRUpstreamSignature.IsValid(expected.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal), "conn1", [Key]));
    }

    [Theory]
    [InlineData("another-key", "conn1")] // signed with a key the app does not hold
    [InlineData(Key, "conn2")] // another connection's signature
    public void Signature_Wrong_IsRefused(string signedWith, string signedFor)
    {
        Assert.False(SignalRUpstreamSignature.IsValid(SignalRUpstreamSignature.Sign(signedWith, signedFor), "conn1", [Key]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256=")]
    [InlineData("sha256=not-hex")]
    [InlineData("md5=0123")]
    public void Signature_MissingOrMalformed_IsRefused(string? header)
    {
        Assert.False(SignalRUpstreamSignature.IsValid(header, "conn1", [Key]));
    }

    [Fact]
    public void Signature_OneOfSeveral_PrimaryAndSecondary_Matches()
    {
        var header = $"{SignalRUpstreamSignature.Sign("the-primary-key", "conn1")}, {SignalRUpstreamSignature.Sign(Key, "conn1")}";

        Assert.True(SignalRUpstreamSignature.IsValid(header, "conn1", [Key]));
        Assert.True(SignalRUpstreamSignature.IsValid(header, "conn1", ["unrelated", "the-primary-key"]));
        Assert.False(SignalRUpstreamSignature.IsValid(header, "conn1", ["unrelated"]));
    }

    [Fact]
    public void Claims_AreReadFromTheServicesForm()
    {
        var claims = SignalRUpstreamReader.Claims("nameid: alice, sid: s1, aud: https://x/client/?hub=chat, exp: 1");

        Assert.Equal("alice", claims["nameid"]);
        Assert.Equal("s1", claims["sid"]);
        Assert.Equal("https://x/client/?hub=chat", claims["aud"]);
        Assert.Empty(SignalRUpstreamReader.Claims(string.Empty));
    }

    [Fact]
    public async Task Read_Signed_GivesTheConnectionUserAndSession()
    {
        var reader = Reader(out _);

        var reported = await reader.ReadAsync(Upstream("conn1", SignalRUpstreamSignature.Sign(Key, "conn1")));

        Assert.Equal(("chat", "connections", "connected"), (reported.Hub, reported.Category, reported.Event));
        Assert.Equal(new Chat.Core.Realtime.RealtimeConnection("conn1", "alice", "s1"), reported.Connection);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sha256=00")]
    public async Task Read_UnsignedOrBadlySigned_Is401(string? signature)
    {
        var reader = Reader(out _);

        var error = await Assert.ThrowsAsync<ChatException>(() => reader.ReadAsync(Upstream("conn1", signature)));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task Read_ManagedIdentity_TokenOfTheSignalRIdentity_IsAccepted_OthersAre401()
    {
        using var rsa = RSA.Create(2048);
        var reader = Reader(out var jwks, managedIdentity: true, rsa);

        var ok = Upstream("conn1", signature: null, bearer: EntraToken(rsa, SignalRPrincipal, Audience));
        var otherPrincipal = Upstream("conn1", signature: null, bearer: EntraToken(rsa, "33333333-3333-3333-3333-333333333333", Audience));
        var otherAudience = Upstream("conn1", signature: null, bearer: EntraToken(rsa, SignalRPrincipal, "api://someone-else"));

        Assert.Equal("conn1", (await reader.ReadAsync(ok)).Connection.ConnectionId);
        Assert.Equal(401, (await Assert.ThrowsAsync<ChatException>(() => reader.ReadAsync(otherPrincipal))).Status);
        Assert.Equal(401, (await Assert.ThrowsAsync<ChatException>(() => reader.ReadAsync(otherAudience))).Status);
        Assert.Equal($"https://login.microsoftonline.com/{Tenant}/discovery/v2.0/keys", Assert.Single(jwks.Requests).Request.RequestUri!.AbsoluteUri); // the keys are kept
    }

    private static readonly SignalRSessionBinding Binding = new(TestAuth.Wrap(TestAuth.Options()));

    [Fact]
    public async Task ManagedIdentity_TokenOfARotatedKey_ReadsTheKeysAgain_ButNotMoreThanOncePer5Minutes()
    {
        using var oldKey = RSA.Create(2048);
        using var newKey = RSA.Create(2048);
        var time = TestClock.New();
        var jwks = new RecordingHandler(HttpStatusCode.OK, JsonSerializer.Serialize(new { keys = new[] { Jwk(oldKey, "k1"), Jwk(newKey, "k2") } }));
        jwks.Script.Enqueue((HttpStatusCode.OK, JsonSerializer.Serialize(new { keys = new[] { Jwk(oldKey, "k1") } })));
        var bearer = new SignalRUpstreamBearer(
            Microsoft.Extensions.Options.Options.Create(new SignalRUpstreamOptions { Audience = Audience, TenantId = Tenant, PrincipalId = SignalRPrincipal }),
            new HttpClient(jwks),
            time);
        var rotated = "Bearer " + EntraToken(newKey, SignalRPrincipal, Audience, "k2");

        Assert.True(await bearer.IsValidAsync("Bearer " + EntraToken(oldKey, SignalRPrincipal, Audience), CancellationToken.None));
        Assert.False(await bearer.IsValidAsync(rotated, CancellationToken.None)); // keys read just now: not again yet
        time.Advance(SignalRUpstreamBearer.MinRefreshInterval);

        Assert.True(await bearer.IsValidAsync(rotated, CancellationToken.None));
        Assert.Equal(2, jwks.Requests.Count);
    }

    [Fact]
    public async Task ManagedIdentity_KeysUnreachable_Is503_Not401()
    {
        using var rsa = RSA.Create(2048);
        var jwks = new RecordingHandler(HttpStatusCode.OK, "{}");
        jwks.Script.Enqueue((null, string.Empty));
        var bearer = new SignalRUpstreamBearer(
            Microsoft.Extensions.Options.Options.Create(new SignalRUpstreamOptions { Audience = Audience, TenantId = Tenant, PrincipalId = SignalRPrincipal }),
            new HttpClient(jwks),
            TestClock.New());

        var error = await Assert.ThrowsAsync<ChatException>(() => bearer.IsValidAsync("Bearer " + EntraToken(rsa, SignalRPrincipal, Audience), CancellationToken.None));

        Assert.Equal(503, error.Status);
    }

    [Fact]
    public async Task Read_WithoutASidClaim_TakesTheSessionFromTheBoundClientQuery_OnlyWhenItsMacIsTheUsers()
    {
        var reader = Reader(out _);
        var bound = new Uri(Binding.ClientUrl("https://x/client/?hub=chat", "alice", "s7")).Query + "&id=abc&access_token=t";
        var forBob = new Uri(Binding.ClientUrl("https://x/client/?hub=chat", "bob", "s7")).Query;

        var withQuery = Upstream("conn1", SignalRUpstreamSignature.Sign(Key, "conn1"), claims: "nameid: alice", query: bound);
        var withBobs = Upstream("conn1", SignalRUpstreamSignature.Sign(Key, "conn1"), claims: "nameid: alice", query: forBob);

        Assert.Equal("s7", (await reader.ReadAsync(withQuery)).Connection.SessionId);
        Assert.Null((await reader.ReadAsync(withBobs)).Connection.SessionId); // no session (closed when it connects), never another one
    }

    private static SignalRUpstreamReader Reader(out RecordingHandler jwks, bool managedIdentity = false, RSA? rsa = null)
    {
        var time = TestClock.New();
        var upstream = managedIdentity
            ? new SignalRUpstreamOptions { Audience = Audience, TenantId = Tenant, PrincipalId = SignalRPrincipal }
            : new SignalRUpstreamOptions();
        var keys = rsa is null ? "{\"keys\":[]}" : JsonSerializer.Serialize(new { keys = new[] { Jwk(rsa) } });
        jwks = new RecordingHandler(HttpStatusCode.OK, keys);
        var signalR = managedIdentity
            ? new SignalROptions { Endpoint = new Uri(SignalRHarness.Host) }
            : new SignalROptions { ConnectionString = $"Endpoint={SignalRHarness.Host};AccessKey={Key};Version=1.0;" };
        var bearer = new SignalRUpstreamBearer(Microsoft.Extensions.Options.Options.Create(upstream), new HttpClient(jwks), time);
        return new SignalRUpstreamReader(Microsoft.Extensions.Options.Options.Create(signalR), bearer, Binding);
    }

    private static object Jwk(RSA rsa, string kid = "k1")
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = kid });
        return new { kty = jwk.Kty, kid, use = "sig", n = jwk.N, e = jwk.E };
    }

    private static string EntraToken(RSA rsa, string objectId, string audience, string kid = "k1") =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = $"https://sts.windows.net/{Tenant}/",
            Audience = audience,
            IssuedAt = TestClock.Start.UtcDateTime,
            NotBefore = TestClock.Start.UtcDateTime,
            Expires = TestClock.Start.AddHours(1).UtcDateTime,
            Subject = new ClaimsIdentity([new Claim("oid", objectId)]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
        });

    private static HttpRequest Upstream(string connectionId, string? signature, string? bearer = null, string claims = "nameid: alice, sid: s1", string? query = null)
    {
        var context = new DefaultHttpContext();
        var headers = context.Request.Headers;
        context.Request.Method = "POST";
        headers["X-ASRS-Connection-Id"] = connectionId;
        headers["X-ASRS-Hub"] = "chat";
        headers["X-ASRS-Category"] = "connections";
        headers["X-ASRS-Event"] = "connected";
        headers["X-ASRS-User-Id"] = "alice";
        headers["X-ASRS-User-Claims"] = claims;
        if (query is not null)
        {
            headers["X-ASRS-Client-Query"] = query;
        }

        if (signature is not null)
        {
            headers[SignalRUpstreamSignature.Header] = signature;
        }

        if (bearer is not null)
        {
            headers.Authorization = "Bearer " + bearer;
        }

        return context.Request;
    }
}
