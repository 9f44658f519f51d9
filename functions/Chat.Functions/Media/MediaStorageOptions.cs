namespace Chat.Functions.Media;

using System.ComponentModel.DataAnnotations;

/// <summary>Where media blobs live: a connection string locally, the blob endpoint with the managed
/// identity in Azure (<c>MediaStorage__serviceUri</c>; read URLs are then user-delegation SAS).</summary>
public sealed class MediaStorageOptions : IValidatableObject
{
    public const string Section = "MediaStorage";

    public string? ConnectionString { get; set; }

    public Uri? ServiceUri { get; set; }

    [Required] public string Container { get; set; } = "media";

    /// <summary>The CDN (or Front Door) host that serves read URLs, when there is one.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Read URLs are valid this long, and identical for everyone within one such window (CDN-cacheable).</summary>
    public TimeSpan ReadUrlWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Browser origins allowed to upload and download straight from Blob Storage, comma-separated
    /// (set on the account at start-up when given; in Azure, Bicep sets them).</summary>
    public string? CorsOrigins { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(ConnectionString) == (ServiceUri is null))
        {
            yield return new ValidationResult("Set exactly one of MediaStorage:ConnectionString and MediaStorage:serviceUri.", [nameof(ConnectionString)]);
        }
    }
}
