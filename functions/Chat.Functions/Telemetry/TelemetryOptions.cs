namespace Chat.Functions.Telemetry;

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

/// <summary>Where traces and metrics go, under the platform's own setting names: Application Insights
/// with an Entra token in Azure, an OTLP collector when one is named, nowhere otherwise.</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Not a secret once the component's local auth is off: ingestion then needs an Entra token.</summary>
    [ConfigurationKeyName(ConnectionStringSetting)]
    public string? ApplicationInsightsConnectionString { get; set; }

    /// <summary><c>Authorization=AAD</c> (optionally <c>ClientId=...;</c>): export with the app's managed identity.</summary>
    [ConfigurationKeyName(AuthenticationSetting)]
    public string? ApplicationInsightsAuthentication { get; set; }

    [ConfigurationKeyName(OtlpEndpointSetting)]
    public string? OtlpEndpoint { get; set; }

    public bool ExportsToApplicationInsights => !string.IsNullOrWhiteSpace(ApplicationInsightsConnectionString);

    public bool ExportsToOtlp => !string.IsNullOrWhiteSpace(OtlpEndpoint);

    /// <summary>The user-assigned identity's client id the authentication string names, if any.</summary>
    public string? AuthenticationClientId => Part(ApplicationInsightsAuthentication, "ClientId");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ExportsToApplicationInsights && !ApplicationInsightsConnectionString!.Contains("InstrumentationKey=", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"{ConnectionStringSetting} must be the component's connection string (InstrumentationKey=...;IngestionEndpoint=...).", [nameof(ApplicationInsightsConnectionString)]);
        }

        if (ExportsToApplicationInsights && !string.Equals(Part(ApplicationInsightsAuthentication, "Authorization"), "AAD", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"{AuthenticationSetting} must be 'Authorization=AAD' (local auth is off on the component).", [nameof(ApplicationInsightsAuthentication)]);
        }

        if (ExportsToOtlp && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return new ValidationResult($"{OtlpEndpointSetting} must be an absolute http(s) URL, e.g. http://localhost:4317.", [nameof(OtlpEndpoint)]);
        }
    }

    /// <summary>One <c>name=value</c> part of a <c>;</c>-separated setting.</summary>
    private static string? Part(string? setting, string name) =>
        setting?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .FirstOrDefault(p => p.Length == 2 && string.Equals(p[0], name, StringComparison.OrdinalIgnoreCase))?[1];
}
