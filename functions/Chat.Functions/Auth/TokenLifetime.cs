namespace Chat.Functions.Auth;

using Microsoft.IdentityModel.Tokens;

/// <summary>Token lifetime checked against the app's <see cref="TimeProvider"/> (so tests can move time).</summary>
public static class TokenLifetime
{
    public static LifetimeValidator Validator(TimeProvider time) => (notBefore, expires, _, parameters) =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } e && now <= e + parameters.ClockSkew && (notBefore is null || now >= notBefore.Value - parameters.ClockSkew);
    };
}
