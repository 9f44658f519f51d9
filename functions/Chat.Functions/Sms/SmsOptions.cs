namespace Chat.Functions.Sms;

using System.ComponentModel.DataAnnotations;

/// <summary>Azure Communication Services SMS (or the local SMS sink, which speaks the same REST API).</summary>
public sealed class SmsOptions : IValidatableObject
{
    public const string Section = "Sms";

    /// <summary><c>endpoint=https://NAME.communication.azure.com/;accesskey=KEY</c>: HMAC-signed requests.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The resource endpoint when the app authenticates with its managed identity instead.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The sending number or alphanumeric sender id.</summary>
    [Required] public string From { get; set; } = string.Empty;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(ConnectionString) == (Endpoint is null))
        {
            yield return new ValidationResult("Set exactly one of Sms:ConnectionString and Sms:Endpoint.", [nameof(ConnectionString)]);
        }
    }

    public (Uri Endpoint, byte[]? AccessKey) Resolve()
    {
        if (Endpoint is not null)
        {
            return (Endpoint, null);
        }

        var parts = Configuration.ConnectionString.Parse(ConnectionString!);
        return (new Uri(parts["endpoint"]), Convert.FromBase64String(parts["accesskey"]));
    }
}
