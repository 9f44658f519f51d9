namespace Chat.UnitTests.TestData;

using Chat.Functions.Auth;
using Microsoft.Extensions.Options;

public static class TestAuth
{
    /// <summary>A deterministic 32-byte key, base64; different seeds give different keys.</summary>
    public static string Key(int seed) =>
        Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)((i * 7) + seed)).ToArray());

    public static AuthOptions Options(string issuer = "chat", string audience = "chat-api", string? activeKeyId = null, params (string Id, string Key)[] keys) => new()
    {
        Issuer = issuer,
        Audience = audience,
        SigningKeys = (keys.Length == 0 ? [("k1", Key(1))] : keys).Select(k => new SigningKeyOptions { Id = k.Id, Key = k.Key }).ToList(),
        ActiveKeyId = activeKeyId,
        RefreshTokenKey = Key(100),
    };

    public static TokenService Tokens(TimeProvider time, AuthOptions? options = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? Options()), time);

    public static AccessTokenValidator Validator(TimeProvider time, AuthOptions? options = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? Options()), time);

    public static IOptions<AuthOptions> Wrap(AuthOptions options) => Microsoft.Extensions.Options.Options.Create(options);
}
