namespace Chat.Functions.Cosmos;

using System.ComponentModel.DataAnnotations;

/// <summary>Cosmos DB: a connection string locally (emulator), the account endpoint with the managed
/// identity in Azure (<c>Cosmos__accountEndpoint</c>).</summary>
public sealed class CosmosOptions : IValidatableObject
{
    public const string Section = "Cosmos";

    public string? ConnectionString { get; set; }

    public Uri? AccountEndpoint { get; set; }

    [Required] public string DatabaseName { get; set; } = "chat";

    /// <summary>Gateway mode (HTTPS only); the emulator needs it, and it suits Flex Consumption too.</summary>
    public bool GatewayMode { get; set; } = true;

    /// <summary>Create the database and containers at start-up (local); in Azure, Bicep creates them.</summary>
    public bool CreateIfNotExists { get; set; }

    /// <summary>Per-request network timeout of the SDK.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The whole budget of one store call, SDK retries included, before the API answers 503.</summary>
    public TimeSpan OperationBudget { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Chats whose metadata one instance keeps (<see cref="ChatMetaCache"/>); a chat of 100 members is ~10 KB.</summary>
    [Range(1, 1_000_000)] public int ChatMetaCacheSize { get; set; } = 20_000;

    public TimeSpan MaxRetryWaitOnThrottling { get; set; } = TimeSpan.FromSeconds(2);

    [Range(0, 20)] public int MaxRetryAttemptsOnThrottling { get; set; } = 3;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(ConnectionString) == (AccountEndpoint is null))
        {
            yield return new ValidationResult("Set exactly one of Cosmos:ConnectionString and Cosmos:accountEndpoint.", [nameof(ConnectionString)]);
        }
    }
}
