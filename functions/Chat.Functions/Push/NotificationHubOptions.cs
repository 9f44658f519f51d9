namespace Chat.Functions.Push;

using System.ComponentModel.DataAnnotations;

/// <summary>
/// Azure Notification Hubs (or the local Notification Hubs sink, same REST API). The data plane only
/// takes SAS tokens, so this is the hub's <c>DefaultFullSharedAccessSignature</c> connection string
/// (in Azure a Key Vault reference): <c>Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...</c>.
/// FCM v1 / APNs / WNS credentials are configured on the hub, never here.
/// </summary>
public sealed class NotificationHubOptions
{
    public const string Section = "NotificationHubs";

    [Required] public string ConnectionString { get; set; } = string.Empty;

    [Required] public string HubName { get; set; } = string.Empty;

    [Required] public string ApiVersion { get; set; } = "2020-06";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>SAS tokens the adapter signs (one per request) live this long.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The hub's base URL (<c>sb://</c> becomes <c>https://</c>; a local <c>http://</c> endpoint,
    /// path included, stays as it is), the SAS key name and the key.</summary>
    public (Uri HubUrl, string KeyName, string Key) Resolve()
    {
        var parts = Configuration.ConnectionString.Parse(ConnectionString);
        if (!parts.TryGetValue("Endpoint", out var endpoint) || !parts.TryGetValue("SharedAccessKeyName", out var keyName) || !parts.TryGetValue("SharedAccessKey", out var key))
        {
            throw new InvalidOperationException("NotificationHubs:ConnectionString needs Endpoint, SharedAccessKeyName and SharedAccessKey.");
        }

        var builder = new UriBuilder(endpoint.TrimEnd('/') + "/" + Uri.EscapeDataString(HubName));
        if (builder.Scheme == "sb")
        {
            builder.Scheme = Uri.UriSchemeHttps;
            builder.Port = -1;
        }

        return (builder.Uri, keyName, key);
    }
}
