namespace Chat.Core.Accounts;

using System.ComponentModel.DataAnnotations;

/// <summary>The per-instance cache of session states behind <see cref="Ports.ISessionCheck"/>.</summary>
public sealed class SessionCacheOptions : IValidatableObject
{
    public const string Section = "SessionCache";

    /// <summary>How long "not revoked" answers without a look-up in the shared revocations; at most 50 s,
    /// with room for request time, so a revocation on another instance is refused within 60 s (API.md v1.1).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an unrefreshed state is kept to answer while the revocations cannot be read; then swept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(20);

    [Range(16, 50_000_000)] public int MaxEntries { get; set; } = 200_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Ttl <= TimeSpan.Zero || Ttl > TimeSpan.FromSeconds(50))
        {
            yield return new ValidationResult("Ttl must be more than 0 and at most 50 seconds (revocations must be seen within 60 s).", [nameof(Ttl)]);
        }

        if (Retention < Ttl)
        {
            yield return new ValidationResult("Retention must be at least Ttl.", [nameof(Retention)]);
        }
    }
}
