namespace Chat.Functions.Redis;

using System.ComponentModel.DataAnnotations;

/// <summary>Redis: a StackExchange.Redis configuration string locally (Garnet), the Azure Managed
/// Redis endpoint with the managed identity (Entra ID, TLS, no access key) in Azure.</summary>
public sealed class RedisOptions : IValidatableObject
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration, e.g. <c>127.0.0.1:6379</c>; local only.</summary>
    public string? ConnectionString { get; set; }

    /// <summary><c>host:port</c> of Azure Managed Redis (port 10000), reached over TLS with an Entra ID token.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The object (principal) id of the managed identity: the user name its tokens authenticate as.</summary>
    public string? PrincipalId { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Budget of one command; presence degrades past it, well inside the API's ~5 s.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A last-seen time, and the user's "hides last seen" choice beside it, live this long after the
    /// user's last activity ("last seen 3 days ago").</summary>
    public TimeSpan LastSeenRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Entra tokens are renewed (and live connections re-authenticated) this long before they expire.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(ConnectionString) == string.IsNullOrEmpty(Endpoint))
        {
            yield return new ValidationResult("Set exactly one of Redis:ConnectionString and Redis:Endpoint.", [nameof(ConnectionString)]);
        }

        if (!string.IsNullOrEmpty(Endpoint))
        {
            if (!IsHostAndPort(Endpoint))
            {
                yield return new ValidationResult("Redis:Endpoint must be host:port.", [nameof(Endpoint)]);
            }

            if (!Guid.TryParse(PrincipalId, out _))
            {
                yield return new ValidationResult("Redis:Endpoint needs Redis:PrincipalId, the object id of the managed identity.", [nameof(PrincipalId)]);
            }
        }

        if (ConnectTimeout <= TimeSpan.Zero || OperationTimeout <= TimeSpan.Zero || TokenRefreshMargin <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Redis time-outs and the token refresh margin must be positive.", [nameof(OperationTimeout)]);
        }

        if (LastSeenRetention < TimeSpan.FromDays(1))
        {
            yield return new ValidationResult("Redis:LastSeenRetention must be a day or more.", [nameof(LastSeenRetention)]);
        }
    }

    private static bool IsHostAndPort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and < 65536 && Uri.CheckHostName(endpoint[..colon]) != UriHostNameType.Unknown;
    }
}
