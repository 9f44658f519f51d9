namespace Chat.Functions.Auth;

using System.ComponentModel.DataAnnotations;

public sealed class SigningKeyOptions
{
    [Required] public string Id { get; set; } = string.Empty;

    /// <summary>Base64 of at least 32 random bytes (HS256).</summary>
    [Required] public string Key { get; set; } = string.Empty;
}

/// <summary>Access and refresh tokens. Keys rotate by adding a key, making it active, and removing
/// the old one after the access-token lifetime.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    [Required] public string Issuer { get; set; } = "chat";

    [Required] public string Audience { get; set; } = "chat-api";

    [MinLength(1)] public List<SigningKeyOptions> SigningKeys { get; set; } = [];

    /// <summary>The key that signs new tokens; defaults to the first.</summary>
    public string? ActiveKeyId { get; set; }

    /// <summary>Base64 of at least 32 random bytes; authenticates refresh tokens.</summary>
    [Required] public string RefreshTokenKey { get; set; } = string.Empty;

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The absolute lifetime of a session's refresh tokens, counted from its login.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(90);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var key in SigningKeys)
        {
            if (!IsLongKey(key.Key))
            {
                yield return new ValidationResult($"Signing key '{key.Id}' must be base64 of at least 32 bytes.", [nameof(SigningKeys)]);
            }
        }

        if (!IsLongKey(RefreshTokenKey))
        {
            yield return new ValidationResult("RefreshTokenKey must be base64 of at least 32 bytes.", [nameof(RefreshTokenKey)]);
        }

        if (RefreshTokenLifetime <= AccessTokenLifetime)
        {
            yield return new ValidationResult("RefreshTokenLifetime must be longer than AccessTokenLifetime.", [nameof(RefreshTokenLifetime)]);
        }

        if (ActiveKeyId is not null && SigningKeys.All(k => k.Id != ActiveKeyId))
        {
            yield return new ValidationResult($"ActiveKeyId '{ActiveKeyId}' names no signing key.", [nameof(ActiveKeyId)]);
        }
    }

    private static bool IsLongKey(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var length) && length >= 32;
    }
}
