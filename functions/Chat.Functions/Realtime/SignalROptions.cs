namespace Chat.Functions.Realtime;

using System.ComponentModel.DataAnnotations;
using Chat.Core.Common;

/// <summary>Azure SignalR Service in serverless mode (or the local SignalR service, same REST API).</summary>
public sealed class SignalROptions : IValidatableObject
{
    public const string Section = "SignalR";

    /// <summary><c>Endpoint=https://NAME.service.signalr.net;AccessKey=KEY;Version=1.0;</c>: tokens signed with the key.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The service endpoint when the app uses its managed identity (local auth off).</summary>
    public Uri? Endpoint { get; set; }

    [Required] public string Hub { get; set; } = "chat";

    [Required] public string ApiVersion { get; set; } = "2024-12-01";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    [Range(0, 5)] public int Retries { get; set; } = 2;

    /// <summary>A group change that fails is retried through the queue, the delay doubling from this...</summary>
    public TimeSpan GroupRetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>...up to this, for <see cref="GroupRetries"/> retries (the defaults span about a day).</summary>
    public TimeSpan GroupRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 100_000)] public int GroupRetries { get; set; } = 300;

    public Backoff GroupRetry => new(GroupRetryBaseDelay, GroupRetryMaxDelay, GroupRetries);

    /// <summary>Client tokens never outlive this, nor the caller's access token.</summary>
    public TimeSpan ClientTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(ConnectionString) == (Endpoint is null))
        {
            yield return new ValidationResult("Set exactly one of SignalR:ConnectionString and SignalR:Endpoint.", [nameof(ConnectionString)]);
        }
    }

    private (string Endpoint, string? AccessKey)? resolved;

    /// <summary>The endpoint (no trailing slash) and, with a connection string, the access key; parsed
    /// once (every REST call asks).</summary>
    public (string Endpoint, string? AccessKey) Resolve() => resolved ??= Parse();

    private (string Endpoint, string? AccessKey) Parse()
    {
        if (Endpoint is not null)
        {
            return (Endpoint.ToString().TrimEnd('/'), null);
        }

        var parts = Configuration.ConnectionString.Parse(ConnectionString!);
        var endpoint = parts["Endpoint"].TrimEnd('/');
        if (parts.TryGetValue("Port", out var port) && port.Length > 0)
        {
            endpoint = new UriBuilder(endpoint) { Port = int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) }.Uri.ToString().TrimEnd('/');
        }

        return (endpoint, parts["AccessKey"]);
    }
}
