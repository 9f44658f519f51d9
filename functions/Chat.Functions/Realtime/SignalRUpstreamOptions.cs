namespace Chat.Functions.Realtime;

using System.ComponentModel.DataAnnotations;

/// <summary>
/// How the app recognises the upstream requests of Azure SignalR Service (connection events). With an access key
/// (<see cref="SignalROptions.ConnectionString"/>, and the local service) it checks <c>X-ASRS-Signature</c>; with
/// keys off (Azure) it checks the bearer token the service obtains with its managed identity: these three settings.
/// </summary>
public sealed class SignalRUpstreamOptions : IValidatableObject
{
    public const string Section = "SignalR:Upstream";

    /// <summary>The <c>resource</c> of the upstream template's managed-identity auth: the audience of the service's tokens.</summary>
    public string? Audience { get; set; }

    /// <summary>The Entra tenant that issues them.</summary>
    public string? TenantId { get; set; }

    /// <summary>The object id of the SignalR resource's own identity: no other principal's token is accepted.</summary>
    public string? PrincipalId { get; set; }

    [Required] public Uri Authority { get; set; } = new("https://login.microsoftonline.com/");

    /// <summary>The tenant's signing keys are read again after this.</summary>
    public TimeSpan SigningKeysLifetime { get; set; } = TimeSpan.FromHours(6);

    public bool UsesManagedIdentity => Audience is not null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var set = new[] { Audience, TenantId, PrincipalId }.Count(v => !string.IsNullOrEmpty(v));
        if (set is not 0 and not 3)
        {
            yield return new ValidationResult("Set all or none of SignalR:Upstream:Audience, TenantId and PrincipalId.", [nameof(Audience)]);
        }
    }
}
